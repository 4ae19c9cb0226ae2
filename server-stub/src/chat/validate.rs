//! Checks of what people type: names, image addresses, reactions.

use pq_protocol::limits::{MAX_REACTION_CHARS, MAX_SEQ, MAX_URL_CHARS};

use crate::error::ApiError;

/// Validates a server, channel, category or display name: at most `max`
/// characters, no control characters, not only whitespace (exactly
/// [`pq_protocol::limits::NAME_PATTERN`] and `maxLength`). Stored trimmed.
///
/// # Errors
/// [`ApiError::InvalidField`] naming `field`.
pub fn name(field: &'static str, raw: &str, max: usize) -> Result<String, ApiError> {
    if raw.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{field} must be at most {max} characters")));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, format!("{field} must not contain control characters")));
    }
    let name = raw.trim();
    if name.is_empty() {
        return Err(ApiError::invalid(field, format!("{field} must not be empty")));
    }
    Ok(name.to_owned())
}

/// Validates a free text that may be left empty: at most `max` characters,
/// no control characters (but line breaks and tabs with `lines`). Stored
/// trimmed; empty (or only whitespace) is `None`.
///
/// # Errors
/// [`ApiError::InvalidField`] naming `field`.
pub fn optional_text(field: &'static str, raw: &str, max: usize, lines: bool) -> Result<Option<String>, ApiError> {
    if raw.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{field} must be at most {max} characters")));
    }
    if raw.chars().any(|c| c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(ApiError::invalid(field, format!("{field} must not contain control characters")));
    }
    let text = raw.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Validates an image URL someone sets by hand: only a `/media/` path on this
/// server (an upload). A URL elsewhere would make every viewer's app fetch it,
/// telling whoever runs that address who is online and from where, and could
/// point the apps at their own loopback ports. An empty string means "remove".
///
/// # Errors
/// [`ApiError::InvalidField`] naming `field`.
pub fn image_url(field: &'static str, raw: &str) -> Result<Option<String>, ApiError> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::invalid(field, format!("{field} is too long")));
    }
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with("/media/") && s[7..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Some(s.to_owned()));
    }
    Err(ApiError::invalid(
        field,
        format!("{field} must be a /media/ path on this server: upload the picture instead of linking to it"),
    ))
}

/// Validates a `seq` named in a request: at most [`MAX_SEQ`] (the document's
/// `maximum`).
///
/// # Errors
/// [`ApiError::InvalidField`] naming `field`.
pub fn seq(field: &'static str, seq: u64) -> Result<u64, ApiError> {
    if seq > MAX_SEQ {
        return Err(ApiError::invalid(field, format!("{field} must be at most {MAX_SEQ}")));
    }
    Ok(seq)
}

/// Validates a reaction: one emoji or a short name without spaces or
/// control characters, at most [`MAX_REACTION_CHARS`] characters
/// ([`pq_protocol::limits::REACTION_PATTERN`]).
///
/// # Errors
/// [`ApiError::InvalidField`] (`emoji`).
pub fn emoji(emoji: &str) -> Result<(), ApiError> {
    if emoji.is_empty()
        || emoji.chars().count() > MAX_REACTION_CHARS
        || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::invalid(
            "emoji",
            format!("a reaction is one emoji or a short name without spaces (at most {MAX_REACTION_CHARS} characters)"),
        ));
    }
    Ok(())
}

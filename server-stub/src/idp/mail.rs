//! Outgoing mail: one [`Mailer`] with two ways out. SMTP when `--smtp-url`
//! is set (`smtp://host:port`, `smtps://user:password@host:465`, see lettre's
//! URL format), otherwise a local mailbox file `DATA_DIR/mailbox.txt` that a
//! developer (or a test) reads.
//!
//! The mailbox file is plain text; each mail is appended as
//!
//! ```text
//! ==== mail ====
//! Date: 2026-01-01T00:00:00Z
//! From: pq <no-reply@pq.localhost>
//! To: alice@example.com
//! Subject: Your pq confirmation code
//!
//! Your confirmation code is 123456.
//! ```
//!
//! i.e. split on the line `==== mail ====`; headers end at the first empty line.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use tokio::io::AsyncWriteExt;

/// The line that starts each mail in the mailbox file.
pub const MAILBOX_SEPARATOR: &str = "==== mail ====";

/// One plain-text mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Why a mail could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL or the sender address is unusable.
    #[error("mail is misconfigured: {0}")]
    Config(String),
    /// The recipient is not a valid address.
    #[error("not a valid email address: {0}")]
    Address(String),
    /// The SMTP server refused or could not be reached.
    #[error("cannot send mail: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The mailbox file cannot be written.
    #[error("cannot write the mailbox file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Sends mail, by SMTP or into a mailbox file.
pub enum Mailer {
    /// By SMTP.
    Smtp {
        /// The (pooled) transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// Sender.
        from: Mailbox,
    },
    /// Appended to a local file.
    File {
        /// The mailbox file.
        path: PathBuf,
        /// Sender, as written in the `From:` line.
        from: String,
        /// Serialises appends so mails never interleave.
        lock: tokio::sync::Mutex<()>,
    },
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The SMTP URL may hold a password: show neither it nor the transport.
            Mailer::Smtp { from, .. } => f.debug_struct("Mailer::Smtp").field("from", &from.to_string()).finish(),
            Mailer::File { path, .. } => f.debug_struct("Mailer::File").field("path", path).finish(),
        }
    }
}

impl Mailer {
    /// SMTP if `smtp_url` is given, else the mailbox file in `data_dir`.
    ///
    /// # Errors
    /// An unusable SMTP URL or sender address.
    pub fn new(smtp_url: Option<&str>, from: &str, data_dir: &Path) -> Result<Self, MailError> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    // lettre's message may echo the URL, which may hold a password.
                    .map_err(|_| {
                        MailError::Config(
                            "the SMTP URL is not valid (smtp://host:port or smtps://user:password@host:465)".into(),
                        )
                    })?
                    .build();
                let from = from.parse::<Mailbox>().map_err(|e| MailError::Config(format!("sender {from:?}: {e}")))?;
                Ok(Mailer::Smtp { transport, from })
            }
            None => Ok(Mailer::File {
                path: data_dir.join("mailbox.txt"),
                from: from.to_owned(),
                lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The mailbox file, when mail goes to one.
    #[must_use]
    pub fn mailbox_path(&self) -> Option<&Path> {
        match self {
            Mailer::File { path, .. } => Some(path),
            Mailer::Smtp { .. } => None,
        }
    }

    /// Sends `mail`.
    ///
    /// # Errors
    /// See [`MailError`].
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        match self {
            Mailer::Smtp { transport, from } => {
                let to = mail.to.parse::<Mailbox>().map_err(|_| MailError::Address(mail.to.clone()))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(mail.subject.clone())
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.body.clone())
                    .map_err(|e| MailError::Config(e.to_string()))?;
                transport.send(message).await?;
                tracing::debug!(subject = %mail.subject, "mail sent by SMTP");
                Ok(())
            }
            Mailer::File { path, from, lock } => {
                let text = format_mail(from, mail);
                let _guard = lock.lock().await;
                let file_err = |source| MailError::File { path: path.clone(), source };
                let mut file = {
                    let mut o = tokio::fs::OpenOptions::new();
                    o.create(true).append(true);
                    #[cfg(unix)]
                    o.mode(0o600); // Codes that sign people in: the owner's eyes only.
                    o
                }
                .open(path)
                .await
                .map_err(file_err)?;
                file.write_all(text.as_bytes()).await.map_err(file_err)?;
                file.flush().await.map_err(file_err)?;
                tracing::debug!(subject = %mail.subject, "mail written to the mailbox file");
                Ok(())
            }
        }
    }
}

/// One mail as it appears in the mailbox file.
fn format_mail(from: &str, mail: &Mail) -> String {
    let date =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    // Header values are ours, but keep them on one line whatever they hold.
    let one_line = |s: &str| s.replace(['\r', '\n'], " ");
    let mut body = mail.body.replace("\r\n", "\n");
    if !body.ends_with('\n') {
        body.push('\n');
    }
    format!(
        "{MAILBOX_SEPARATOR}\nDate: {date}\nFrom: {}\nTo: {}\nSubject: {}\n\n{body}",
        one_line(from),
        one_line(&mail.to),
        one_line(&mail.subject),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_mailer_appends_readable_mail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mailer = Mailer::new(None, "pq <no-reply@pq.localhost>", dir.path()).expect("mailer");
        let path = mailer.mailbox_path().expect("file").to_owned();
        for n in 0..2 {
            mailer
                .send(&Mail { to: "a@example.com".into(), subject: format!("S{n}"), body: format!("code {n}") })
                .await
                .expect("send");
        }
        let text = std::fs::read_to_string(path).expect("read");
        let mails: Vec<&str> = text.split(&format!("{MAILBOX_SEPARATOR}\n")).filter(|m| !m.is_empty()).collect();
        assert_eq!(mails.len(), 2);
        assert!(mails[1].contains("To: a@example.com\nSubject: S1\n\ncode 1\n"), "{}", mails[1]);
    }

    #[test]
    fn bad_smtp_url_is_refused_without_echoing_it() {
        let err = Mailer::new(Some("nonsense://user:secret@host"), "pq <a@b.c>", Path::new("/tmp")).unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}

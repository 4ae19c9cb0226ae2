//! What the server works out about an uploaded file: its type from its
//! bytes (never the uploader's word), a safe name, and for pictures their
//! upright size and a thumbnail (EXIF orientation applied; a re-encoded
//! thumbnail carries no metadata).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use pq_protocol::limits::{MAX_FILENAME_CHARS, THUMBNAIL_PX};

/// The type of a file from its first bytes: what `infer` recognises; else
/// UTF-8 text; else `application/octet-stream`.
#[must_use]
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    // A cut in the middle of a character at the end of the head is fine.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !head.contains(&0) { "text/plain; charset=utf-8".into() } else { "application/octet-stream".into() }
}

/// Whether the server makes a preview of this type.
#[must_use]
pub fn is_picture(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// A file name as shown and offered for saving: the last part of any path
/// (`/` or `\`), no control or reserved characters, not `.` or `..`, at
/// most [`MAX_FILENAME_CHARS`] characters (the extension kept); `file` when
/// nothing is left.
#[must_use]
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return "file".into();
    }
    if trimmed.chars().count() <= MAX_FILENAME_CHARS {
        return trimmed.to_owned();
    }
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (trimmed, None),
    };
    let keep = MAX_FILENAME_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(keep).collect();
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

/// A picture's upright size and its thumbnail (JPEG, or PNG when it has
/// transparency), at most [`THUMBNAIL_PX`] a side.
#[derive(Debug)]
pub struct Preview {
    /// Width, upright.
    pub width: u32,
    /// Height, upright.
    pub height: u32,
    /// The thumbnail's bytes.
    pub thumbnail: Vec<u8>,
    /// The picture again without its metadata, when it carried EXIF (where
    /// and when it was taken, the camera): upright, as the same format
    /// (JPEG at quality 92; PNG and WebP losslessly). `None`: kept as sent.
    pub cleaned: Option<Vec<u8>>,
}

/// Decodes a picture (bounded: at most 16,384 pixels a side and 512 MiB of
/// pixels) and makes its preview; `None` when it cannot be decoded.
#[must_use]
pub fn preview(bytes: &[u8]) -> Option<Preview> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 << 20);
    reader.limits(limits);
    let format = reader.format();
    let mut decoder = reader.into_decoder().ok()?;
    let exif = decoder.exif_metadata().ok().flatten().filter(|e| !e.is_empty());
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).ok()?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    let (width, height) = (picture.width(), picture.height());
    let cleaned = exif.and_then(|_| without_metadata(&picture, format?));
    let small = if width > THUMBNAIL_PX || height > THUMBNAIL_PX {
        picture.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX)
    } else {
        picture
    };
    let mut thumbnail = Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut thumbnail, image::ImageFormat::Png).ok()?;
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumbnail, 82).encode_image(&small.to_rgb8()).ok()?;
    }
    Some(Preview { width, height, thumbnail: thumbnail.into_inner(), cleaned })
}

/// `picture` encoded again in `format`, carrying no metadata (GIF and
/// other formats: `None`, kept as sent; they carry no EXIF).
fn without_metadata(picture: &DynamicImage, format: image::ImageFormat) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    match format {
        image::ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(&picture.to_rgb8()).ok()?;
        }
        image::ImageFormat::Png | image::ImageFormat::WebP => picture.write_to(&mut out, format).ok()?,
        _ => return None,
    }
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_tricks() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\photo.jpg"), "photo.jpg");
        assert_eq!(safe_name("..\\..\\.."), "file");
        assert_eq!(safe_name(".bashrc"), "bashrc");
        assert_eq!(safe_name("a\u{0}b\nc.txt"), "a_b_c.txt");
        assert_eq!(safe_name("what?.txt"), "what_.txt");
        assert_eq!(safe_name("회의 자료.pdf"), "회의 자료.pdf");
        let long = format!("{}.pdf", "가".repeat(300));
        let kept = safe_name(&long);
        assert_eq!(kept.chars().count(), MAX_FILENAME_CHARS);
        assert!(kept.ends_with(".pdf"));
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("안녕하세요, plain text".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0, 159, 146, 150, 0, 1]), "application/octet-stream");
    }

    #[test]
    fn a_sideways_photo_is_shown_upright_and_small() {
        // 800 × 600 as stored; EXIF orientation 6 says: turn it a quarter right.
        let mut jpeg = Cursor::new(Vec::new());
        let picture = image::RgbImage::from_fn(800, 600, |x, _| image::Rgb([(x / 4) as u8, 80, 160]));
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg).encode_image(&picture).unwrap();
        let with_exif = insert_exif_orientation(&jpeg.into_inner(), 6);
        let p = preview(&with_exif).expect("a preview");
        assert_eq!((p.width, p.height), (600, 800), "upright");
        let thumb = image::load_from_memory(&p.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (300, 400));
        assert!(!p.thumbnail.windows(4).any(|w| w == b"Exif"), "no metadata in the thumbnail");
        // The picture itself is kept upright and without its metadata.
        let cleaned = p.cleaned.expect("EXIF is stripped from the picture");
        assert!(!cleaned.windows(4).any(|w| w == b"Exif"));
        let upright = image::load_from_memory(&cleaned).unwrap();
        assert_eq!((upright.width(), upright.height()), (600, 800));
        assert_eq!(sniff(&cleaned), "image/jpeg");
        // A picture without metadata is kept as sent.
        let mut png = Cursor::new(Vec::new());
        image::RgbImage::new(20, 10).write_to(&mut png, image::ImageFormat::Png).unwrap();
        assert!(preview(png.get_ref()).unwrap().cleaned.is_none());
        assert!(preview(b"\x89PNG\r\n\x1a\nnot really").is_none());
    }

    /// A JPEG with an APP1 EXIF segment holding only an orientation.
    fn insert_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, IFD at 8
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes()); // count
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }
}

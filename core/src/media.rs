//! Pictures (avatars, server icons) kept on disk: their address is the
//! SHA-256 of their bytes, so a copy never goes stale and is checked against
//! its name before it is kept or shown. Owner-only, like the message cache.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Whether `bytes` are the picture named `id`.
#[must_use]
pub fn matches(id: &str, bytes: &[u8]) -> bool {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.eq_ignore_ascii_case(id)
}

/// The directory of kept pictures under a data directory.
#[must_use]
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// A kept picture, if there is one and it is intact.
pub fn read(dir: &Path, id: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(dir.join(id.to_ascii_lowercase())).ok()?;
    matches(id, &bytes).then_some(bytes)
}

/// Keeps a picture (written whole, then renamed into place).
///
/// # Errors
/// The disk refused.
pub fn write(dir: &Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let name = id.to_ascii_lowercase();
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&tmp)?, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_picture_is_checked_against_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let id: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(read(dir.path(), &id), None);
        write(dir.path(), &id, &bytes).unwrap();
        assert_eq!(read(dir.path(), &id).as_deref(), Some(bytes.as_slice()));
        // A damaged copy is not shown.
        std::fs::write(dir.path().join(&id), b"something else").unwrap();
        assert_eq!(read(dir.path(), &id), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            write(dir.path(), &id, &bytes).unwrap();
            let mode = std::fs::metadata(dir.path().join(&id)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}

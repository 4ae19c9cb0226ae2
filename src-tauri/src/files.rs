//! Saving attachments: a name from the server is made safe again here (the
//! server's word is not the last line of defence), and never overwrites.

use std::path::{Path, PathBuf};

/// The last part of `name`, without control characters, path separators or
/// a leading dot (no hidden files, no `..`); "download" when nothing is left.
#[must_use]
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|')).collect();
    let clean = clean.trim().trim_start_matches('.').trim().to_owned();
    if clean.is_empty() { "download".into() } else { clean.chars().take(200).collect() }
}

/// `dir/name`, or `dir/stem (N).ext` with the first N not taken.
#[must_use]
pub fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..).map(|n| dir.join(format!("{stem} ({n}){ext}"))).find(|p| !p.exists()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../.bashrc"), "bashrc");
        assert_eq!(safe_name("C:\\Windows\\evil.exe"), "evil.exe");
        assert_eq!(safe_name("report\u{0}.pdf"), "report.pdf");
        assert_eq!(safe_name("사진 1.png"), "사진 1.png");
        assert_eq!(safe_name(".."), "download");
        assert_eq!(safe_name("a|b?.txt"), "ab.txt");
    }

    #[test]
    fn a_download_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unique_path(dir.path(), "notes.txt"), dir.path().join("notes.txt"));
        std::fs::write(dir.path().join("notes.txt"), b"1").unwrap();
        assert_eq!(unique_path(dir.path(), "notes.txt"), dir.path().join("notes (1).txt"));
        std::fs::write(dir.path().join("notes (1).txt"), b"2").unwrap();
        assert_eq!(unique_path(dir.path(), "notes.txt"), dir.path().join("notes (2).txt"));
        std::fs::write(dir.path().join("README"), b"3").unwrap();
        assert_eq!(unique_path(dir.path(), "README"), dir.path().join("README (1)"));
    }
}

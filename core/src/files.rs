//! Files of messages on this device, under the account's files directory
//! (beside its cache: `accounts/HASH.files/`, owner-only):
//!
//! - `staged/ID`: a file the person picked, dropped or pasted into the
//!   composer, before they send (cleared at start).
//! - `outbox/CLIENT_ID/N`: the files of an unsent message, until the server
//!   has the message; then they move into the cache under their attachment
//!   id (the sender sees their own pictures offline without downloading).
//! - `cache/ATTACHMENT_ID` and `cache/ATTACHMENT_ID.thumb`: attachments
//!   seen, kept for offline viewing up to a budget the person sets; the
//!   least recently viewed go first (a read sets the file's mtime).

use std::{
    collections::HashMap,
    io,
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
    time::SystemTime,
};

use pq_protocol::{AttachmentId, ClientMessageId};
use serde::{Deserialize, Serialize};

use crate::store::OutboxFile;

/// The default offline budget for attachments: 512 MiB.
pub const DEFAULT_CACHE_BUDGET: u64 = 512 << 20;

/// A file waiting in the composer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StagedFile {
    /// Its handle until it is sent or removed.
    pub id: String,
    /// Its name (as the person's system called it).
    pub name: String,
    /// Bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// One account's files directory.
#[derive(Debug)]
pub struct Files {
    root: PathBuf,
    staged: Mutex<HashMap<String, StagedFile>>,
    /// Bytes `cache/` holds, counted once from the disk, then kept up to
    /// date (a picture shown must not cost a walk of the whole cache).
    used: Mutex<Option<u64>>,
}

fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn private_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

impl Files {
    /// The files directory of the cache at `cache_path`; whatever was staged
    /// and never sent is cleared.
    #[must_use]
    pub fn beside(cache_path: &Path) -> Self {
        let root = cache_path.with_extension("files");
        let _ = std::fs::remove_dir_all(root.join("staged"));
        Self { root, staged: Mutex::default(), used: Mutex::default() }
    }

    fn staged_path(&self, id: &str) -> PathBuf {
        self.root.join("staged").join(id)
    }

    /// Where the `n`th file of an unsent message is.
    #[must_use]
    pub fn outbox_file(&self, client_id: ClientMessageId, n: usize) -> PathBuf {
        self.root.join("outbox").join(client_id.to_string()).join(n.to_string())
    }

    fn cache_path(&self, id: AttachmentId, thumbnail: bool) -> PathBuf {
        let name = if thumbnail { format!("{id}.thumb") } else { id.to_string() };
        self.root.join("cache").join(name)
    }

    /// Keeps `bytes` as a file for the composer.
    ///
    /// # Errors
    /// The disk refused.
    pub fn stage(&self, name: &str, bytes: &[u8]) -> io::Result<StagedFile> {
        if bytes.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "an empty file cannot be attached"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let path = self.staged_path(&id);
        private_dir(path.parent().unwrap_or(&self.root))?;
        io::Write::write_all(&mut private_file(&path)?, bytes)?;
        Ok(self.staged_as(id, name, bytes.len() as u64))
    }

    /// Copies the file at `path` for the composer (the person may move or
    /// delete the original before the message goes).
    ///
    /// # Errors
    /// It cannot be read, or the disk refused.
    pub fn stage_path(&self, path: &Path) -> io::Result<StagedFile> {
        let name = path.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let id = uuid::Uuid::now_v7().to_string();
        let to = self.staged_path(&id);
        private_dir(to.parent().unwrap_or(&self.root))?;
        let mut from = std::fs::File::open(path)?;
        let size = io::copy(&mut from, &mut private_file(&to)?)?;
        if size == 0 {
            let _ = std::fs::remove_file(&to);
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "an empty file cannot be attached"));
        }
        Ok(self.staged_as(id, &name, size))
    }

    fn staged_as(&self, id: String, name: &str, size: u64) -> StagedFile {
        let file = StagedFile { id: id.clone(), name: name.to_owned(), size };
        self.staged.lock().unwrap_or_else(PoisonError::into_inner).insert(id, file.clone());
        file
    }

    /// A staged file, if there is one by that handle.
    #[must_use]
    pub fn staged(&self, id: &str) -> Option<StagedFile> {
        self.staged.lock().unwrap_or_else(PoisonError::into_inner).get(id).cloned()
    }

    /// Removes a staged file.
    pub fn unstage(&self, id: &str) {
        if self.staged.lock().unwrap_or_else(PoisonError::into_inner).remove(id).is_some() {
            let _ = std::fs::remove_file(self.staged_path(id));
        }
    }

    /// Moves staged files under an unsent message, in order.
    ///
    /// # Errors
    /// An unknown handle (`NotFound`), or the disk refused (the files stay
    /// staged).
    pub fn take_staged(&self, ids: &[String], client_id: ClientMessageId) -> io::Result<Vec<OutboxFile>> {
        let files: Vec<StagedFile> = ids
            .iter()
            .map(|id| self.staged(id).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such staged file")))
            .collect::<io::Result<_>>()?;
        let dir = self.root.join("outbox").join(client_id.to_string());
        private_dir(&dir)?;
        for (n, f) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(self.staged_path(&f.id), dir.join(n.to_string())) {
                // Put back what moved; the message is not written.
                for (m, g) in files.iter().enumerate().take(n) {
                    let _ = std::fs::rename(dir.join(m.to_string()), self.staged_path(&g.id));
                }
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        }
        let mut staged = self.staged.lock().unwrap_or_else(PoisonError::into_inner);
        for f in &files {
            staged.remove(&f.id);
        }
        Ok(files.into_iter().map(|f| OutboxFile { name: f.name, size: f.size, uploaded: None }).collect())
    }

    /// The server has the message: its files move into the cache under
    /// their attachment ids (within `budget`), the rest goes.
    pub fn adopt(&self, client_id: ClientMessageId, files: &[OutboxFile], budget: u64) {
        let _ = private_dir(&self.root.join("cache"));
        for (n, f) in files.iter().enumerate() {
            if let Some(a) = &f.uploaded
                && a.size <= budget
                && std::fs::rename(self.outbox_file(client_id, n), self.cache_path(a.id, false)).is_ok()
            {
                self.count(a.size.cast_signed());
            }
        }
        self.drop_outbox(client_id);
        self.evict(budget);
    }

    /// Forgets the files of an unsent message (discarded).
    pub fn drop_outbox(&self, client_id: ClientMessageId) {
        let _ = std::fs::remove_dir_all(self.root.join("outbox").join(client_id.to_string()));
    }

    /// A kept attachment (or its thumbnail), marked as just used.
    #[must_use]
    pub fn cached(&self, id: AttachmentId, thumbnail: bool) -> Option<Vec<u8>> {
        let path = self.cache_path(id, thumbnail);
        let bytes = std::fs::read(&path).ok()?;
        if let Ok(f) = std::fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Keeps an attachment (or its thumbnail), then makes room within
    /// `budget` (nothing larger than the budget is kept).
    ///
    /// # Errors
    /// The disk refused.
    pub fn keep(&self, id: AttachmentId, thumbnail: bool, bytes: &[u8], budget: u64) -> io::Result<()> {
        if bytes.len() as u64 > budget {
            return Ok(());
        }
        let path = self.cache_path(id, thumbnail);
        private_dir(path.parent().unwrap_or(&self.root))?;
        let tmp = path.with_extension(format!("part{}", std::process::id()));
        io::Write::write_all(&mut private_file(&tmp)?, bytes)?;
        let replaced = std::fs::metadata(&path).map_or(0, |m| m.len());
        std::fs::rename(&tmp, &path)?;
        self.count(bytes.len() as i64 - replaced.cast_signed());
        self.evict(budget);
        Ok(())
    }

    /// Forgets an attachment (its message was deleted).
    pub fn forget(&self, id: AttachmentId) {
        for path in [self.cache_path(id, false), self.cache_path(id, true)] {
            if let Ok(meta) = std::fs::metadata(&path)
                && std::fs::remove_file(&path).is_ok()
            {
                self.count(-meta.len().cast_signed());
            }
        }
    }

    /// Bytes the cache holds now.
    #[must_use]
    pub fn cache_size(&self) -> u64 {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        *used.get_or_insert_with(|| self.cache_entries().iter().map(|(_, size, _)| size).sum())
    }

    /// The cache grew (or shrank) by `delta` bytes (not counted yet: the
    /// first count sees it on the disk).
    fn count(&self, delta: i64) {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(u) = used.as_mut() {
            *u = u.saturating_add_signed(delta);
        }
    }

    fn cache_entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let Ok(dir) = std::fs::read_dir(self.root.join("cache")) else { return vec![] };
        dir.filter_map(|e| {
            let e = e.ok()?;
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| (e.path(), meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
        })
        .collect()
    }

    /// Removes the least recently used files until the cache fits `budget`
    /// (the disk is walked only when it is over).
    pub fn evict(&self, budget: u64) {
        if self.cache_size() <= budget {
            return;
        }
        let mut entries = self.cache_entries();
        let mut total: u64 = entries.iter().map(|(_, size, _)| size).sum();
        entries.sort_by_key(|(_, _, used)| *used);
        for (path, size, _) in entries {
            if total <= budget {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
        *self.used.lock().unwrap_or_else(PoisonError::into_inner) = Some(total);
    }
}

/// The type of a file from its first bytes (`application/octet-stream`
/// when unknown).
#[must_use]
pub fn sniff(bytes: &[u8]) -> &'static str {
    infer::get(bytes).map_or("application/octet-stream", |t| t.mime_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_viewed_go_first_when_over_budget() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::beside(&dir.path().join("a.sqlite3"));
        let (a, b, c) = (AttachmentId::new(), AttachmentId::new(), AttachmentId::new());
        files.keep(a, false, &[1; 400], 1000).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        files.keep(b, false, &[2; 400], 1000).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // a is viewed again: b is now the least recently used.
        assert_eq!(files.cached(a, false).unwrap().len(), 400);
        std::thread::sleep(std::time::Duration::from_millis(20));
        files.keep(c, false, &[3; 400], 1000).unwrap();
        assert!(files.cached(b, false).is_none(), "b went");
        assert!(files.cached(a, false).is_some() && files.cached(c, false).is_some());
        assert_eq!(files.cache_size(), 800);
        // Larger than the whole budget: not kept.
        files.keep(AttachmentId::new(), false, &[4; 1001], 1000).unwrap();
        assert_eq!(files.cache_size(), 800);
        // A smaller budget evicts at once.
        files.evict(500);
        assert_eq!(files.cache_size(), 400);
    }

    #[test]
    fn staged_files_move_under_their_message_and_then_into_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::beside(&dir.path().join("a.sqlite3"));
        let one = files.stage("cat.png", b"meow").unwrap();
        let src = dir.path().join("notes.txt");
        std::fs::write(&src, b"hello").unwrap();
        let two = files.stage_path(&src).unwrap();
        assert_eq!((two.name.as_str(), two.size), ("notes.txt", 5));
        assert!(files.stage("empty.txt", b"").is_err(), "nothing to send");
        let client = ClientMessageId::new();
        assert!(files.take_staged(&[one.id.clone(), "nope".into()], client).is_err());
        let mut taken = files.take_staged(&[one.id.clone(), two.id.clone()], client).unwrap();
        assert_eq!(taken.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["cat.png", "notes.txt"]);
        assert!(files.staged(&one.id).is_none());
        assert_eq!(std::fs::read(files.outbox_file(client, 1)).unwrap(), b"hello");
        let id = AttachmentId::new();
        taken[0].uploaded = Some(pq_protocol::models::Attachment {
            id,
            filename: "cat.png".into(),
            content_type: "image/png".into(),
            size: 4,
            width: None,
            height: None,
            thumbnail: false,
        });
        files.adopt(client, &taken, DEFAULT_CACHE_BUDGET);
        assert_eq!(files.cached(id, false).unwrap(), b"meow");
        assert!(!files.outbox_file(client, 0).parent().unwrap().exists());
    }
}

//! Object storage for attachments, through one interface (`object_store`):
//! files under the data directory by default (`objects/`), any
//! S3-compatible bucket by configuration (`--s3-endpoint`, `--s3-bucket`).
//! Uploads are streamed in parts, never held whole in memory.

use std::{path::Path, sync::Arc};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::{
    GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart, aws::AmazonS3Builder,
    local::LocalFileSystem, path::Path as Key,
};
use tokio::io::AsyncReadExt as _;
use tokio_util::io::ReaderStream;

use crate::config::S3Config;

/// How many bytes of the start of an upload are kept to tell its type.
const HEAD: usize = 8192;

/// How much of a local file one read of a download takes (what tower-http's
/// `ServeDir` reads at a time).
const READ_CHUNK: usize = 64 * 1024;

/// Where attachments' bytes live.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.store)
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// More bytes than allowed came (the upload was abandoned).
    #[error("more than {0} bytes")]
    TooLarge(u64),
    /// The client's body failed (it went away).
    #[error("the upload broke off: {0}")]
    Body(String),
    /// The store failed.
    #[error("storage: {0}")]
    Store(#[from] object_store::Error),
    /// Reading a local file failed.
    #[error("reading a stored file: {0}")]
    Read(std::io::Error),
    /// The local directory cannot be made.
    #[error("cannot make {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What a finished upload stored.
#[derive(Debug)]
pub struct Stored {
    /// Its size in bytes.
    pub size: u64,
    /// Its first bytes (to tell its type).
    pub head: Vec<u8>,
}

impl Storage {
    /// Files under `dir` (made if missing).
    ///
    /// # Errors
    /// When the directory cannot be made or used.
    pub fn local(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Dir { path: dir.display().to_string(), source })?;
        Ok(Self { store: Arc::new(LocalFileSystem::new_with_prefix(dir)?) })
    }

    /// An S3-compatible bucket.
    ///
    /// # Errors
    /// When the configuration is incomplete.
    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        let mut builder = AmazonS3Builder::from_env()
            .with_endpoint(config.endpoint.as_str().trim_end_matches('/'))
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_allow_http(config.endpoint.scheme() == "http")
            .with_virtual_hosted_style_request(false);
        if let Some(key) = &config.access_key_id {
            builder = builder.with_access_key_id(key.expose());
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        Ok(Self { store: Arc::new(builder.build()?) })
    }

    /// Streams `body` to `key`, in parts; abandons it (and stores nothing)
    /// past `limit` bytes or when the body breaks off.
    ///
    /// # Errors
    /// [`StorageError::TooLarge`], [`StorageError::Body`], or the store's.
    pub async fn put_stream<S, E>(&self, key: &str, body: S, limit: u64) -> Result<Stored, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let upload = self.store.put_multipart(&Key::from(key)).await?;
        let mut writer = WriteMultipart::new(upload);
        let mut body = body;
        let (mut size, mut head) = (0u64, Vec::with_capacity(HEAD));
        let failed = loop {
            let chunk = match body.next().await {
                None => break None,
                Some(Err(e)) => break Some(StorageError::Body(e.to_string())),
                Some(Ok(chunk)) => chunk,
            };
            size += chunk.len() as u64;
            if size > limit {
                break Some(StorageError::TooLarge(limit));
            }
            if head.len() < HEAD {
                head.extend_from_slice(&chunk[..chunk.len().min(HEAD - head.len())]);
            }
            if let Err(e) = writer.wait_for_capacity(4).await {
                break Some(e.into());
            }
            writer.write(&chunk);
        };
        match failed {
            None => {
                writer.finish().await?;
                Ok(Stored { size, head })
            }
            Some(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// Stores small bytes (a thumbnail) at once.
    ///
    /// # Errors
    /// The store's.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store.put(&Key::from(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// Reads a whole object (only for ones known to be small enough).
    ///
    /// # Errors
    /// The store's.
    pub async fn read(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&Key::from(key)).await?.bytes().await?)
    }

    /// An object as a stream of its bytes.
    ///
    /// A local file is read in [`READ_CHUNK`] pieces: `object_store`'s own
    /// stream of a file reads 8 KiB per blocking-pool task, a thread
    /// hand-off per 8 KiB that made downloads CPU-bound (~200 MB/s on
    /// loopback, 3.4× slower than a plain file server).
    ///
    /// # Errors
    /// The store's (`NotFound` too).
    pub async fn stream(
        &self,
        key: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, StorageError>> + Send + use<>, StorageError> {
        let got = self.store.get(&Key::from(key)).await?;
        Ok(match got.payload {
            GetResultPayload::File(file, _) => {
                let file = tokio::fs::File::from_std(file).take(got.range.end - got.range.start);
                ReaderStream::with_capacity(file, READ_CHUNK).map_err(StorageError::Read).boxed()
            }
            GetResultPayload::Stream(stream) => stream.map_err(StorageError::from).boxed(),
        })
    }

    /// Whether an object is there.
    ///
    /// # Errors
    /// The store's, other than not found.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.store.head(&Key::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes an object (gone already is fine).
    ///
    /// # Errors
    /// The store's.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

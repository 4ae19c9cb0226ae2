//! Attachments in an S3-compatible bucket (`--s3-endpoint`, `--s3-bucket`,
//! the credentials) instead of the data directory: a real S3 server on
//! loopback (moto's server mode, from the test environment scripts/setup
//! makes), checked through its own S3 API: what pq-server stores there,
//! what it reads back, what it deletes, and a file large enough to go up in
//! several parts.

use std::{
    collections::BTreeSet,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use pq_protocol::{
    AttachmentId, ClientMessageId,
    models::{Attachment, SendAck},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    attachments::{download, png, upload},
    common::TestServer,
    servers::{api, server_with, text_channel},
};

/// moto's S3 on a free loopback port, with one empty bucket. Everything is
/// in its memory: it is gone when this is dropped.
struct S3Server {
    child: Child,
    port: u16,
    bucket: String,
    http: reqwest::Client,
}

impl S3Server {
    async fn start(bucket: &str) -> Self {
        let home = std::env::var("HOME").expect("HOME");
        let python = Path::new(&home).join(".cache/pq/venv/bin/python");
        assert!(python.exists(), "no test environment at {}: run ./scripts/setup", python.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        // moto refuses anonymous reads of objects that are not public, and
        // checks no signature: any Authorization header makes a request
        // signed, in the account of the key named (pq-server's).
        let signed = "AWS4-HMAC-SHA256 Credential=pq-test-key/20260101/us-east-1/s3/aws4_request, \
                      SignedHeaders=host, Signature=0";
        let headers = [(reqwest::header::AUTHORIZATION, signed.parse().unwrap())].into_iter().collect();
        let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
        let mut s3 = Self { child, port, bucket: bucket.to_owned(), http };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = s3.child.try_wait().unwrap() {
                panic!("moto exited ({status}) before listening: run ./scripts/setup");
            }
            assert!(Instant::now() < deadline, "moto did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // CreateBucket, path style (as pq-server talks to it too).
        let resp = s3.http.put(s3.url("")).send().await.unwrap();
        assert!(resp.status().is_success(), "CreateBucket: {}", resp.status());
        s3
    }

    /// The endpoint to give pq-server.
    fn endpoint(&self) -> url::Url {
        format!("http://127.0.0.1:{}", self.port).parse().unwrap()
    }

    /// The URL of `key` in the bucket (or of the bucket, for "").
    fn url(&self, key: &str) -> String {
        format!("http://127.0.0.1:{}/{}/{key}", self.port, self.bucket)
    }

    /// Every key in the bucket (ListObjectsV2).
    async fn keys(&self) -> BTreeSet<String> {
        let xml = self.list("list-type=2").await;
        assert!(xml.contains("<IsTruncated>false</IsTruncated>"), "{xml}");
        elements(&xml, "Key").into_iter().collect()
    }

    /// Multipart uploads begun and neither completed nor aborted.
    async fn unfinished_uploads(&self) -> usize {
        elements(&self.list("uploads").await, "UploadId").len()
    }

    async fn list(&self, query: &str) -> String {
        let resp = self.http.get(format!("{}?{query}", self.url(""))).send().await.unwrap();
        assert!(resp.status().is_success(), "GET ?{query}: {}", resp.status());
        resp.text().await.unwrap()
    }

    /// An object's bytes and its ETag, straight from the bucket.
    async fn object(&self, key: &str) -> (Vec<u8>, String) {
        let resp = self.http.get(self.url(key)).send().await.unwrap();
        assert!(resp.status().is_success(), "GET {key}: {}", resp.status());
        let etag = resp.headers()["etag"].to_str().unwrap().trim_matches('"').to_owned();
        (resp.bytes().await.unwrap().to_vec(), etag)
    }

    /// Waits (briefly) until the bucket holds exactly `expected`.
    async fn holds(&self, expected: &BTreeSet<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let keys = self.keys().await;
            if &keys == expected {
                return;
            }
            assert!(Instant::now() < deadline, "the bucket holds {keys:?}, not {expected:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of every `<name>` element in `xml` (S3's answers are flat
/// enough for this).
fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open).skip(1).filter_map(|rest| rest.split_once(&close)).map(|(text, _)| text.to_owned()).collect()
}

/// pq-server keeping attachments in `s3`'s bucket; free accounts may upload
/// up to 16 MiB.
async fn server_on(s3: &S3Server) -> TestServer {
    let (endpoint, bucket) = (s3.endpoint(), s3.bucket.clone());
    TestServer::start_with(|a| {
        a.s3_endpoint = Some(endpoint);
        a.s3_bucket = Some(bucket);
        a.s3_region = "us-east-1".into();
        a.s3_access_key_id = Some("pq-test-key".into());
        a.s3_secret_access_key = Some("pq-test-secret".into());
        a.upload_limit_mb = pq_server::config::parse_upload_limits("16,25,100").unwrap();
    })
    .await
}

/// The keys of an attachment's bytes and of its thumbnail.
fn keys_of(id: AttachmentId) -> (String, String) {
    (format!("attachments/{id}"), format!("attachments/{id}.thumb"))
}

#[tokio::test]
async fn with_an_s3_bucket_attachments_are_kept_there_read_by_the_channel_and_deleted_with_their_message() {
    let s3 = S3Server::start("pq-attachments").await;
    let ts = server_on(&s3).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;

    // A picture and a PDF go up: in the bucket, not in the data directory.
    let picture = png();
    let (status, body) = upload(&alice, ch, "holiday.png", "image/png", picture.clone()).await;
    assert_eq!(status, 201, "{body}");
    let pic: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!(
        (pic.content_type.as_str(), pic.width, pic.height, pic.thumbnail),
        ("image/png", Some(640), Some(480), true)
    );
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let (status, body) = upload(&alice, ch, "notes.pdf", "application/pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{body}");
    let doc: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!((doc.content_type.as_str(), doc.thumbnail), ("application/pdf", false));

    let (pic_key, pic_thumb) = keys_of(pic.id);
    let (doc_key, _) = keys_of(doc.id);
    let all: BTreeSet<String> = [pic_key.clone(), pic_thumb.clone(), doc_key.clone()].into();
    assert_eq!(s3.keys().await, all, "the picture, its thumbnail and the PDF; no thumbnail for a PDF");
    assert!(s3.object(&pic_key).await.0 == picture, "the bucket has the picture's very bytes");
    assert_eq!(s3.object(&doc_key).await.0, pdf);
    let (stored_thumb, _) = s3.object(&pic_thumb).await;
    let thumb = image::load_from_memory(&stored_thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 300));
    assert!(!ts.data_dir().join("objects").exists(), "nothing is kept in the data directory");
    assert_eq!(s3.unfinished_uploads().await, 0);

    // Sent together: Bob, in the channel, reads both back through pq-server.
    let ack: SendAck = alice
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "the trip", "attachments": [pic.id, doc.id]}),
        )
        .await;
    let (status, headers, got) = download(&bob, &format!("/api/attachments/{}", pic.id)).await;
    assert_eq!((status.as_u16(), headers["content-type"].to_str().unwrap(), got == picture), (200, "image/png", true));
    let (status, headers, got) = download(&bob, &format!("/api/attachments/{}/thumbnail", pic.id)).await;
    assert_eq!(
        (status.as_u16(), headers["content-type"].to_str().unwrap(), got == stored_thumb),
        (200, "image/jpeg", true)
    );
    let (status, headers, got) = download(&bob, &format!("/api/attachments/{}", doc.id)).await;
    assert_eq!(
        (status.as_u16(), headers["content-type"].to_str().unwrap(), got == pdf),
        (200, "application/pdf", true)
    );

    // Alice deletes the message: its objects leave the bucket (after the
    // commit), and nobody can read them any more.
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{ch}/messages/{}", ack.message_id), None).await;
    assert_eq!(st, 204);
    s3.holds(&BTreeSet::new()).await;
    assert_eq!(download(&bob, &format!("/api/attachments/{}", pic.id)).await.0, 404);
    assert_eq!(download(&alice, &format!("/api/attachments/{}", doc.id)).await.0, 404);
}

#[tokio::test]
async fn a_12_mib_file_goes_up_to_s3_in_parts_and_comes_back_byte_for_byte() {
    let s3 = S3Server::start("pq-large").await;
    let ts = server_on(&s3).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;

    let bytes = noise(12 << 20);
    let (status, body) = upload(&alice, ch, "backup.bin", "application/octet-stream", bytes.clone()).await;
    assert_eq!(status, 201, "{body}");
    let file: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!((file.size, file.content_type.as_str(), file.thumbnail), (12 << 20, "application/octet-stream", false));

    // One object, put together from several parts (S3 gives a multipart
    // upload's object the ETag `<hash>-<parts>`), and no upload left open.
    let (key, _) = keys_of(file.id);
    assert_eq!(s3.keys().await, [key.clone()].into());
    let (stored, etag) = s3.object(&key).await;
    let parts: u32 = etag.rsplit_once('-').and_then(|(_, n)| n.parse().ok()).unwrap_or(1);
    assert!(parts >= 2, "a 12 MiB file goes up in parts: ETag {etag}");
    assert!(stored == bytes, "the bucket has the very bytes ({} of {})", stored.len(), bytes.len());
    assert_eq!(s3.unfinished_uploads().await, 0);

    // Sent, and read back by Bob: the same bytes, streamed from the bucket.
    let _: SendAck = alice
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "", "attachments": [file.id]}),
        )
        .await;
    let (status, headers, got) = download(&bob, &format!("/api/attachments/{}", file.id)).await;
    assert_eq!((status.as_u16(), headers["content-length"].to_str().unwrap()), (200, "12582912"));
    assert!(got == bytes, "byte for byte ({} of {})", got.len(), bytes.len());
}

/// `len` bytes that neither compress nor look like any known file type.
fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

//! Attachments: uploaded to a channel, named in a send, read by whoever sees
//! the channel (and nobody else), refused before the body when too large,
//! typed by their bytes, safely named, and gone from storage with their
//! message.

use std::time::Duration;

use pq_protocol::{
    ClientMessageId,
    gateway::Event,
    models::{Attachment, MessagePage, SendAck},
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with, text_channel},
};

/// A 640 × 480 PNG.
pub(crate) fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads `bytes` as `filename`, claiming `claimed` as its type.
pub(crate) async fn upload(
    who: &Api,
    channel: impl std::fmt::Display,
    filename: &str,
    claimed: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let resp = who
        .http
        .post(format!("{}/api/channels/{channel}/attachments", who.base))
        .query(&[("filename", filename)])
        .bearer_auth(&who.token)
        .header("content-type", claimed)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

pub(crate) async fn download(who: &Api, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = who.http.get(format!("{}{path}", who.base)).bearer_auth(&who.token).send().await.unwrap();
    (resp.status(), resp.headers().clone(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_picture_goes_up_is_sent_and_is_seen_only_by_those_who_see_the_channel() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let dana = api(&ts, "dana@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;
    let mut b = Gw::connect(&ts.url, &bob.token).await;

    // A PNG sent as "text" under a path: its bytes decide, its name is cleaned.
    let bytes = png();
    let (status, body) = upload(&alice, ch, "../../home/alice/holiday.txt", "text/plain", bytes.clone()).await;
    assert_eq!(status, 201, "{body}");
    let file: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!(file.content_type, "image/png", "typed by its bytes");
    assert_eq!(file.filename, "holiday.txt", "no path");
    assert_eq!((file.size, file.width, file.height, file.thumbnail), (bytes.len() as u64, Some(640), Some(480), true));

    // Before it is sent it is Alice's alone; nobody else may send it.
    let path = format!("/api/attachments/{}", file.id);
    assert_eq!(download(&alice, &path).await.2, bytes);
    assert_eq!(download(&bob, &path).await.0, 404);
    bob.fails(
        Method::POST,
        &format!("/api/channels/{ch}/messages"),
        Some(json!({"client_id": ClientMessageId::new(), "body": "mine now", "attachments": [file.id]})),
        422,
        "invalid_field",
    )
    .await;

    // Sent with no text: the channel hears of it, its history carries it.
    let ack: SendAck = alice
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "", "attachments": [file.id]}),
        )
        .await;
    let created = b.event("message_created", |e| matches!(e, Event::MessageCreated { .. })).await;
    let Event::MessageCreated { message } = created else { unreachable!() };
    assert_eq!(message.attachments, std::slice::from_ref(&file));
    let page: MessagePage = bob.get(&format!("/api/channels/{ch}/messages")).await;
    assert_eq!(page.messages.iter().find(|m| m.id == ack.message_id).unwrap().attachments, std::slice::from_ref(&file));

    // Bob may read it and its thumbnail now; Dana, outside the server, may not.
    let (status, headers, got) = download(&bob, &path).await;
    assert_eq!((status.as_u16(), got == bytes), (200, true));
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (status, headers, thumb) = download(&bob, &format!("{path}/thumbnail")).await;
    assert_eq!(
        (status.as_u16(), &headers["content-type"]),
        (200, &"image/jpeg".parse::<reqwest::header::HeaderValue>().unwrap())
    );
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 300));
    assert_eq!(download(&dana, &path).await.0, 404);

    // Sent once only.
    alice
        .fails(
            Method::POST,
            &format!("/api/channels/{ch}/messages"),
            Some(json!({"client_id": ClientMessageId::new(), "body": "again", "attachments": [file.id]})),
            422,
            "invalid_field",
        )
        .await;

    // Deleting the message deletes the file from storage.
    let stored = ts.data_dir().join("objects/attachments").join(file.id.to_string());
    assert!(stored.exists(), "kept in the data directory: {}", stored.display());
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{ch}/messages/{}", ack.message_id), None).await;
    assert_eq!(st, 204);
    assert_eq!(download(&alice, &path).await.0, 404);
    assert!(!stored.exists(), "the bytes are gone");
    assert!(!stored.with_extension("thumb").exists(), "the thumbnail too");
}

#[tokio::test]
async fn too_large_is_refused_before_the_body_is_read_and_other_files_are_files() {
    let ts =
        TestServer::start_with(|a| a.upload_limit_mb = pq_server::config::parse_upload_limits("1,2,3").unwrap()).await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;

    // 2 MiB announced on the free plan (1 MiB): 413 with the limit, while
    // the body has not even started.
    let never = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let resp = tokio::time::timeout(
        Duration::from_secs(10),
        alice
            .http
            .post(format!("{}/api/channels/{ch}/attachments?filename=big.bin", alice.base))
            .bearer_auth(&alice.token)
            .header("content-length", 2 << 20)
            .body(reqwest::Body::wrap_stream(never))
            .send(),
    )
    .await
    .expect("answered without the body")
    .unwrap();
    assert_eq!(resp.status(), 413);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["limit"].as_u64()), (Some("payload_too_large"), Some(1 << 20)));

    // A PDF is a PDF, text is text, anything else is bytes; not pictures: no preview.
    for (name, bytes, expected) in [
        ("notes.pdf", b"%PDF-1.7\n1 0 obj\n".to_vec(), "application/pdf"),
        ("회의록.md", "# 회의\n- 다음 주".as_bytes().to_vec(), "text/plain; charset=utf-8"),
        ("blob", vec![0, 1, 2, 3, 255, 254], "application/octet-stream"),
    ] {
        let (status, body) = upload(&alice, ch, name, "image/png", bytes).await;
        assert_eq!(status, 201, "{body}");
        let file: Attachment = serde_json::from_value(body).unwrap();
        assert_eq!((file.content_type.as_str(), file.thumbnail, file.filename.as_str()), (expected, false, name));
        let (_, headers, _) = download(&alice, &format!("/api/attachments/{}", file.id)).await;
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename*=UTF-8''"));
    }
    // A channel Alice cannot see, and a name that is no name.
    let (status, _) = upload(&alice, ClientMessageId::new(), "x", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 404);
    let (status, _) = upload(&alice, ch, "", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 422);
    // An empty file: nothing to attach.
    let (status, body) = upload(&alice, ch, "empty.txt", "text/plain", vec![]).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (400, Some("bad_request")), "{body}");
}

/// Whether the storage holds an attachment's bytes.
fn stored(ts: &TestServer, id: impl std::fmt::Display) -> bool {
    ts.data_dir().join("objects/attachments").join(id.to_string()).exists()
}

#[tokio::test]
async fn abandoned_uploads_and_the_files_of_deleted_channels_and_servers_go() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let up = |who: &Api, name: &'static str| {
        let who = who.clone();
        async move {
            let (status, body) = upload(&who, ch, name, "application/octet-stream", b"some bytes".to_vec()).await;
            assert_eq!(status, 201, "{body}");
            serde_json::from_value::<Attachment>(body).unwrap().id
        }
    };

    // An upload no message names is kept for a day, then forgotten with its bytes.
    let abandoned = up(&alice, "draft.txt").await;
    let sent = up(&alice, "kept.txt").await;
    let _: SendAck = alice
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "", "attachments": [sent]}),
        )
        .await;
    let chat = ts.server.state.chat();
    assert_eq!(chat.sweep_uploads(Duration::from_secs(24 * 3600)).await.unwrap(), 0, "not a day old yet");
    ts.clock().advance(Duration::from_secs(25 * 3600));
    // (A day later: signed in again.)
    let alice = api(&ts, "alice@example.com").await;
    let fresh = up(&alice, "fresh.txt").await;
    assert_eq!(chat.sweep_uploads(Duration::from_secs(24 * 3600)).await.unwrap(), 1);
    assert!(!stored(&ts, abandoned), "the abandoned upload's bytes are gone");
    assert_eq!(download(&alice, &format!("/api/attachments/{abandoned}")).await.0, 404);
    assert!(stored(&ts, sent) && stored(&ts, fresh), "a sent file and a new upload stay");

    // Deleting the channel takes its files (sent or not) with it.
    let (st, body) = alice.call(Method::DELETE, &format!("/api/channels/{ch}"), None).await;
    assert_eq!(st, 204, "{body}");
    assert!(!stored(&ts, sent) && !stored(&ts, fresh), "the channel's files are gone");

    // Deleting a server takes the files of all its channels.
    let other = server_with(&alice, &[]).await;
    let och = text_channel(&other).id;
    let (status, body) = upload(&alice, och, "plan.txt", "text/plain", b"the plan".to_vec()).await;
    assert_eq!(status, 201, "{body}");
    let plan: Attachment = serde_json::from_value(body).unwrap();
    let _: SendAck = alice
        .post(
            &format!("/api/channels/{och}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "see the plan", "attachments": [plan.id]}),
        )
        .await;
    assert!(stored(&ts, plan.id));
    let (st, body) = alice.call(Method::DELETE, &format!("/api/servers/{}", other.server.id), None).await;
    assert_eq!(st, 204, "{body}");
    assert!(!stored(&ts, plan.id), "the server's files are gone");
}

#[tokio::test]
async fn a_photo_loses_where_and_when_it_was_taken_and_is_kept_upright() {
    use image::ImageEncoder as _;
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    // A camera's JPEG, 800 × 600 as stored, "turn 90° clockwise to view",
    // with the camera's name in its EXIF.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation = 6
    tiff.extend_from_slice(&[0x01, 0x10, 0, 2, 0, 0, 0, 8, 0, 0, 0, 38]); // Model, 8 bytes at 38
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(b"PQCAM-1\0");
    let pixels = image::RgbImage::from_fn(800, 600, |x, _| image::Rgb([(x % 256) as u8, 120, 60]));
    let mut jpeg = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    encoder.set_exif_metadata(tiff).unwrap();
    encoder.write_image(&pixels, 800, 600, image::ExtendedColorType::Rgb8).unwrap();
    assert!(jpeg.windows(7).any(|w| w == b"PQCAM-1"), "the test photo carries its metadata");

    let (status, body) = upload(&alice, ch, "IMG_0001.JPG", "image/jpeg", jpeg).await;
    assert_eq!(status, 201, "{body}");
    let file: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!((file.width, file.height), (Some(600), Some(800)), "upright");
    let (status, _, kept) = download(&alice, &format!("/api/attachments/{}", file.id)).await;
    assert_eq!(status, 200);
    assert_eq!(kept.len() as u64, file.size, "the size is what is kept");
    assert!(!kept.windows(7).any(|w| w == b"PQCAM-1"), "no camera name");
    assert!(!kept.windows(4).any(|w| w == b"Exif"), "no EXIF at all");
    let upright = image::load_from_memory(&kept).unwrap();
    assert_eq!((upright.width(), upright.height()), (600, 800));
}

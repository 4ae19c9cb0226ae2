//! Files in the real window: a picture dropped on the window goes out with
//! a caption and reaches someone on another client byte for byte; pictures
//! someone sends are drawn at their size, open in the viewer (zoom, next,
//! previous), and a document downloads into the Downloads folder.

use super::{WAIT, eventually, harness::Desktop, minji_and_bob};
use crate::common::TestServer;

/// A `width`×`height` PNG: a sky over a sea, `sun` where the sun is.
fn scene(width: u32, height: u32, sun: (u32, u32)) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (f64::from(x) - f64::from(sun.0), f64::from(y) - f64::from(sun.1));
        let horizon = height * 3 / 5;
        if dx.hypot(dy) < f64::from(width.min(height)) / 10.0 {
            image::Rgb([250, 210, 90])
        } else if y < horizon {
            let t = f64::from(y) / f64::from(horizon);
            image::Rgb([(90.0 + 150.0 * t) as u8, (150.0 + 60.0 * t) as u8, (230.0 - 40.0 * t) as u8])
        } else {
            let t = f64::from(y - horizon) / f64::from(height - horizon);
            image::Rgb([(20.0 + 20.0 * t) as u8, (90.0 - 40.0 * t) as u8, (140.0 - 50.0 * t) as u8])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn drops_a_picture_in_and_views_and_saves_what_others_send() {
    let server = TestServer::start().await;
    let desktop = Desktop::start(&server.url).await;
    let (bob, general) = minji_and_bob(&desktop, &server, "Photo club").await;

    // Bob sends two pictures and a document.
    let wide = scene(1200, 600, (900, 250));
    let tall = scene(300, 600, (150, 200));
    let notes = "Meet at the station at 9.\n".repeat(400).into_bytes();
    let staged = [
        bob.client.stage_file("harbour.png", &wide).unwrap().id,
        bob.client.stage_file("lighthouse.png", &tall).unwrap().id,
        bob.client.stage_file("plan.txt", &notes).unwrap().id,
    ];
    bob.client.send_with_files(general, "from Saturday", None, &staged).await.unwrap();

    // Drawn at their fitted size (400 × 200 and 150 × 300) before and after
    // they load, the thumbnails (at most 400 px a side) loaded through the
    // app's scheme.
    desktop.wait_text(".message .body", "from Saturday").await;
    let pictures = desktop.all(".attachment-picture").await;
    assert_eq!(pictures.len(), 2);
    let sizes = desktop
        .js("return Array.from(document.querySelectorAll('.attachment-picture')).map(b => { \
             const r = b.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; })")
        .await;
    assert_eq!(sizes, serde_json::json!([[400, 200], [150, 300]]));
    eventually("the thumbnails to load", WAIT, || async {
        let loaded = desktop
            .js("return Array.from(document.querySelectorAll('.attachment-picture img')).map(i => i.complete ? i.naturalWidth : 0)")
            .await;
        (loaded == serde_json::json!([400, 200])).then_some(())
    })
    .await;
    desktop.wait_text(".file-card .file-name", "plan.txt").await;

    // The viewer: the whole picture, then the next one, then back; Escape closes.
    desktop.click(".attachment-picture").await;
    desktop.find(".viewer").await;
    eventually("the full picture in the viewer", WAIT, || async {
        let w = desktop
            .js("const i = document.querySelector('.viewer-picture'); return i && i.complete ? i.naturalWidth : 0")
            .await;
        (w == 1200).then_some(())
    })
    .await;
    desktop.wait_text(".viewer-bar", "harbour.png").await;
    desktop.screenshot("attachments-viewer").await;
    desktop.click(".viewer .zoom-in").await;
    desktop.find(".viewer-stage.zoomed").await;
    desktop.click(".viewer-nav.next").await;
    desktop.wait_text(".viewer-bar", "lighthouse.png").await;
    desktop.find(".viewer-stage:not(.zoomed)").await;
    desktop.click(".viewer-nav.previous").await;
    desktop.wait_text(".viewer-bar", "harbour.png").await;
    desktop.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))").await;
    desktop.wait_gone(".viewer").await;

    // The document downloads into ~/Downloads.
    desktop.click(".file-card .download").await;
    desktop.wait_text(".file-card .file-done", "Saved to Downloads").await;
    let saved = desktop.home_path().join("Downloads").join("plan.txt");
    assert_eq!(std::fs::read(&saved).unwrap(), notes);

    // Minji drops a picture on the window (as the file manager would),
    // writes a caption, and sends.
    desktop
        .js_async(
            "const done = arguments[arguments.length - 1]; \
             const c = document.createElement('canvas'); c.width = 640; c.height = 480; \
             const g = c.getContext('2d'); g.fillStyle = '#2a9d8f'; g.fillRect(0, 0, 640, 480); \
             g.fillStyle = '#e9c46a'; g.fillRect(100, 100, 200, 120); \
             c.toBlob(blob => { \
               const dt = new DataTransfer(); dt.items.add(new File([blob], 'garden.png', { type: 'image/png' })); \
               const target = document.querySelector('.messages') || document.body; \
               target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true })); \
               target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true })); \
               done(blob.size); \
             }, 'image/png');",
        )
        .await;
    desktop.find(".staged-file[data-name='garden.png'] img").await;
    desktop.type_into("#composer", "our garden").await;
    desktop.enter("#composer").await;
    desktop.wait_gone(".staged-file").await;
    let sent = eventually("Bob to receive Minji's picture", WAIT, || async {
        bob.history(general).await.into_iter().find(|m| m.body == "our garden" && m.attachments.len() == 1)
    })
    .await;
    let a = &sent.attachments[0];
    assert_eq!(
        (a.filename.as_str(), a.content_type.as_str(), a.width, a.height),
        ("garden.png", "image/png", Some(640), Some(480))
    );
    let (_, bytes) = bob.client.attachment(a.id, false).await.unwrap();
    let picture = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(picture.get_pixel(150, 150).0, [0xe9, 0xc4, 0x6a], "the picture as drawn");
    assert_eq!(picture.get_pixel(10, 10).0, [0x2a, 0x9d, 0x8f]);
    // Minji's own message shows her picture (kept from the upload).
    desktop.wait_text(".message .body", "our garden").await;
    eventually("Minji's picture drawn", WAIT, || async {
        let w = desktop
            .js("const i = Array.from(document.querySelectorAll('.attachment-picture img')).pop(); return i && i.complete ? i.naturalWidth : 0")
            .await;
        (w == 400).then_some(())
    })
    .await;
    desktop.screenshot("attachments").await;
}

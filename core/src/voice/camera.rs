//! Cameras through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media
//! Foundation on Windows), as a [`FrameSource`].
//!
//! The camera runs on a thread of its own (capture blocks, and nokhwa's
//! camera is not `Send` on every platform) and keeps only its newest picture,
//! converted to I420: a call that reads slower than the camera never builds
//! up delay. YUYV (most webcams' raw format) converts directly; MJPEG and
//! the rest go through nokhwa's RGB decoding.
//!
//! No camera, or one that cannot be opened (permission refused, busy), is a
//! [`DeviceError`] with words for the person; a call then goes on with audio
//! only.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread::JoinHandle,
};

use nokhwa::{
    pixel_format::RgbFormat,
    utils::{ApiBackend, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution},
};
use tracing::{debug, warn};

use super::{
    devices::{DeviceError, DeviceInfo},
    video::{FrameSource, I420},
};

/// Every camera (an empty list when there is none).
#[must_use]
pub fn list() -> Vec<DeviceInfo> {
    match nokhwa::query(ApiBackend::Auto) {
        Ok(cameras) => cameras
            .iter()
            .enumerate()
            .map(|(i, c)| DeviceInfo { id: c.index().as_string(), name: c.human_name(), is_default: i == 0 })
            .collect(),
        Err(e) => {
            debug!(error = %e, "cannot list cameras");
            Vec::new()
        }
    }
}

/// An open camera: the newest picture, for the call to take.
pub struct Camera {
    latest: Arc<Mutex<Option<I420>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    name: String,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Camera {
    /// Opens camera `id` (from [`list`]; the first one when `None`) at the
    /// resolution nearest 640×480 it offers.
    ///
    /// # Errors
    /// No such camera, or the system refusing it (busy, permission).
    pub fn open(id: Option<&str>) -> Result<Self, DeviceError> {
        let index = match id {
            None => CameraIndex::Index(0),
            Some(id) => id.parse::<u32>().map_or_else(|_| CameraIndex::String(id.to_owned()), CameraIndex::Index),
        };
        let latest = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = mpsc::channel();
        let (l, s) = (latest.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("pq-camera".into())
            .spawn(move || {
                let requested = RequestedFormat::new::<RgbFormat>(RequestedFormatType::HighestResolution(
                    Resolution::new(640, 480),
                ));
                let mut camera =
                    match nokhwa::Camera::new(index.clone(), requested).and_then(|mut c| c.open_stream().map(|()| c)) {
                        Ok(c) => c,
                        Err(e) => return drop(ready_tx.send(Err(open_error(&index, &e.to_string())))),
                    };
                let _ = ready_tx.send(Ok(camera.info().human_name()));
                while !s.load(Ordering::Relaxed) {
                    match camera.frame() {
                        Ok(buffer) => {
                            let res = buffer.resolution();
                            let picture = match buffer.source_frame_format() {
                                FrameFormat::YUYV => yuyv_to_i420(buffer.buffer(), res.width(), res.height()),
                                _ => buffer
                                    .decode_image::<RgbFormat>()
                                    .ok()
                                    .and_then(|rgb| rgb_to_i420(rgb.as_raw(), rgb.width(), rgb.height())),
                            };
                            if let Some(p) = picture {
                                *l.lock().unwrap_or_else(PoisonError::into_inner) = Some(p);
                            }
                        }
                        Err(e) => {
                            warn!(error = %e, "the camera stopped");
                            break;
                        }
                    }
                }
                let _ = camera.stop_stream();
            })
            .map_err(|e| DeviceError::Open { name: "the camera".into(), reason: e.to_string() })?;
        match ready_rx.recv() {
            Ok(Ok(name)) => Ok(Self { latest, stop, thread: Some(thread), name }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(DeviceError::Open { name: "the camera".into(), reason: "its thread ended".into() }),
        }
    }

    /// The camera's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn open_error(index: &CameraIndex, reason: &str) -> DeviceError {
    if list().is_empty() {
        DeviceError::NotFound("camera")
    } else {
        DeviceError::Open { name: format!("camera {}", index.as_string()), reason: reason.to_owned() }
    }
}

impl FrameSource for Camera {
    fn next_frame(&mut self) -> Option<I420> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// YUYV 4:2:2 (Y0 U Y1 V) to I420, cropped to even dimensions.
#[must_use]
pub fn yuyv_to_i420(src: &[u8], width: u32, height: u32) -> Option<I420> {
    let (sw, w, h) = (width as usize, width as usize & !1, height as usize & !1);
    if w == 0 || h == 0 || src.len() < sw * 2 * h {
        return None;
    }
    let mut out = I420::zeroed(w as u32, h as u32);
    let (y, u, v) = out.planes_mut();
    for row in 0..h {
        let line = &src[row * sw * 2..row * sw * 2 + w * 2];
        for (x, px) in line.chunks_exact(4).enumerate() {
            y[row * w + 2 * x] = px[0];
            y[row * w + 2 * x + 1] = px[2];
            if row % 2 == 0 {
                // Chroma from this row and the next, averaged.
                let below = &src[(row + 1) * sw * 2 + x * 4..(row + 1) * sw * 2 + x * 4 + 4];
                u[(row / 2) * (w / 2) + x] = ((u16::from(px[1]) + u16::from(below[1])) / 2) as u8;
                v[(row / 2) * (w / 2) + x] = ((u16::from(px[3]) + u16::from(below[3])) / 2) as u8;
            }
        }
    }
    Some(out)
}

/// Packed RGB to I420 (BT.601, studio range), cropped to even dimensions.
#[must_use]
pub fn rgb_to_i420(src: &[u8], width: u32, height: u32) -> Option<I420> {
    let (sw, w, h) = (width as usize, width as usize & !1, height as usize & !1);
    if w == 0 || h == 0 || src.len() < sw * 3 * h {
        return None;
    }
    let mut out = I420::zeroed(w as u32, h as u32);
    let (y, u, v) = out.planes_mut();
    let px = |x: usize, row: usize| {
        let p = &src[(row * sw + x) * 3..(row * sw + x) * 3 + 3];
        (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]))
    };
    for row in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, row);
            y[row * w + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16).clamp(0, 255) as u8;
        }
    }
    for row in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let quad = [px(x, row), px(x + 1, row), px(x, row + 1), px(x + 1, row + 1)];
            let (r, g, b) = quad.iter().fold((0, 0, 0), |a, p| (a.0 + p.0, a.1 + p.1, a.2 + p.2));
            let (r, g, b) = (r / 4, g / 4, b / 4);
            u[(row / 2) * (w / 2) + x / 2] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
            v[(row / 2) * (w / 2) + x / 2] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_convert_to_their_yuv_values() {
        // Pure red, 4×2 (BT.601 studio range: Y 82, U 90, V 240).
        let red: Vec<u8> = std::iter::repeat_n([255u8, 0, 0], 8).flatten().collect();
        let p = rgb_to_i420(&red, 4, 2).unwrap();
        assert_eq!((p.width, p.height), (4, 2));
        assert_eq!(&p.data[..8], &[82; 8]);
        assert_eq!(&p.data[8..], &[90, 90, 240, 240]);
        // YUYV: two pixels (Y 50 and 60) sharing U 100 / V 200, on two rows;
        // an odd width is cropped.
        let row = [50u8, 100, 60, 200, 70, 100, 80, 200, 90, 128];
        let yuyv: Vec<u8> = [&row[..], &row[..]].concat();
        let p = yuyv_to_i420(&yuyv, 5, 2).unwrap();
        assert_eq!((p.width, p.height), (4, 2));
        assert_eq!(&p.data[..4], &[50, 60, 70, 80]);
        assert_eq!(&p.data[8..], &[100, 100, 200, 200]);
        // Too short a buffer is refused, not read past.
        assert!(yuyv_to_i420(&yuyv[..10], 5, 2).is_none());
        assert!(rgb_to_i420(&red[..10], 4, 2).is_none());
    }

    /// This machine has no camera (no /dev/video*): listing says so and
    /// opening gives a clear error, not a crash.
    #[test]
    fn no_camera_is_an_ordinary_case() {
        if std::path::Path::new("/dev/video0").exists() {
            return; // A machine with a camera: nothing to check here.
        }
        assert!(list().is_empty());
        let e = Camera::open(None).expect_err("there is no camera");
        assert!(matches!(e, DeviceError::NotFound("camera")), "{e:?}");
        assert_eq!(e.to_string(), "no camera found; plug one in or pick another in the settings");
    }
}

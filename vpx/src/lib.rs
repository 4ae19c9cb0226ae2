//! VP8 for pq's video calls: a small safe wrapper over the system libvpx
//! (through `env-libvpx-sys`). The only unsafe code in pq lives here.
//!
//! Frames are I420 (planar Y, then U and V at half resolution), the format
//! cameras are converted to and the decoder gives back.

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulong};
use std::mem::MaybeUninit;
use std::{ptr, slice};

use vpx_sys::{
    VPX_CODEC_OK, VPX_DECODER_ABI_VERSION, VPX_DL_REALTIME, VPX_EFLAG_FORCE_KF, VPX_ENCODER_ABI_VERSION,
    VPX_ERROR_RESILIENT_DEFAULT, VPX_FRAME_IS_KEY, vp8e_enc_control_id, vpx_codec_control_, vpx_codec_ctx_t,
    vpx_codec_cx_pkt_kind, vpx_codec_dec_cfg_t, vpx_codec_dec_init_ver, vpx_codec_decode, vpx_codec_destroy,
    vpx_codec_enc_cfg_t, vpx_codec_enc_config_default, vpx_codec_enc_config_set, vpx_codec_enc_init_ver,
    vpx_codec_encode, vpx_codec_err_t, vpx_codec_err_to_string, vpx_codec_error, vpx_codec_error_detail,
    vpx_codec_get_cx_data, vpx_codec_get_frame, vpx_codec_iter_t, vpx_codec_vp8_cx, vpx_codec_vp8_dx,
    vpx_enc_frame_flags_t, vpx_enc_pass, vpx_image_t, vpx_img_fmt, vpx_img_wrap, vpx_kf_mode, vpx_rational,
    vpx_rc_mode,
};

/// One picture in I420: `width * height` bytes of Y, then `width/2 * height/2`
/// of U, then the same of V. Width and height are even.
#[derive(Clone, PartialEq, Eq)]
pub struct I420 {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Y, U, V planes, tightly packed.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for I420 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I420").field("width", &self.width).field("height", &self.height).finish_non_exhaustive()
    }
}

impl I420 {
    /// Bytes an I420 picture of this size takes.
    #[must_use]
    pub fn size(width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        w * h + 2 * (w / 2) * (h / 2)
    }

    /// A picture of this size with every byte zero, to fill in.
    #[must_use]
    pub fn zeroed(width: u32, height: u32) -> Self {
        Self { width, height, data: vec![0; Self::size(width, height)] }
    }

    /// The Y, U and V planes.
    #[must_use]
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let (y, c) = self.plane_sizes();
        let (y_plane, rest) = self.data.split_at(y.min(self.data.len()));
        let (u, v) = rest.split_at(c.min(rest.len()));
        (y_plane, u, v)
    }

    /// The Y, U and V planes, to write.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let (y, c) = self.plane_sizes();
        let len = self.data.len();
        let (y_plane, rest) = self.data.split_at_mut(y.min(len));
        let (u, v) = rest.split_at_mut(c.min(rest.len()));
        (y_plane, u, v)
    }

    /// Bytes in the Y plane and in each chroma plane.
    fn plane_sizes(&self) -> (usize, usize) {
        let (w, h) = (self.width as usize, self.height as usize);
        (w * h, (w / 2) * (h / 2))
    }

    /// A black picture.
    #[must_use]
    pub fn black(width: u32, height: u32) -> Self {
        let y = width as usize * height as usize;
        let mut data = vec![128u8; Self::size(width, height)];
        data[..y].fill(16);
        Self { width, height, data }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The size or settings cannot be used (odd or zero dimensions, wrong buffer length).
    #[error("invalid video settings: {0}")]
    Invalid(String),
    /// libvpx refused.
    #[error("libvpx: {0}")]
    Codec(String),
}

/// Encoder settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderConfig {
    /// Pixels across (even).
    pub width: u32,
    /// Pixels down (even).
    pub height: u32,
    /// Target bitrate in kbit/s.
    pub bitrate_kbps: u32,
    /// Frames per second the caller will feed.
    pub fps: u32,
}

/// One encoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// The VP8 frame.
    pub data: Vec<u8>,
    /// Decodable on its own.
    pub keyframe: bool,
    /// The presentation time given to [`Encoder::encode`].
    pub pts: i64,
}

/// A VP8 encoder tuned for real-time calls.
pub struct Encoder {
    config: EncoderConfig,
    /// The libvpx settings the context was started with (kept to change the bitrate).
    cfg: vpx_codec_enc_cfg_t,
    /// The libvpx context, boxed so its address never changes while libvpx owns it.
    ctx: Box<vpx_codec_ctx_t>,
}

// SAFETY: a libvpx codec context has no thread affinity (no thread-locals, and
// with `g_threads = 1` no threads of its own); the raw pointers inside it are
// owned by this value alone and only used through `&mut self`, so moving the
// encoder to another thread is sound.
unsafe impl Send for Encoder {}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").field("config", &self.config).finish_non_exhaustive()
    }
}

/// libvpx's `cpu_used` for VP8 in real time: higher is faster (range −16..16).
const CPU_USED: c_int = 12;
/// VP8 frames are at most 16383 pixels either way.
const MAX_DIMENSION: u32 = 16383;

impl Encoder {
    /// A new encoder.
    ///
    /// # Errors
    /// Odd or zero dimensions, or libvpx refusing the settings.
    pub fn new(config: EncoderConfig) -> Result<Self, Error> {
        let EncoderConfig { width, height, bitrate_kbps, fps } = config;
        check_size(width, height)?;
        if fps == 0 || bitrate_kbps == 0 {
            return Err(Error::Invalid(format!("{fps} fps at {bitrate_kbps} kbit/s")));
        }
        let fps_den = c_int::try_from(fps).map_err(|_| Error::Invalid(format!("{fps} fps")))?;

        // SAFETY: `vpx_codec_vp8_cx` only returns the address of libvpx's static VP8 encoder interface.
        let iface = unsafe { vpx_codec_vp8_cx() };
        let mut cfg = MaybeUninit::<vpx_codec_enc_cfg_t>::uninit();
        // SAFETY: `iface` is a valid interface and `cfg` points to writable memory for one config.
        let res = unsafe { vpx_codec_enc_config_default(iface, cfg.as_mut_ptr(), 0) };
        if res != VPX_CODEC_OK {
            return Err(Error::Codec(format!("default config: {}", err_string(res))));
        }
        // SAFETY: `vpx_codec_enc_config_default` succeeded, so it filled in every field.
        let mut cfg = unsafe { cfg.assume_init() };
        cfg.g_w = width;
        cfg.g_h = height;
        cfg.g_timebase = vpx_rational { num: 1, den: fps_den };
        cfg.g_threads = 1;
        cfg.g_lag_in_frames = 0;
        cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
        cfg.g_pass = vpx_enc_pass::VPX_RC_ONE_PASS;
        cfg.rc_end_usage = vpx_rc_mode::VPX_CBR;
        cfg.rc_target_bitrate = bitrate_kbps;
        cfg.rc_min_quantizer = 4;
        cfg.rc_max_quantizer = 56;
        cfg.rc_dropframe_thresh = 0;
        cfg.rc_resize_allowed = 0;
        cfg.rc_buf_sz = 1000;
        cfg.rc_buf_initial_sz = 500;
        cfg.rc_buf_optimal_sz = 600;
        cfg.kf_mode = vpx_kf_mode::VPX_KF_AUTO;
        cfg.kf_min_dist = 0;
        cfg.kf_max_dist = fps.saturating_mul(10);

        let mut ctx = new_ctx();
        // SAFETY: `ctx` is zeroed (as libvpx expects before init) and boxed, `iface` is valid,
        // `cfg` is a complete config that libvpx copies during the call, and the ABI version
        // comes from the same headers the bindings were generated from.
        let res = unsafe { vpx_codec_enc_init_ver(&mut *ctx, iface, &cfg, 0, VPX_ENCODER_ABI_VERSION as c_int) };
        if res != VPX_CODEC_OK {
            // A failed init has already torn the context down; there is nothing to destroy.
            return Err(Error::Codec(format!("encoder init: {}", err_string(res))));
        }
        let mut encoder = Self { config, cfg, ctx };
        // SAFETY: the context is initialised as a VP8 encoder, for which `VP8E_SET_CPUUSED`
        // takes exactly one `int` vararg.
        let res =
            unsafe { vpx_codec_control_(&mut *encoder.ctx, vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int, CPU_USED) };
        if res != VPX_CODEC_OK {
            return Err(encoder.error("set cpu_used"));
        }
        Ok(encoder)
    }

    /// The settings now.
    #[must_use]
    pub fn config(&self) -> EncoderConfig {
        self.config
    }

    /// Encodes one picture (of the encoder's size). `pts` counts in frames.
    /// `keyframe` forces a keyframe (a new viewer, a lost picture).
    ///
    /// # Errors
    /// A picture of another size, or libvpx failing.
    pub fn encode(&mut self, frame: &I420, pts: i64, keyframe: bool) -> Result<Vec<Packet>, Error> {
        let (width, height) = (self.config.width, self.config.height);
        if (frame.width, frame.height) != (width, height) {
            return Err(Error::Invalid(format!(
                "a {}x{} picture for a {width}x{height} encoder",
                frame.width, frame.height
            )));
        }
        if frame.data.len() != I420::size(width, height) {
            return Err(Error::Invalid(format!(
                "{} bytes for a {width}x{height} picture (needs {})",
                frame.data.len(),
                I420::size(width, height)
            )));
        }

        let mut header = MaybeUninit::<vpx_image_t>::uninit();
        // SAFETY: `header` is writable memory for one image header, which `vpx_img_wrap` fills
        // in. `frame.data` holds exactly the tightly packed (align 1) I420 picture of this
        // size that libvpx will compute plane pointers for. libvpx only reads through the
        // `*mut` it is given, so handing it data behind `&` is sound.
        let image = unsafe {
            vpx_img_wrap(
                header.as_mut_ptr(),
                vpx_img_fmt::VPX_IMG_FMT_I420,
                width,
                height,
                1,
                frame.data.as_ptr().cast_mut(),
            )
        };
        if image.is_null() {
            return Err(Error::Codec("could not wrap the picture".into()));
        }
        let flags = if keyframe { VPX_EFLAG_FORCE_KF as vpx_enc_frame_flags_t } else { 0 };
        // SAFETY: the context is a live encoder and `image` describes `frame.data`, which
        // outlives the call. With `g_lag_in_frames = 0` VP8 copies the picture before it
        // returns, so libvpx keeps no pointer into `frame` (or to `image`) afterwards.
        let res = unsafe { vpx_codec_encode(&mut *self.ctx, image, pts, 1, flags, c_ulong::from(VPX_DL_REALTIME)) };
        if res != VPX_CODEC_OK {
            return Err(self.error("encode"));
        }

        let mut packets = Vec::new();
        let mut iter: vpx_codec_iter_t = ptr::null();
        loop {
            // SAFETY: the context is a live encoder and `iter` is the iterator libvpx
            // started from null for this round of packets.
            let pkt = unsafe { vpx_codec_get_cx_data(&mut *self.ctx, &mut iter) };
            // SAFETY: a non-null packet from libvpx is valid until the next call on the
            // context; it is only read here, before that.
            let Some(pkt) = (unsafe { pkt.as_ref() }) else { break };
            if pkt.kind != vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                continue;
            }
            // SAFETY: `kind` says the union holds a frame.
            let frame = unsafe { pkt.data.frame };
            let data = if frame.sz == 0 || frame.buf.is_null() {
                Vec::new()
            } else {
                // SAFETY: libvpx's frame packet points to `sz` bytes of compressed data that
                // stay valid until the next call on the context; they are copied out here.
                unsafe { slice::from_raw_parts(frame.buf.cast::<u8>(), frame.sz as usize) }.to_vec()
            };
            packets.push(Packet { data, keyframe: frame.flags & VPX_FRAME_IS_KEY != 0, pts: frame.pts });
        }
        Ok(packets)
    }

    /// Changes the target bitrate from the next frame on.
    ///
    /// # Errors
    /// libvpx refusing.
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), Error> {
        if kbps == 0 {
            return Err(Error::Invalid("a bitrate of 0 kbit/s".into()));
        }
        let mut cfg = self.cfg;
        cfg.rc_target_bitrate = kbps;
        // SAFETY: the context is a live encoder and `cfg` is a complete config of the same
        // size; libvpx copies it during the call.
        let res = unsafe { vpx_codec_enc_config_set(&mut *self.ctx, &cfg) };
        if res != VPX_CODEC_OK {
            return Err(self.error("set bitrate"));
        }
        self.cfg = cfg;
        self.config.bitrate_kbps = kbps;
        Ok(())
    }

    fn error(&mut self, what: &str) -> Error {
        codec_error(&mut self.ctx, what)
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed exactly once, here.
        unsafe { vpx_codec_destroy(&mut *self.ctx) };
    }
}

/// A VP8 decoder.
pub struct Decoder {
    /// The libvpx context, boxed so its address never changes while libvpx owns it.
    ctx: Box<vpx_codec_ctx_t>,
}

// SAFETY: as for `Encoder`: the context has no thread affinity (one decoding thread,
// no thread-locals), is owned by this value alone and only used through `&mut self`.
unsafe impl Send for Decoder {}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder").finish_non_exhaustive()
    }
}

impl Decoder {
    /// A new decoder.
    ///
    /// # Errors
    /// libvpx failing to start.
    pub fn new() -> Result<Self, Error> {
        let cfg = vpx_codec_dec_cfg_t { threads: 1, w: 0, h: 0 };
        let mut ctx = new_ctx();
        // SAFETY: `vpx_codec_vp8_dx` only returns the address of libvpx's static VP8 decoder interface.
        let iface = unsafe { vpx_codec_vp8_dx() };
        // SAFETY: `ctx` is zeroed and boxed, `iface` is valid, `cfg` is copied by libvpx during
        // the call, and the ABI version comes from the headers the bindings were made from.
        let res = unsafe { vpx_codec_dec_init_ver(&mut *ctx, iface, &cfg, 0, VPX_DECODER_ABI_VERSION as c_int) };
        if res != VPX_CODEC_OK {
            return Err(Error::Codec(format!("decoder init: {}", err_string(res))));
        }
        Ok(Self { ctx })
    }

    /// Decodes one VP8 frame; `Ok(None)` when it gives no picture.
    ///
    /// # Errors
    /// A corrupt frame (the next keyframe recovers).
    pub fn decode(&mut self, data: &[u8]) -> Result<Option<I420>, Error> {
        if data.is_empty() {
            return Err(Error::Invalid("an empty frame".into()));
        }
        let len =
            c_uint::try_from(data.len()).map_err(|_| Error::Invalid(format!("a frame of {} bytes", data.len())))?;
        // SAFETY: the context is a live decoder and `data` is `len` readable bytes for the
        // duration of the call (VP8 keeps no pointer to it afterwards).
        let res = unsafe { vpx_codec_decode(&mut *self.ctx, data.as_ptr(), len, ptr::null_mut(), 0) };
        if res != VPX_CODEC_OK {
            return Err(codec_error(&mut self.ctx, "decode"));
        }
        let mut iter: vpx_codec_iter_t = ptr::null();
        // SAFETY: the context is a live decoder and `iter` starts from null.
        let image = unsafe { vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
        // SAFETY: a non-null image is owned by the decoder and valid until the next
        // decode; it is only read here, before that. VP8 fills it in as I420 from zeroed
        // memory, so its enum fields hold valid values.
        let Some(image) = (unsafe { image.as_ref() }) else { return Ok(None) };
        copy_out(image).map(Some)
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed exactly once, here.
        unsafe { vpx_codec_destroy(&mut *self.ctx) };
    }
}

/// Even, non-zero dimensions VP8 can take.
fn check_size(width: u32, height: u32) -> Result<(), Error> {
    let ok = |d: u32| d > 0 && d.is_multiple_of(2) && d <= MAX_DIMENSION;
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(Error::Invalid(format!("{width}x{height} (need even sizes from 2 to {MAX_DIMENSION})")))
    }
}

/// A zeroed context, the state libvpx's init functions expect.
fn new_ctx() -> Box<vpx_codec_ctx_t> {
    // SAFETY: every field of `vpx_codec_ctx_t` is a raw pointer, an integer, a union of raw
    // pointers, or `vpx_codec_err_t`, whose zero is `VPX_CODEC_OK`: all zeroes is valid.
    Box::new(unsafe { MaybeUninit::<vpx_codec_ctx_t>::zeroed().assume_init() })
}

/// libvpx's name for an error code.
fn err_string(res: vpx_codec_err_t) -> String {
    // SAFETY: `vpx_codec_err_to_string` takes any code and returns a static string.
    let text = unsafe { vpx_codec_err_to_string(res) };
    c_string(text).unwrap_or_else(|| format!("{res:?}"))
}

/// The last error on a live context, with libvpx's detail when it has one.
fn codec_error(ctx: &mut vpx_codec_ctx_t, what: &str) -> Error {
    // SAFETY: `ctx` is a live context; the result is a static string.
    let error = c_string(unsafe { vpx_codec_error(ctx) }).unwrap_or_default();
    // SAFETY: `ctx` is a live context; the detail is null or a string that stays valid
    // until the next call on the context, and is copied at once.
    let detail = c_string(unsafe { vpx_codec_error_detail(ctx) });
    Error::Codec(match detail {
        Some(detail) => format!("{what}: {error} ({detail})"),
        None => format!("{what}: {error}"),
    })
}

/// Copies a C string from libvpx.
fn c_string(text: *const c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null strings from libvpx are NUL-terminated and valid for this read.
    Some(unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned())
}

/// Copies a decoded picture into a tightly packed I420, row by row.
fn copy_out(image: &vpx_image_t) -> Result<I420, Error> {
    if image.fmt != vpx_img_fmt::VPX_IMG_FMT_I420 {
        return Err(Error::Codec(format!("decoder gave {:?}, not I420", image.fmt)));
    }
    let (width, height) = (image.d_w, image.d_h);
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut data = Vec::with_capacity(w * h + 2 * cw * ch);
    for (plane, (pw, ph)) in [(w, h), (cw, ch), (cw, ch)].into_iter().enumerate() {
        let base = image.planes[plane];
        let stride = image.stride[plane] as isize;
        if base.is_null() || stride.unsigned_abs() < pw {
            return Err(Error::Codec(format!("decoder gave a bad plane {plane}")));
        }
        for row in 0..ph {
            let start = base.wrapping_offset(row as isize * stride);
            // SAFETY: libvpx's I420 image has `ph` rows of at least `pw` bytes in plane
            // `plane`, each `stride` bytes from the last, valid until the next decode.
            data.extend_from_slice(unsafe { slice::from_raw_parts(start, pw) });
        }
    }
    Ok(I420 { width, height, data })
}

//! Round trips through libvpx's VP8 encoder and decoder.

use pq_vpx::{Decoder, Encoder, EncoderConfig, Error, I420, Packet};

fn config(width: u32, height: u32, bitrate_kbps: u32) -> EncoderConfig {
    EncoderConfig { width, height, bitrate_kbps, fps: 30 }
}

/// A gradient with a bright square that moves 4 px per frame.
fn moving(width: u32, height: u32, n: u32) -> I420 {
    let (w, h) = (width as usize, height as usize);
    let mut frame = I420::black(width, height);
    let (y, u, v) = frame.planes_mut();
    let (sx, sy) = ((n as usize * 4) % (w - 48), (n as usize * 4) % (h - 48));
    for row in 0..h {
        for col in 0..w {
            let square = (sx..sx + 48).contains(&col) && (sy..sy + 48).contains(&row);
            y[row * w + col] = if square { 235 } else { (16 + (col + row) * 200 / (w + h)) as u8 };
        }
    }
    for row in 0..h / 2 {
        for col in 0..w / 2 {
            u[row * w / 2 + col] = (64 + col * 128 / (w / 2)) as u8;
            v[row * w / 2 + col] = (64 + row * 128 / (h / 2)) as u8;
        }
    }
    frame
}

/// The moving pattern under fine noise: busy enough that the bitrate limits the quality.
fn noisy(width: u32, height: u32, n: u32) -> I420 {
    let mut frame = moving(width, height, n);
    let mut state = (u64::from(n) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for byte in &mut frame.data {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = byte.saturating_add((state >> 60) as u8).saturating_sub(8);
    }
    frame
}

/// Random bytes.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut state = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

fn psnr_y(a: &I420, b: &I420) -> f64 {
    let n = (a.width * a.height) as usize;
    let sse: f64 = a.data[..n].iter().zip(&b.data[..n]).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum();
    if sse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 * n as f64 / sse).log10() }
}

/// Encodes `frames` pictures, one packet each.
fn encode_all(encoder: &mut Encoder, frames: &[I420], force_key_at: Option<usize>) -> Vec<Packet> {
    let mut packets = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        let mut out = encoder.encode(frame, i as i64, force_key_at == Some(i)).unwrap();
        assert_eq!(out.len(), 1, "frame {i} gave {} packets", out.len());
        assert_eq!(out[0].pts, i as i64);
        assert!(!out[0].data.is_empty());
        packets.append(&mut out);
    }
    packets
}

fn round_trip(width: u32, height: u32) {
    let frames: Vec<I420> = (0..30).map(|n| moving(width, height, n)).collect();
    let mut encoder = Encoder::new(config(width, height, 800)).unwrap();
    let packets = encode_all(&mut encoder, &frames, None);
    assert!(packets[0].keyframe, "the first packet is a keyframe");
    assert!(packets[1..].iter().all(|p| !p.keyframe), "no keyframes after the first");

    let mut decoder = Decoder::new().unwrap();
    let mut last = None;
    for packet in &packets {
        let picture = decoder.decode(&packet.data).unwrap().expect("a picture per packet");
        assert_eq!((picture.width, picture.height), (width, height));
        assert_eq!(picture.data.len(), I420::size(width, height));
        last = Some(picture);
    }
    let psnr = psnr_y(&frames[29], &last.unwrap());
    assert!(psnr > 30.0, "Y PSNR {psnr:.1} dB");
}

#[test]
fn encodes_and_decodes_320x240() {
    round_trip(320, 240);
}

#[test]
fn encodes_and_decodes_640x480() {
    round_trip(640, 480);
}

#[test]
fn forced_keyframe_starts_a_fresh_decoder() {
    let frames: Vec<I420> = (0..30).map(|n| moving(320, 240, n)).collect();
    let mut encoder = Encoder::new(config(320, 240, 800)).unwrap();
    let packets = encode_all(&mut encoder, &frames, Some(10));
    let keyframes: Vec<usize> = packets.iter().enumerate().filter(|(_, p)| p.keyframe).map(|(i, _)| i).collect();
    assert_eq!(keyframes, [0, 10]);

    let mut decoder = Decoder::new().unwrap();
    let mut last = None;
    for packet in &packets[10..] {
        let picture = decoder.decode(&packet.data).unwrap().expect("a picture per packet");
        assert_eq!((picture.width, picture.height), (320, 240));
        last = Some(picture);
    }
    let psnr = psnr_y(&frames[29], &last.unwrap());
    assert!(psnr > 30.0, "Y PSNR {psnr:.1} dB");
}

#[test]
fn lower_bitrate_gives_fewer_bytes() {
    let frames: Vec<I420> = (0..30).map(|n| noisy(320, 240, n)).collect();
    let mut high = Encoder::new(config(320, 240, 2000)).unwrap();
    let mut low = Encoder::new(config(320, 240, 2000)).unwrap();
    let (mut high_bytes, mut low_bytes) = (0, 0);
    for (i, frame) in frames.iter().enumerate() {
        if i == 5 {
            low.set_bitrate(200).unwrap();
            assert_eq!(low.config().bitrate_kbps, 200);
        }
        let pts = i as i64;
        let h: usize = high.encode(frame, pts, false).unwrap().iter().map(|p| p.data.len()).sum();
        let l: usize = low.encode(frame, pts, false).unwrap().iter().map(|p| p.data.len()).sum();
        if i >= 5 {
            high_bytes += h;
            low_bytes += l;
        }
    }
    assert!(low_bytes * 2 < high_bytes, "200 kbit/s gave {low_bytes} bytes, 2000 kbit/s gave {high_bytes}");
    assert!(matches!(low.set_bitrate(0), Err(Error::Invalid(_))));
}

#[test]
fn bad_input_gives_errors() {
    for (width, height) in [(321, 240), (320, 241), (0, 240), (320, 0), (20000, 240)] {
        assert!(matches!(Encoder::new(config(width, height, 500)), Err(Error::Invalid(_))), "{width}x{height}");
    }
    assert!(matches!(Encoder::new(EncoderConfig { fps: 0, ..config(320, 240, 500) }), Err(Error::Invalid(_))));

    let mut encoder = Encoder::new(config(320, 240, 500)).unwrap();
    assert!(matches!(encoder.encode(&I420::black(640, 480), 0, false), Err(Error::Invalid(_))));
    let mut short = I420::black(320, 240);
    short.data.pop();
    assert!(matches!(encoder.encode(&short, 0, false), Err(Error::Invalid(_))));
    let keyframe = encoder.encode(&moving(320, 240, 0), 0, false).unwrap().remove(0);
    assert!(keyframe.keyframe);

    let mut decoder = Decoder::new().unwrap();
    assert!(matches!(decoder.decode(&[]), Err(Error::Invalid(_))));
    assert!(matches!(decoder.decode(&[0xff; 64]), Err(Error::Codec(_))), "an inter frame before any keyframe");
    assert!(decoder.decode(&[0x00; 64]).is_err(), "a keyframe without its start code");
    assert!(decoder.decode(&garbage(300, 7)).is_err(), "noise");
    assert!(decoder.decode(&keyframe.data[..12]).is_err(), "a truncated keyframe");

    // The decoder recovers at the next keyframe; garbage after it is an error or a
    // picture, never a crash.
    assert!(decoder.decode(&keyframe.data).unwrap().is_some());
    for seed in 0..50 {
        let mut garbage = garbage(1500, seed);
        garbage[0] |= 1; // an inter frame
        let _ = decoder.decode(&garbage);
    }
    // A keyframe with its header intact and its body scrambled.
    for seed in 0..50 {
        let mut broken = keyframe.data.clone();
        for (i, byte) in garbage(broken.len(), seed).into_iter().enumerate().skip(10) {
            if byte < 16 {
                broken[i] ^= byte;
            }
        }
        let _ = decoder.decode(&broken);
    }
}

#[test]
fn encoder_and_decoder_are_send() {
    fn send<T: Send>() {}
    send::<Encoder>();
    send::<Decoder>();
}

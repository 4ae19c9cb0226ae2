// The call's pictures: they arrive from the shell as binary messages (16
// bytes of user id, width and height as little-endian u32, then the I420
// planes), are kept as the newest per person, and are drawn on canvases by
// the call view. Nothing here goes through React state: a picture fifteen
// times a second per person would re-render the app for nothing.

export interface Picture {
  width: number;
  height: number;
  data: Uint8Array;
}

const latest = new Map<string, Picture>();
const listeners = new Map<string, Set<() => void>>();

function hex(b: number) {
  return b.toString(16).padStart(2, "0");
}

/// The UUID (as the bindings spell it) in 16 bytes.
export function uuidOf(bytes: Uint8Array): string {
  const h = Array.from(bytes.subarray(0, 16), hex).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/// Takes one message from the shell; returns whose picture it was.
export function onPicture(buffer: ArrayBuffer): string | null {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 24) return null;
  const view = new DataView(buffer);
  const width = view.getUint32(16, true);
  const height = view.getUint32(20, true);
  const size = width * height + 2 * (width >> 1) * (height >> 1);
  if (width === 0 || height === 0 || bytes.length < 24 + size) return null;
  const user = uuidOf(bytes);
  latest.set(user, { width, height, data: bytes.subarray(24, 24 + size) });
  listeners.get(user)?.forEach((f) => f());
  return user;
}

/// Calls `f` whenever a new picture from `user` arrives; returns the way to stop.
export function watchPictures(user: string, f: () => void): () => void {
  let set = listeners.get(user);
  if (!set) listeners.set(user, (set = new Set()));
  set.add(f);
  return () => set.delete(f);
}

export function latestPicture(user: string): Picture | undefined {
  return latest.get(user);
}

/// Forgets everyone's pictures (the call ended, or their camera went off).
export function forgetPictures(user?: string) {
  if (user) latest.delete(user);
  else latest.clear();
}

/// Draws an I420 picture (BT.601, studio range) on a canvas the picture's size.
export function drawPicture(canvas: HTMLCanvasElement, p: Picture) {
  if (canvas.width !== p.width) canvas.width = p.width;
  if (canvas.height !== p.height) canvas.height = p.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const image = ctx.createImageData(p.width, p.height);
  i420ToRgba(p, image.data);
  ctx.putImageData(image, 0, 0);
}

export function i420ToRgba(p: Picture, out: Uint8ClampedArray) {
  const { width: w, height: h, data } = p;
  const cw = w >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * (h >> 1);
  let o = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const crow = (y >> 1) * cw;
    for (let x = 0; x < w; x++) {
      const c = 1.164 * (data[row + x] - 16);
      const ci = crow + (x >> 1);
      const u = data[uOff + ci] - 128;
      const v = data[vOff + ci] - 128;
      out[o] = c + 1.596 * v;
      out[o + 1] = c - 0.392 * u - 0.813 * v;
      out[o + 2] = c + 2.017 * u;
      out[o + 3] = 255;
      o += 4;
    }
  }
}

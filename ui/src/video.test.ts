import { describe, expect, it } from "vitest";
import { quality } from "./components/Call";
import { i420ToRgba, onPicture, uuidOf } from "./state/video";

describe("call pictures", () => {
  it("turns I420 into the colours it encodes", () => {
    // 2×2: one chroma sample. Studio-range red (Y 82, U 90, V 240).
    const data = new Uint8Array([82, 82, 82, 82, 90, 240]);
    const out = new Uint8ClampedArray(16);
    i420ToRgba({ width: 2, height: 2, data }, out);
    const [r, g, b, a] = out.slice(0, 4);
    expect(r).toBeGreaterThan(245);
    expect(g).toBeLessThan(10);
    expect(b).toBeLessThan(10);
    expect(a).toBe(255);
  });

  it("reads whose picture a message is, and refuses a short one", () => {
    const id = "01900000-0000-7000-8000-0000000000ab";
    const bytes = new Uint8Array(16);
    bytes.set(id.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
    expect(uuidOf(bytes)).toBe(id);
    const msg = new Uint8Array(24 + 6);
    msg.set(bytes);
    new DataView(msg.buffer).setUint32(16, 2, true);
    new DataView(msg.buffer).setUint32(20, 2, true);
    expect(onPicture(msg.buffer)).toBe(id);
    expect(onPicture(msg.buffer.slice(0, 28))).toBeNull();
  });

  it("grades a connection by its state, lost audio, jitter and gaps heard lately", () => {
    const p = (connection: string, packets: number, concealed: number, jitter_ms = 1, gaps_lately = 0) =>
      ({ connection, packets, concealed, jitter_ms, gaps_lately }) as Parameters<typeof quality>[0];
    expect(quality(p("connecting", 0, 0))).toBe("connecting");
    expect(quality(p("failed", 100, 0))).toBe("lost");
    expect(quality(p("connected", 1000, 5))).toBe("good");
    expect(quality(p("connected", 1000, 50))).toBe("fair");
    expect(quality(p("connected", 1000, 300))).toBe("poor");
    expect(quality(p("connected", 1000, 0, 30))).toBe("fair");
    expect(quality(p("connected", 1000, 0, 80))).toBe("poor");
    // Nothing lost on the way, but their audio ran out and I heard it.
    expect(quality(p("connected", 1000, 0, 1, 1))).toBe("fair");
    expect(quality(p("connected", 1000, 0, 1, 3))).toBe("poor");
  });
});

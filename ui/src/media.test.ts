import { describe, expect, it } from "vitest";
import { mediaSrc } from "./components/common";

describe("mediaSrc", () => {
  const id = "ab".repeat(32);
  it("loads this server's pictures through the app's scheme, with an invite when given", () => {
    expect(mediaSrc(`/media/${id.toUpperCase()}`)).toBe(`pqmedia://localhost/${id}`);
    expect(mediaSrc(`/media/${id}`, "n3wz X")).toBe(`pqmedia://localhost/${id}?invite=n3wz%20X`);
  });
  it("draws nothing from anywhere else", () => {
    for (const url of [null, undefined, "", "https://tracker.example/p.png", "/media/abc", `/media/${id}/../x`]) {
      expect(mediaSrc(url)).toBeNull();
    }
  });
});

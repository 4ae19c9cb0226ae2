import { afterEach, describe, expect, it, vi } from "vitest";
import { watchCaret } from "./state/actions";

describe("the composer's caret rests when nothing happens", () => {
  afterEach(() => {
    vi.useRealTimers();
    document.body.innerHTML = "";
  });

  it("gives up focus after 10 s still and takes it back with the next key", () => {
    vi.useFakeTimers();
    document.body.innerHTML = '<textarea id="composer"></textarea><input id="search" />';
    const composer = document.getElementById("composer") as HTMLTextAreaElement;
    const stop = watchCaret(document, 10_000);
    composer.focus();
    composer.value = "draft";
    composer.setSelectionRange(2, 2);
    vi.advanceTimersByTime(9_000);
    expect(document.activeElement).toBe(composer);
    vi.advanceTimersByTime(1_500);
    expect(document.activeElement).toBe(document.body);
    // A key typed anywhere brings the composer back, draft and caret intact.
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    expect(document.activeElement).toBe(composer);
    expect(composer.value).toBe("draft");
    expect(composer.selectionStart).toBe(2);
    // Shortcuts do not steal focus, nor does typing in another field.
    vi.advanceTimersByTime(10_500);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true }));
    expect(document.activeElement).toBe(document.body);
    (document.getElementById("search") as HTMLInputElement).focus();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "b" }));
    expect(document.activeElement?.id).toBe("search");
    stop();
  });
});

import { describe, expect, it } from "vitest";
import { takeSnapshot } from "./snapshot";

function screen(html: string): HTMLElement {
  const root = document.createElement("div");
  root.innerHTML = html;
  return root;
}

describe("the last screen", () => {
  it("keeps the channel and leaves out what is open over it", () => {
    document.documentElement.dataset.theme = "light";
    document.documentElement.lang = "ko";
    const root = screen(`
      <div class="app">
        <nav><span class="server-name">Book club</span></nav>
        <div class="messages"><div class="message" data-body="hi"><span title="07:30">hi &lt;b&gt;</span><div class="actions"><button>↩</button></div></div></div>
        <div class="call-bar">in a call</div>
        <div class="toasts"><div class="toast">Saved</div></div>
        <div class="modal-backdrop"><div class="modal" role="dialog">Settings</div></div>
        <div class="menu" role="menu">Leave server</div>
        <video src="blob:x"></video>
        <img class="avatar" src="blob:abc"><img class="icon" src="pqmedia://localhost/a.png">
      </div>`);
    const messages = root.querySelector<HTMLElement>(".messages")!;
    // jsdom has no layout: a scrolled list as the browser reports it.
    Object.defineProperty(messages, "scrollTop", { value: 1234.4 });
    const html = takeSnapshot(root)!;
    const saved = screen(html).firstElementChild as HTMLElement;
    expect(saved.className).toBe("app");
    expect(saved.querySelector(".server-name")?.textContent).toBe("Book club");
    expect(saved.querySelector(".message")?.textContent).toBe("hi <b>");
    expect(saved.querySelector(".messages")?.getAttribute("data-scroll-top")).toBe("1234");
    for (const gone of [".call-bar", ".toasts", ".modal-backdrop", "[role=menu]", "video", ".actions", "[title]"])
      expect(saved.querySelector(gone), gone).toBeNull();
    expect(saved.querySelector(".avatar")?.hasAttribute("src")).toBe(false);
    expect(saved.querySelector(".icon")?.getAttribute("src")).toBe("pqmedia://localhost/a.png");
    expect(saved.dataset.theme).toBe("light");
    expect(saved.dataset.lang).toBe("ko");
    // The live screen is untouched.
    expect(root.querySelector(".modal")).not.toBeNull();
  });

  it("saves nothing when no channel's messages are shown", () => {
    expect(takeSnapshot(screen(`<div class="app"><div class="welcome">Welcome</div></div>`))).toBeNull();
    expect(takeSnapshot(screen(`<div class="signin">Sign in</div>`))).toBeNull();
  });
});

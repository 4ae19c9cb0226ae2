// The last screen: what the main screen showed, saved while pq runs and
// drawn first at the next start, before this script has even loaded
// (src-tauri/src/snapshot.rs puts it into index.html as `#pq-snapshot`;
// index.html's inline script restores its scroll positions). The live app
// replaces it at its own first frame.

import * as bridge from "./bridge/commands";
import { getState, subscribe } from "./state/store";

/// What a restored screen leaves out: what is open over the channel
/// (dialogs, menus, toasts), what only shows under the pointer (each
/// message's buttons: the bulk of a screen's HTML otherwise), calls, and
/// anything that runs or embeds.
const LEFT_OUT = [
  ".message .actions",
  ".modal-backdrop",
  "[role=dialog]",
  "[role=alertdialog]",
  "[role=menu]",
  ".toasts",
  ".call-bar",
  "video",
  "audio",
  "canvas",
  "script",
  "style",
  "iframe",
  "object",
  "embed",
  "frame",
  "base",
  "meta",
  "link",
].join(",");

/// The main screen in `root` as HTML to draw first at the next start, or
/// null when it shows no channel's messages.
export function takeSnapshot(root: HTMLElement): string | null {
  const app = root.querySelector<HTMLElement>(".app");
  if (!app?.querySelector(".message[data-body]")) return null;
  const clone = app.cloneNode(true) as HTMLElement;
  // Scroll positions are not part of HTML: written down on the copy (the
  // two trees list their elements in the same order until one changes).
  const live = [app, ...app.querySelectorAll<HTMLElement>("*")];
  const copy = [clone, ...clone.querySelectorAll<HTMLElement>("*")];
  live.forEach((el, i) => {
    if (el.scrollTop > 0) copy[i].setAttribute("data-scroll-top", String(Math.round(el.scrollTop)));
  });
  for (const el of clone.querySelectorAll(LEFT_OUT)) el.remove();
  // Pictures held only by this page (blob: URLs) are gone at the next start.
  for (const img of clone.querySelectorAll("img[src^='blob:']")) img.removeAttribute("src");
  for (const el of clone.querySelectorAll("[autofocus]")) el.removeAttribute("autofocus");
  // Tooltips need a pointer, which waits for the live app.
  for (const el of clone.querySelectorAll("[title]")) el.removeAttribute("title");
  // The theme and language are the page's: index.html's script puts them
  // back on it.
  const { theme } = document.documentElement.dataset;
  if (theme) clone.setAttribute("data-theme", theme);
  clone.setAttribute("data-lang", document.documentElement.lang);
  return clone.outerHTML;
}

/// Saves the screen now, if it shows a server's text channel.
export function saveSnapshot() {
  const s = getState();
  if (!s.info?.me || s.home || !s.serverId || !s.channelId) return;
  const root = document.getElementById("root");
  const html = root && takeSnapshot(root);
  if (!html) return;
  void bridge.saveSnapshot({ server_id: s.serverId, channel_id: s.channelId, html }).catch(() => null);
}

/// Removes the restored screen: the live app has drawn its own.
export function dropSnapshot() {
  document.getElementById("pq-snapshot")?.remove();
}

/// Saves the screen now and then a moment after each change (at most once
/// every `quiet` ms while things change).
export function keepSnapshot(quiet = 5000) {
  saveSnapshot();
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) saveSnapshot();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  subscribe(() => {
    if (timer === undefined)
      timer = setTimeout(() => {
        timer = undefined;
        saveSnapshot();
      }, quiet);
  });
}

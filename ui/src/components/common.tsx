import { type ReactNode, useEffect, useState } from "react";
import type { Key } from "../i18n";
import { translate } from "../i18n";
import { useStore } from "../state/store";

/// The translator for the current language.
export function useT() {
  const lang = useStore((s) => s.lang);
  return (key: Key, params?: Record<string, string | number>) => translate(lang, key, params);
}

/** Where the window loads a picture from: `/media/{id}` addresses go through
 * the app's `pqmedia` scheme, which fetches them with the account's token
 * (pq-server shows pictures only to people who may see them) and keeps them
 * for offline. WebKitGTK and WKWebView see `pqmedia://localhost/…`, WebView2
 * `http://pqmedia.localhost/…`. Anything else is not drawn. */
export function mediaSrc(url: string | null | undefined, invite?: string): string | null {
  const m = url?.trim().match(/^\/media\/([0-9a-fA-F]{64})$/);
  if (!m) return null;
  const windows = typeof navigator !== "undefined" && /Windows/.test(navigator.userAgent);
  const q = invite ? `?invite=${encodeURIComponent(invite)}` : "";
  return `${windows ? "http://pqmedia.localhost/" : "pqmedia://localhost/"}${m[1].toLowerCase()}${q}`;
}

/// A server's or person's picture, or their initials (also when the picture
/// cannot be loaded: offline and never seen, or not one this account may see).
export function Avatar({ name, url, size = 40, invite }: { name: string; url?: string | null; size?: number; invite?: string }) {
  const initials = name
    .split(/\s+/)
    .map((w) => Array.from(w)[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  // The address that failed to load: a new picture gets its own try.
  const [failed, setFailed] = useState<string | null>(null);
  const wanted = mediaSrc(url, invite);
  const src = wanted === failed ? null : wanted;
  let hue = 0;
  for (const c of name) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return src ? (
    <img className="avatar" src={src} alt="" width={size} height={size} onError={() => setFailed(src)} />
  ) : (
    <div className="avatar initials" style={{ width: size, height: size, background: `hsl(${hue} 45% 45%)` }} aria-hidden>
      {initials}
    </div>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", key);
    return () => removeEventListener("keydown", key);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label={title}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

const ICONS = {
  plus: "M12 5v14M5 12h14",
  trash: "M3 6h18M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6M10 11v6M14 11v6",
  pin: "M12 17v5M9 10.8a2 2 0 0 1-1.1 1.8l-1.8.9A2 2 0 0 0 5 15.2V16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-.8a2 2 0 0 0-1.1-1.8l-1.8-.9a2 2 0 0 1-1.1-1.8V7a1 1 0 0 1 1-1 2 2 0 0 0 0-4H8a2 2 0 0 0 0 4 1 1 0 0 1 1 1z",
  lock: "M5 11h14v10H5zM7 11V7a5 5 0 0 1 10 0v4",
  shield: "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z",
  file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h5",
  download: "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3",
  image: "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM8.5 10a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3M21 15l-5-5L5 21",
  paperclip: "M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5",
  join: "M15 3h4a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-4M10 17l5-5-5-5M15 12H3",
  invite: "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8M19 8v6M22 11h-6",
  voice: "M11 5 6 9H2v6h4l5 4V5zM15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14",
  camera: "M23 7l-7 5 7 5V7zM1 5h15v14H1z",
  mic: "M12 1a3 3 0 0 0-3 3v8a3 3 0 0 0 6 0V4a3 3 0 0 0-3-3zM19 10v2a7 7 0 0 1-14 0v-2M12 19v4M8 23h8",
  leave: "M10.7 13.3a16 16 0 0 0 3.4 2.6l1.3-1.3a2 2 0 0 1 2.1-.4 12.8 12.8 0 0 0 2.8.7A2 2 0 0 1 22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1M5.2 13.4A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7 12.8 12.8 0 0 0 .7 2.8 2 2 0 0 1-.5 2.1L8 9.9M23 1 1 23",
  "mic-off": "M1 1l22 22M9 9v3a3 3 0 0 0 5.1 2.1M15 9.3V4a3 3 0 0 0-5.9-.6M17 16.9A7 7 0 0 1 5 12v-2m14 0v2a7 7 0 0 1-.1 1.2M12 19v4M8 23h8",
  deafened: "M1 1l22 22M3 18v-6a9 9 0 0 1 14.5-7.1M21 12v6M21 19a2 2 0 0 1-2 2h-1v-6h3M3 19a2 2 0 0 0 2 2h1v-6H3",
  settings:
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
} as const;

/// A line icon (drawn, so it never depends on an emoji font).
export function Icon({ name, size = 18, label }: { name: keyof typeof ICONS; size?: number; label?: string }) {
  return (
    <svg
      className="icon-svg"
      data-icon={name}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      {...(label ? { role: "img", "aria-label": label } : { "aria-hidden": true })}
    >
      {label && <title>{label}</title>}
      <path d={ICONS[name]} />
    </svg>
  );
}

/// Closes a popup on Escape or on a press anywhere outside the elements
/// matching `inside` (the popup, and what opens it: that toggles it itself).
export function useDismiss(inside: string, onClose: () => void) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    const press = (e: MouseEvent) => {
      const el = e.target as Element | null;
      if (!el?.closest?.(inside)) onClose();
    };
    addEventListener("keydown", key);
    addEventListener("mousedown", press);
    return () => {
      removeEventListener("keydown", key);
      removeEventListener("mousedown", press);
    };
  }, [inside, onClose]);
}

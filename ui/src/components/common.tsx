import { type ReactNode, useEffect } from "react";
import type { Key } from "../i18n";
import { translate } from "../i18n";
import { useStore } from "../state/store";

/// The translator for the current language.
export function useT() {
  const lang = useStore((s) => s.lang);
  return (key: Key, params?: Record<string, string | number>) => translate(lang, key, params);
}

/// A server's or person's picture, or their initials.
export function Avatar({ name, url, size = 40, base }: { name: string; url?: string | null; size?: number; base?: string }) {
  const initials = name
    .split(/\s+/)
    .map((w) => Array.from(w)[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  const src = url ? (url.startsWith("/") && base ? base.replace(/\/$/, "") + url : url) : null;
  let hue = 0;
  for (const c of name) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return src ? (
    <img className="avatar" src={src} alt="" width={size} height={size} />
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

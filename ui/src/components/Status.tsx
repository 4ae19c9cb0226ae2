// My status (online, idle, do not disturb, invisible) and custom status:
// the menu under my name, the custom status dialog, and the helpers that
// draw anyone's custom status until it expires.

import { useEffect, useState } from "react";
import type { CustomStatus, Presence, StatusChoice } from "../bindings";
import { saveCustomStatus, saveStatus } from "../state/actions";
import { setState, useStore } from "../state/store";
import { Modal, useDismiss, useT } from "./common";

/** Longest custom status text (characters), as the server allows. */
export const MAX_CUSTOM_STATUS = 128;

/** The order of the choices in the menu. */
const CHOICES: StatusChoice[] = ["auto", "away", "dnd", "invisible"];

/** How my own dot looks for a choice (invisible: as others see me, offline). */
export function shownAs(status: StatusChoice): Presence {
  return status === "auto" ? "online" : status === "invisible" ? "offline" : status === "away" ? "away" : "dnd";
}

/** The custom status to show now, or null once it has expired. */
export function liveStatus(status: CustomStatus | null | undefined, now: number): CustomStatus | null {
  if (!status) return null;
  return status.expires_at && Date.parse(status.expires_at) <= now ? null : status;
}

/** The time now, again every `ms` (so expired statuses disappear on their own). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** The line under a name: someone's custom status while it lasts. */
export function CustomStatusLine({ status, className = "custom-status" }: { status: CustomStatus | null | undefined; className?: string }) {
  const now = useNow();
  const live = liveStatus(status, now);
  if (!live) return null;
  return (
    <span className={className} title={live.text}>
      {live.text}
    </span>
  );
}

/** The menu that opens from my name: the four statuses and my custom status. */
export function StatusMenu({ onClose }: { onClose: () => void }) {
  const t = useT();
  const status = useStore((s) => s.info?.status ?? "auto");
  const custom = useStore((s) => s.info?.me?.custom_status);
  const now = useNow();
  const live = liveStatus(custom, now);
  useDismiss(".status-menu, #status-button", onClose);
  const choose = async (s: StatusChoice) => {
    onClose();
    const e = await saveStatus(s);
    if (e) setState({ error: e });
  };
  return (
    <div className="status-menu" role="menu" aria-label={t("status.menu")}>
      {CHOICES.map((s) => (
        <button key={s} id={`status-${s}`} role="menuitemradio" aria-checked={status === s} onClick={() => void choose(s)}>
          <span className={`dot inline ${shownAs(s)}`} />
          <span className="status-label">
            {t(`status.${s}`)}
            <span className="muted hint">{t(`status.${s}.hint`)}</span>
          </span>
        </button>
      ))}
      <hr />
      <button
        id="custom-status-set"
        role="menuitem"
        onClick={() => {
          onClose();
          setState({ dialog: { type: "custom-status" } });
        }}
      >
        {live ? t("status.customEdit") : t("status.customSet")}
      </button>
      {live && (
        <button
          id="custom-status-clear"
          role="menuitem"
          onClick={() => {
            onClose();
            void saveCustomStatus(null).then((e) => e && setState({ error: e }));
          }}
        >
          {t("status.customClear")}
        </button>
      )}
    </div>
  );
}

/** How long a custom status stays, as offered (minutes; 0: until changed; "today": until midnight). */
const DURATIONS = ["30", "60", "240", "today", "0"] as const;
type Duration = (typeof DURATIONS)[number];

function expiry(d: Duration, now: Date): string | null {
  if (d === "0") return null;
  if (d === "today") {
    const end = new Date(now);
    end.setHours(24, 0, 0, 0);
    return end.toISOString();
  }
  return new Date(now.getTime() + Number(d) * 60_000).toISOString();
}

/** Sets my custom status: a short text and how long it stays. */
export function CustomStatusDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const current = useStore((s) => liveStatus(s.info?.me?.custom_status, Date.now()));
  const [text, setText] = useState(current?.text ?? "");
  const [duration, setDuration] = useState<Duration>(current ? "0" : "today");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tooLong = [...text.trim()].length > MAX_CUSTOM_STATUS;
  const save = async () => {
    if (busy || tooLong) return;
    setBusy(true);
    const trimmed = text.trim();
    const e = await saveCustomStatus(trimmed ? { text: trimmed, expires_at: expiry(duration, new Date()) } : null);
    setBusy(false);
    if (e) setError(e);
    else onClose();
  };
  return (
    <Modal title={t("status.customTitle")} onClose={onClose}>
      <label htmlFor="custom-status-text">{t("status.customLabel")}</label>
      <input
        id="custom-status-text"
        autoFocus
        value={text}
        placeholder={t("status.customPlaceholder")}
        maxLength={MAX_CUSTOM_STATUS * 2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.nativeEvent.isComposing) void save();
        }}
      />
      {tooLong && <p className="error">{t("settings.displayNameTooLong", { max: MAX_CUSTOM_STATUS })}</p>}
      <label>
        {t("status.clearAfter")}
        <select id="custom-status-duration" value={duration} onChange={(e) => setDuration(e.target.value as Duration)}>
          {DURATIONS.map((d) => (
            <option key={d} value={d}>
              {t(`status.after.${d}`)}
            </option>
          ))}
        </select>
      </label>
      {error && <p className="error">{error}</p>}
      <div className="buttons">
        <button onClick={onClose}>{t("common.cancel")}</button>
        <button id="custom-status-save" className="primary" disabled={busy || tooLong} onClick={() => void save()}>
          {t("settings.save")}
        </button>
      </div>
    </Modal>
  );
}

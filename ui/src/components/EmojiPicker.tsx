// The emoji picker: search by English or Korean name, tag or shortcode;
// frequently and recently used first; every emoji by group. Its data loads
// the first time it opens (see ../emoji.ts).
import { useEffect, useMemo, useRef, useState } from "react";
import type * as EmojiData from "../emoji";
import { useStore } from "../state/store";
import { useDismiss, useT } from "./common";

type Data = typeof EmojiData;

let loading: Promise<Data> | null = null;
/// The emoji data, loaded once.
export function loadEmoji(): Promise<Data> {
  loading ??= import("../emoji");
  return loading;
}

/// The emoji data once loaded (null until then); starts loading.
export function useEmojiData(load = true): Data | null {
  const [data, setData] = useState<Data | null>(null);
  useEffect(() => {
    if (!load) return;
    let live = true;
    void loadEmoji().then((d) => live && setData(d));
    return () => {
      live = false;
    };
  }, [load]);
  return data;
}

const USAGE_KEY = "pq.emoji";
type Usage = Record<string, { n: number; at: number }>;

function usage(): Usage {
  try {
    return JSON.parse(localStorage.getItem(USAGE_KEY) ?? "{}");
  } catch {
    return {};
  }
}

/// Remembers that an emoji was used (for frequently and recently used).
export function noteEmojiUse(char: string) {
  const u = usage();
  u[char] = { n: (u[char]?.n ?? 0) + 1, at: Date.now() };
  // Keep the 100 most recent.
  const kept = Object.entries(u)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, 100);
  localStorage.setItem(USAGE_KEY, JSON.stringify(Object.fromEntries(kept)));
}

/// The emoji used most (then most recently), and those used most recently.
export function usedEmoji(max = 16): { frequent: string[]; recent: string[] } {
  const entries = Object.entries(usage());
  const frequent = [...entries].sort((a, b) => b[1].n - a[1].n || b[1].at - a[1].at).map(([c]) => c);
  const recent = [...entries].sort((a, b) => b[1].at - a[1].at).map(([c]) => c);
  return { frequent: frequent.slice(0, max), recent: recent.slice(0, max / 2) };
}

export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const data = useEmojiData();
  const [query, setQuery] = useState("");
  const [hover, setHover] = useState<EmojiData.Emoji | null>(null);
  const list = useRef<HTMLDivElement>(null);
  useDismiss(".emoji-picker, .emoji-toggle", onClose);
  const used = useMemo(() => usedEmoji(), []);
  const names = useMemo(() => new Map(data?.EMOJI.map((e) => [e.char, e]) ?? []), [data]);
  const found = useMemo(() => (data && query.trim() ? data.search(query) : null), [data, query]);
  const groups = useMemo(() => (data ? data.groups(lang) : []), [data, lang]);
  const pick = (char: string) => {
    noteEmojiUse(char);
    onPick(char);
  };
  const button = (char: string) => {
    const e = names.get(char);
    const name = e ? (lang === "ko" ? e.ko : e.en) : char;
    return (
      <button key={char} className="emoji" title={name} aria-label={name} data-emoji={char} onClick={() => pick(char)} onMouseEnter={() => setHover(e ?? null)}>
        {char}
      </button>
    );
  };
  return (
    <div className="emoji-picker" role="dialog" aria-label={t("emoji.title")}>
      <input
        autoFocus
        className="emoji-search"
        placeholder={t("emoji.search")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          if (e.key === "Enter" && found?.[0]) pick(found[0].char);
        }}
      />
      {!found && data && (
        <nav className="emoji-groups">
          {groups.map((g) => (
            <button
              key={g.group}
              title={g.name}
              onClick={() => list.current?.querySelector(`[data-group='${g.group}']`)?.scrollIntoView({ block: "start" })}
            >
              {data.EMOJI.find((e) => e.group === g.group)?.char}
            </button>
          ))}
        </nav>
      )}
      <div className="emoji-list" ref={list}>
        {!data ? (
          <p className="muted">{t("emoji.loading")}</p>
        ) : found ? (
          found.length === 0 ? (
            <p className="muted">{t("emoji.none")}</p>
          ) : (
            <section>
              <div className="emoji-grid">{found.map((e) => button(e.char))}</div>
            </section>
          )
        ) : (
          <>
            {used.frequent.length > 0 && (
              <section data-group="frequent">
                <h4>{t("emoji.frequent")}</h4>
                <div className="emoji-grid">{used.frequent.map(button)}</div>
              </section>
            )}
            {used.recent.length > 0 && (
              <section data-group="recent">
                <h4>{t("emoji.recent")}</h4>
                <div className="emoji-grid">{used.recent.map(button)}</div>
              </section>
            )}
            {groups.map((g) => (
              <section key={g.group} data-group={g.group}>
                <h4>{g.name}</h4>
                <div className="emoji-grid">{data.EMOJI.filter((e) => e.group === g.group).map((e) => button(e.char))}</div>
              </section>
            ))}
          </>
        )}
      </div>
      <footer className="emoji-footer">
        {hover ? (
          <>
            <span className="emoji-big">{hover.char}</span> {lang === "ko" ? hover.ko : hover.en}
            {hover.shortcodes[0] && <span className="muted"> :{hover.shortcodes[0]}:</span>}
          </>
        ) : (
          <span className="muted">{t("emoji.hint")}</span>
        )}
      </footer>
    </div>
  );
}

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { Message, OutboxEntry, StagedFile, User } from "../bindings";
import { type Lang, dayKey, formatDay, formatTime } from "../i18n";
import {
  discard,
  dmTitle,
  edit,
  followLink,
  jumpTo,
  loadOlder,
  openPins,
  pinMessage,
  reactors,
  remove,
  retry,
  send,
  stageFiles,
  toast,
  toggleReaction,
  typing,
  unstage,
} from "../state/actions";
import { Attachments, PendingFiles, StagedFiles } from "./Files";
import { Markdown, hasFormatting, plainText } from "../markdown";
import { EmojiPicker, loadEmoji, useEmojiData } from "./EmojiPicker";
import { can, nameColor } from "../state/roles";
import { EMPTY, setState, useStore } from "../state/store";
import { Avatar, Icon, useT } from "./common";

/// Messages from one person within this long are grouped under one name.
const GROUP_MS = 7 * 60 * 1000;

export type Row =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; message: Message; head: boolean }
  | { kind: "pending"; key: string; entry: OutboxEntry; head: boolean };

/// The rows of a timeline: day dividers, messages grouped by author, then
/// what is still being sent.
export function buildRows(lang: Lang, messages: Message[], pending: OutboxEntry[], me: string | undefined): Row[] {
  const rows: Row[] = [];
  let day = "";
  let last: { author: string; at: number } | null = null;
  const push = (at: string, author: string, row: (head: boolean) => Row) => {
    const d = dayKey(at);
    if (d !== day) {
      day = d;
      rows.push({ kind: "day", key: `day-${d}`, label: formatDay(lang, at) });
      last = null;
    }
    const t = new Date(at).getTime();
    const head = !last || last.author !== author || t - last.at > GROUP_MS;
    last = { author, at: t };
    rows.push(row(head));
  };
  for (const m of messages) {
    // A line the server adds stands alone: the next message starts a group.
    const author = m.kind === "default" ? m.author_id : `line-${m.id}`;
    push(m.created_at, author, (head) => ({ kind: "message", key: m.id, message: m, head }));
  }
  for (const e of pending) push(e.created_at, me ?? "me", (head) => ({ kind: "pending", key: `p-${e.client_id}`, entry: e, head }));
  return rows;
}

export function MessageView() {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const channelId = useStore((s) => s.channelId);
  const channel = useStore((s) => Object.values(s.channels).flat().find((c) => c.channel.id === s.channelId));
  // Or a conversation on Home: its title (a group's name, or the others' names).
  const dm = useStore((s) => (s.dmId && s.dmId === s.channelId ? s.dms.find((d) => d.channel.id === s.dmId) : undefined));
  const dmName = useStore((s) => (dm ? dmTitle(dm, s.info?.me?.id, s.users) : ""));
  const timeline = useStore((s) => (s.channelId ? s.timelines[s.channelId] : undefined));
  const me = useStore((s) => s.info?.me);
  const rows = useMemo(
    () => (timeline ? buildRows(lang, timeline.messages, timeline.pending, me?.id) : []),
    [lang, timeline, me?.id],
  );
  // Authors' names in their highest coloured role's colour (in a server),
  // worked out once for the view, not per row.
  const members = useStore((s) => (s.dmId || !s.serverId ? EMPTY : (s.members[s.serverId] ?? EMPTY)));
  const server = useStore((s) => (s.dmId ? undefined : s.servers.find((x) => x.server.id === s.serverId)));
  const colors = useMemo(() => {
    const out: Record<string, string> = {};
    for (const m of members) {
      const c = nameColor(server, m.roles);
      if (c) out[m.user.id] = c;
    }
    return out;
  }, [members, server]);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const estimate = (i: number) => (rows[i]?.kind === "day" ? 36 : rows[i] && "head" in rows[i] && rows[i].head ? 64 : 28);
  // Before the first layout (and in tests, where there is none): the
  // window's height, and the newest rows (the view opens at the bottom), so
  // the first frame renders only the rows it shows.
  const initialHeight = Math.max(window.innerHeight, 600);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: estimate,
    overscan: 12,
    initialRect: { width: 800, height: initialHeight },
    initialOffset: () => {
      let total = 0;
      for (let i = 0; i < rows.length; i++) total += estimate(i);
      return Math.max(0, total - initialHeight);
    },
    getItemKey: (i) => rows[i].key,
  });
  // Stay at the bottom as messages arrive, when the person is there.
  useLayoutEffect(() => {
    if (atBottom.current && rows.length > 0) virtual.scrollToIndex(rows.length - 1, { align: "end" });
  }, [rows.length, channelId, virtual]);
  // A reply's original, jumped to: into the middle of the view.
  const highlight = useStore((s) => s.highlight);
  useLayoutEffect(() => {
    if (!highlight) return;
    const at = rows.findIndex((r) => r.kind === "message" && r.message.id === highlight);
    if (at >= 0) {
      atBottom.current = false;
      virtual.scrollToIndex(at, { align: "center" });
    }
  }, [highlight, rows, virtual]);

  if (!channelId || (!channel && !dm)) return <Welcome />;
  if (channel && channel.channel.kind !== "text") {
    return (
      <main className="messages">
        <p className="muted pad">{t("channels.voiceSoon")}</p>
      </main>
    );
  }
  return (
    <main className="messages" aria-label="Messages">
      <div
        className="scroller"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          if (el.scrollTop < 200 && timeline?.hasOlder) void loadOlder(channelId);
        }}
      >
        {timeline?.loadingOlder && <p className="muted center">{t("msg.loadOlder")}</p>}
        {rows.length === 0 && (
          <p className="muted pad">
            {channel
              ? t("msg.empty", { channel: channel.channel.name })
              : t(dm?.channel.kind === "group" ? "dm.emptyGroup" : "dm.empty", { name: dmName })}
          </p>
        )}
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((v) => {
            const row = rows[v.index];
            return (
              <div key={v.key} data-index={v.index} ref={virtual.measureElement} className="vrow" style={{ transform: `translateY(${v.start}px)` }}>
                {row.kind === "day" ? (
                  <div className="day-divider" role="separator">
                    <span>{row.label}</span>
                  </div>
                ) : row.kind === "message" ? (
                  <MessageRow m={row.message} head={row.head} color={colors[row.message.author_id]} />
                ) : (
                  <PendingRow e={row.entry} head={row.head} />
                )}
              </div>
            );
          })}
        </div>
      </div>
      <TypingLine />
      <Composer
        placeholder={
          channel
            ? t("msg.placeholder", { channel: channel.channel.name })
            : t(dm?.channel.kind === "group" ? "dm.placeholderGroup" : "dm.placeholder", { name: dmName })
        }
      />
    </main>
  );
}

/// What the main area shows before there is a channel to read.
function Welcome() {
  const t = useT();
  const none = useStore((s) => s.servers.length === 0);
  const me = useStore((s) => s.info?.me);
  if (!none) return <main className="messages empty" />;
  return (
    <main className="messages empty">
      <div className="welcome">
        <h2>{t("welcome.title", { name: me?.display_name ?? "" })}</h2>
        <p className="muted">{t("welcome.body")}</p>
        <div className="welcome-actions">
          <button id="welcome-create" onClick={() => setState({ dialog: { type: "create-server" } })}>
            {t("servers.create")}
          </button>
          <button className="secondary" id="welcome-join" onClick={() => setState({ dialog: { type: "join" } })}>
            {t("servers.join")}
          </button>
        </div>
      </div>
    </main>
  );
}

function useAuthor(id: string): User | undefined {
  return useStore((s) => s.users[id]);
}

function MessageRow({ m, head, color }: { m: Message; head: boolean; color: string | undefined }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const author = useAuthor(m.author_id);
  const me = useStore((s) => s.info?.me);
  const mentioned = useStore((s) => s.timelines[m.channel_id]?.mentions.includes(m.id) ?? false);
  const editing = useStore((s) => s.editing?.id === m.id);
  const replied = useStore((s) => (m.reply_to ? s.timelines[m.channel_id]?.messages.find((x) => x.id === m.reply_to) : undefined));
  const repliedAuthor = useAuthor(replied?.author_id ?? "");
  const admin = useStore((s) => !s.dmId && can(s.servers.find((x) => x.server.id === s.serverId), "manage_messages"));
  // The reaction picker, where it opens (outside the timeline's rows, which
  // would cover or clip it).
  const [picking, setPicking] = useState<{ top: number; left: number } | null>(null);
  const blocked = useStore((s) => !s.revealed[m.id] && s.relationships.some((r) => r.user.id === m.author_id && r.kind === "blocked"));
  const inDm = useStore((s) => !!s.dmId);
  const highlighted = useStore((s) => s.highlight === m.id);
  const mine = me?.id === m.author_id;
  const name = author?.display_name ?? "…";
  if (m.kind === "pin") {
    return (
      <article className="message system" data-seq={m.seq} data-system="pin">
        <div className="message-line">
          <div className="gutter">
            <span className="system-icon" aria-hidden>
              <Icon name="pin" size={14} />
            </span>
          </div>
          <p className="body system-line">
            {t("pins.line", { name })}{" "}
            <button className="link see-pins" onClick={() => void openPins(m.channel_id)}>
              {t("pins.seeAll")}
            </button>{" "}
            <time dateTime={m.created_at}>{formatTime(lang, m.created_at)}</time>
          </p>
        </div>
      </article>
    );
  }
  if (blocked && !m.deleted) {
    return (
      <article className="message blocked" data-seq={m.seq}>
        <div className="message-line">
          <div className="gutter" />
          <p className="body muted">
            {t("msg.blocked")}{" "}
            <button className="link show-blocked" onClick={() => setState((st) => ({ revealed: { ...st.revealed, [m.id]: true } }))}>
              {t("msg.showBlocked")}
            </button>
          </p>
        </div>
      </article>
    );
  }
  return (
    <article
      className={`message${head ? " head" : ""}${mentioned ? " mentioned" : ""}${highlighted ? " highlighted" : ""}`}
      data-seq={m.seq}
      data-id={m.id}
      data-body={m.body}
    >
      {m.reply_to && (
        <button className="reply-quote" title={t("msg.jumpToReply")} onClick={() => void jumpTo(m.channel_id, m.reply_to!)}>
          ↱ {repliedAuthor?.display_name ?? ""} {replied ? plainText(replied.body).slice(0, 80) : "…"}
        </button>
      )}
      <div className="message-line">
        <div className="gutter">
          {head ? <Avatar name={name} url={author?.avatar_url} size={36} /> : <span className="hover-time">{formatTime(lang, m.created_at)}</span>}
        </div>
        <div className="content">
          {head && (
            <div className="meta">
              <button
                className="author"
                style={color ? { color } : undefined}
                onClick={(e) => {
                  const r = e.currentTarget.getBoundingClientRect();
                  setState({ card: { userId: m.author_id, top: r.top, left: r.right + 8 } });
                }}
              >
                {name}
              </button>
              <time dateTime={m.created_at}>{formatTime(lang, m.created_at)}</time>
              {m.pinned && (
                <span className="pinned-mark" title={t("pins.pinned")} aria-label={t("pins.pinned")}>
                  <Icon name="pin" size={14} />
                </span>
              )}
            </div>
          )}
          {m.deleted ? (
            <p className="body deleted">{t("msg.deleted")}</p>
          ) : editing ? (
            <EditBox m={m} />
          ) : (
            (m.body || m.edited_at) && (
              <div className="body">
                <Markdown text={m.body} onLink={followLink} />
                {m.edited_at && <span className="edited"> {t("msg.edited")}</span>}
              </div>
            )
          )}
          <Attachments m={m} />
          {!m.deleted && m.reactions.length > 0 && (
            <div className="reactions">
              {m.reactions.map((r) => (
                <ReactionButton key={r.emoji} m={m} emoji={r.emoji} count={r.count} mine={r.me} />
              ))}
            </div>
          )}
        </div>
        {m.unread_by > 0 && !m.deleted && (
          <span className="unread-by" title={t("msg.unreadBy", { n: m.unread_by })}>
            {m.unread_by}
          </span>
        )}
        {!m.deleted && (
          <div className="actions">
            <button title={t("msg.reply")} onClick={() => setState({ replyTo: m })}>↩</button>
            <button
              className="react emoji-toggle"
              title={t("emoji.react")}
              onMouseEnter={() => void loadEmoji()}
              onClick={(e) => {
                // (From the keyboard or a script while the bar is hidden: the message's corner.)
                const button = e.currentTarget.getBoundingClientRect();
                const r = button.width > 0 ? button : e.currentTarget.closest("article")!.getBoundingClientRect();
                // Below the button, kept inside the window (the picker is 372 × 420).
                const top = Math.max(8, Math.min(r.bottom + 4, window.innerHeight - 428));
                setPicking(picking ? null : { top, left: Math.max(8, r.right - 372) });
              }}
            >
              ☺
            </button>
            {mine && <button title={t("msg.edit")} onClick={() => setState({ editing: m })}>✎</button>}
            {(admin || inDm) && (
              <button className="pin" title={m.pinned ? t("pins.unpin") : t("pins.pin")} onClick={() => void pinMessage(m, !m.pinned)}>
                <Icon name="pin" size={14} />
              </button>
            )}
            {(mine || admin) && (
              <button className="delete" title={t("msg.delete")} onClick={() => void remove(m)}>
                <Icon name="trash" size={14} />
              </button>
            )}
          </div>
        )}
        {picking &&
          createPortal(
            <div className="reaction-picker" style={picking}>
              <EmojiPicker onPick={(e) => (setPicking(null), void toggleReaction(m, e))} onClose={() => setPicking(null)} />
            </div>,
            document.body,
          )}
      </div>
    </article>
  );
}

/// Who gave a reaction, asked of the server when the pointer rests on it
/// (kept until the count changes).
const reactorsSeen = new Map<string, string[]>();

function ReactionButton({ m, emoji, count, mine }: { m: Message; emoji: string; count: number; mine: boolean }) {
  const t = useT();
  const key = `${m.id} ${emoji} ${count}`;
  const [names, setNames] = useState<string[] | null>(null);
  const [shown, setShown] = useState(false);
  const who = names ?? reactorsSeen.get(key) ?? null;
  return (
    <button
      className={`reaction${mine ? " mine" : ""}`}
      data-emoji={emoji}
      onClick={() => void toggleReaction(m, emoji)}
      onMouseEnter={() => {
        setShown(true);
        if (reactorsSeen.has(key)) return;
        void reactors(m.channel_id, m.id, emoji).then(
          (users) => {
            const list = users.map((u) => u.display_name);
            reactorsSeen.set(key, list);
            setNames(list);
          },
          () => {},
        );
      }}
      onMouseLeave={() => setShown(false)}
    >
      {emoji} {count}
      {shown && who && who.length > 0 && (
        <span className="reaction-tip" role="tooltip">
          {who.length > 3 || count > who.length
            ? t("reaction.byMore", { names: who.slice(0, 3).join(", "), n: Math.max(count, who.length) - Math.min(3, who.length), emoji })
            : t("reaction.by", { names: who.join(", "), emoji })}
        </span>
      )}
    </button>
  );
}

function EditBox({ m }: { m: Message }) {
  const [value, setValue] = useState(m.body);
  return (
    <textarea
      className="edit-box"
      autoFocus
      value={value}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Escape") setState({ editing: null });
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          if (value.trim() && value !== m.body) void edit(m, value);
          else setState({ editing: null });
        }
      }}
    />
  );
}

function PendingRow({ e, head }: { e: OutboxEntry; head: boolean }) {
  const t = useT();
  const me = useStore((s) => s.info?.me);
  const failed = e.state.state === "failed" ? e.state.reason : null;
  return (
    <article className={`message pending${failed ? " failed" : ""}${head ? " head" : ""}`} data-pending={e.body}>
      <div className="message-line">
        <div className="gutter">{head && me && <Avatar name={me.display_name} url={me.avatar_url} size={36} />}</div>
        <div className="content">
          {head && me && (
            <div className="meta">
              <span className="author">{me.display_name}</span>
            </div>
          )}
          {e.body && (
            <div className="body">
              <Markdown text={e.body} onLink={followLink} />
            </div>
          )}
          <PendingFiles e={e} />
          {failed ? (
            <p className="status error">
              {t("msg.failed", { reason: failed })}{" "}
              <button className="link" onClick={() => void retry(e.client_id)}>
                {t("msg.retry")}
              </button>{" "}
              <button className="link" onClick={() => void discard(e.client_id)}>
                {t("msg.discard")}
              </button>
            </p>
          ) : (
            e.files.length === 0 && <p className="status muted">{t("msg.sending")}</p>
          )}
        </div>
      </div>
    </article>
  );
}

function TypingLine() {
  const t = useT();
  const names = useStore((s) => {
    const now = Date.now();
    const typing = s.channelId ? s.typing[s.channelId] ?? {} : {};
    const blocked = new Set(s.relationships.filter((r) => r.kind === "blocked").map((r) => r.user.id));
    return Object.entries(typing)
      .filter(([id, until]) => until > now && !blocked.has(id))
      .map(([id]) => s.users[id]?.display_name ?? "…")
      .join("\u0000");
  });
  const list = names ? names.split("\u0000") : [];
  const text =
    list.length === 0
      ? ""
      : list.length === 1
        ? t("msg.typing.one", { a: list[0] })
        : list.length === 2
          ? t("msg.typing.two", { a: list[0], b: list[1] })
          : t("msg.typing.many");
  return (
    <div className="typing" aria-live="polite">
      {text}
    </div>
  );
}

/// The `@name` being typed just before the caret: where its `@` is and what
/// follows it so far (null when the caret is not in one).
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([^\s@]*)$/.exec(text.slice(0, caret));
  return m ? { start: caret - m[2].length - 1, query: m[2] } : null;
}

/// Whom `@query` may mean: members whose name (or a word of it) starts with
/// it, then `@everyone` and `@here`; not me; at most `max`.
export function mentionChoices(people: User[], query: string, me: string | undefined, max = 8): string[] {
  const q = query.toLocaleLowerCase();
  const fits = (name: string) => {
    const n = name.toLocaleLowerCase();
    return n.startsWith(q) || n.split(/\s+/).some((w) => w.startsWith(q));
  };
  const names = people
    .filter((u) => u.id !== me && fits(u.display_name))
    .map((u) => u.display_name)
    .sort((a, b) => Number(!a.toLocaleLowerCase().startsWith(q)) - Number(!b.toLocaleLowerCase().startsWith(q)) || a.localeCompare(b));
  return [...new Set(names), ...["everyone", "here"].filter((w) => w.startsWith(q))].slice(0, max);
}

/// The `:query` being typed at the caret: a colon at the start or after a
/// space, then at least two letters, digits, `_`, `+` or `-`.
export function shortcodeAt(text: string, caret: number): { start: number; query: string } | null {
  let i = caret;
  const word = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "_+-".includes(c);
  while (i > 0 && word(text[i - 1])) i -= 1;
  if (caret - i < 2 || text[i - 1] !== ":" || (i >= 2 && !/\s/.test(text[i - 2]))) return null;
  return { start: i - 1, query: text.slice(i, caret) };
}

/// One suggestion under the composer: what it shows, and what replaces the
/// text from `start` to the caret when taken.
interface Suggestion {
  key: string;
  label: React.ReactNode;
  insert: string;
  start: number;
}

export function Composer({ placeholder }: { placeholder: string }) {
  const t = useT();
  const channelId = useStore((s) => s.channelId);
  const limit = useStore((s) => s.info?.message_limit ?? 150);
  const replyTo = useStore((s) => s.replyTo);
  const replyAuthor = useAuthor(replyTo?.author_id ?? "");
  const members = useStore((s) => (s.dmId ? undefined : s.serverId ? s.members[s.serverId] : undefined));
  const dmMembers = useStore((s) => (s.dmId ? s.dms.find((d) => d.channel.id === s.dmId)?.channel.members : undefined));
  const me = useStore((s) => s.info?.me?.id);
  const [draft, setDraft] = useState("");
  // Where the caret is, in which text (a select event can report the caret
  // of the text before a completion replaced it).
  const [caret, setCaret] = useState({ text: "", at: 0 });
  const [picked, setPicked] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => area.current?.focus(), [channelId]);
  const length = Array.from(draft).length;
  const over = length - limit;
  const mention = caret.text === draft ? mentionAt(draft, caret.at) : null;
  const people = dmMembers ?? (members ?? []).map((m) => m.user);
  // `:smi` offers emoji (their data loads once a colon is typed).
  const emoji = useEmojiData(draft.includes(":"));
  const shortcode = caret.text === draft ? shortcodeAt(draft, caret.at) : null;
  const choices: Suggestion[] =
    shortcode && emoji && shortcode.start !== dismissed
      ? emoji.search(shortcode.query, 8).map((e) => ({
          key: e.char,
          insert: e.char,
          start: shortcode.start,
          label: (
            <>
              <span className="emoji-big">{e.char}</span> :{e.shortcodes[0] ?? e.en.replaceAll(" ", "_")}:
            </>
          ),
        }))
      : mention && mention.start !== dismissed
        ? mentionChoices(people, mention.query, me).map((name) => ({
            key: name,
            insert: `@${name} `,
            start: mention.start,
            label: (
              <>
                @{name}
                {(name === "everyone" || name === "here") && <span className="muted"> {t(`msg.mention.${name}`)}</span>}
              </>
            ),
          }))
        : [];
  const [picking, setPicking] = useState(false);
  // Files to go with the message: kept by the engine at once (so the
  // originals may go), with a local preview of pictures.
  const uploadLimit = useStore((s) => s.info?.upload_limit ?? 8 * 1024 * 1024);
  const [staged, setStaged] = useState<StagedFile[]>([]);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [dropping, setDropping] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const addFiles = async (files: File[]) => {
    if (files.length === 0 || !channelId) return;
    const room = 10 - staged.length;
    if (files.length > room) toast(t("file.tooMany", { n: 10 }), "");
    const kept = await stageFiles(files.slice(0, Math.max(0, room)), uploadLimit);
    const urls: Record<string, string> = {};
    kept.forEach((k) => {
      const f = files.find((x) => (x.name || "pasted.png") === k.name && x.size === k.size);
      if (f && /^image\/(png|jpeg|gif|webp)$/.test(f.type)) urls[k.id] = URL.createObjectURL(f);
    });
    setPreviews((p) => ({ ...p, ...urls }));
    setStaged((s) => [...s, ...kept]);
    area.current?.focus();
  };
  const removeStaged = (f: StagedFile) => {
    void unstage(f.id);
    if (previews[f.id]) URL.revokeObjectURL(previews[f.id]);
    setStaged((s) => s.filter((x) => x.id !== f.id));
  };
  // Files dropped anywhere on the window go to this composer.
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDropping(true);
    };
    const leave = (e: DragEvent) => {
      if (!e.relatedTarget) setDropping(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDropping(false);
      void addFiles(Array.from(e.dataTransfer?.files ?? []));
    };
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  });
  // A different channel: what was staged for the last one is dropped.
  useEffect(
    () => () => {
      setStaged((s) => (s.forEach((f) => void unstage(f.id)), []));
      setPreviews((p) => (Object.values(p).forEach((u) => URL.revokeObjectURL(u)), {}));
    },
    [channelId],
  );
  // What it will look like, while it has any formatting.
  const preview = useMemo(() => (hasFormatting(draft) ? draft : null), [draft]);
  const submit = () => {
    if ((!draft.trim() && staged.length === 0) || over > 0) return;
    void send(emoji ? emoji.replaceShortcodes(draft) : draft, staged);
    setDraft("");
    setStaged([]);
    Object.values(previews).forEach((u) => URL.revokeObjectURL(u));
    setPreviews({});
  };
  /// Puts `insert` in place of the text from `start` to the caret.
  const complete = (insert: string, start: number) => {
    const text = `${draft.slice(0, start)}${insert}${draft.slice(caret.at)}`;
    const at = start + insert.length;
    setDraft(text);
    setCaret({ text, at });
    setPicked(0);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(at, at);
    });
  };
  return (
    <div className={`composer${dropping ? " dropping" : ""}`}>
      {dropping && <div className="drop-hint">{t("file.drop")}</div>}
      <StagedFiles files={staged} previews={previews} onRemove={removeStaged} />
      {replyTo && (
        <div className="replying">
          {t("msg.replyingTo", { name: replyAuthor?.display_name ?? "…" })}
          <button className="icon small" onClick={() => setState({ replyTo: null })} aria-label={t("common.cancel")}>
            ✕
          </button>
        </div>
      )}
      {preview !== null && (
        <div className="preview" aria-label={t("msg.preview")}>
          <span className="preview-label">{t("msg.preview")}</span>
          <div className="body">
            <Markdown text={preview} onLink={() => {}} />
          </div>
        </div>
      )}
      {choices.length > 0 && (
        <ul className="mentions" role="listbox" aria-label={t(shortcode ? "emoji.suggestions" : "msg.mentionList")}>
          {choices.map((c, i) => (
            <li
              key={c.key}
              role="option"
              aria-selected={i === Math.min(picked, choices.length - 1)}
              onMouseDown={(e) => {
                e.preventDefault();
                complete(c.insert, c.start);
              }}
            >
              {c.label}
            </li>
          ))}
        </ul>
      )}
      {picking && (
        <div className="composer-picker">
          <EmojiPicker
            onPick={(e) => {
              setPicking(false);
              complete(e, caret.text === draft ? caret.at : draft.length);
            }}
            onClose={() => setPicking(false)}
          />
        </div>
      )}
      <button className="icon composer-attach" title={t("file.attach")} aria-label={t("file.attach")} onClick={() => picker.current?.click()}>
        <Icon name="paperclip" size={18} />
      </button>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        className="file-picker"
        onChange={(e) => {
          void addFiles(Array.from(e.target.files ?? []));
          e.target.value = "";
        }}
      />
      <textarea
        ref={area}
        id="composer"
        rows={1}
        value={draft}
        placeholder={placeholder}
        aria-autocomplete="list"
        onChange={(e) => {
          setDraft(e.target.value);
          setCaret({ text: e.target.value, at: e.target.selectionStart });
          setPicked(0);
          if (!mentionAt(e.target.value, e.target.selectionStart) && !shortcodeAt(e.target.value, e.target.selectionStart)) setDismissed(null);
          if (channelId && e.target.value) void typing(channelId);
        }}
        onSelect={(e) => setCaret({ text: e.currentTarget.value, at: e.currentTarget.selectionStart })}
        onPaste={(e) => {
          const files = Array.from(e.clipboardData.files);
          if (files.length === 0) return;
          e.preventDefault();
          void addFiles(files);
        }}
        onKeyDown={(e) => {
          if (e.nativeEvent.isComposing) return;
          if (choices.length > 0) {
            const at = Math.min(picked, choices.length - 1);
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              setPicked((at + (e.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length);
              return;
            }
            if (e.key === "Enter" || e.key === "Tab") {
              e.preventDefault();
              complete(choices[at].insert, choices[at].start);
              return;
            }
            if (e.key === "Escape") {
              e.preventDefault();
              setDismissed(choices[at].start);
              return;
            }
          }
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button
        className="icon composer-emoji emoji-toggle"
        title={t("emoji.title")}
        aria-label={t("emoji.title")}
        onMouseEnter={() => void loadEmoji()}
        onClick={() => setPicking(!picking)}
      >
        ☺
      </button>
      {length > limit * 0.8 && (
        <span className={`counter${over > 0 ? " over" : ""}`} aria-live="polite">
          {over > 0 ? t("msg.tooLong", { n: over }) : `${length}/${limit}`}
        </span>
      )}
    </div>
  );
}

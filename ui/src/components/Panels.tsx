import { useEffect, useMemo, useState } from "react";
import type { Acceleration, AdminAccount, AdminAccounts, AdminPayments, DrawCheck, EventParticipants, PaidEvent, Payment, Reconciliation, CachedServer, FileCache, Health, Plan, PlanInfo, InvitePreview, Me, Member, Presence, Profile, UserId } from "../bindings";
import * as bridge from "../bridge/commands";
import { formatDay, formatTime } from "../i18n";
import {
  acceptInvite,
  createServer,
  dmTitle,
  openSearchHit,
  openPins,
  pinMessage,
  reason,
  sendInvite,
  saveAbout,
  saveAllowServerDms,
  saveUsername,
  saveAvatar,
  saveDisplayName,
  saveSettings,
  search,
  signOut,
  formatSize,
  refreshInfo,
  checkUpdate,
  downloadUpdate,
  loadPaidEvents,
} from "../state/actions";
import { can, heldRoles, hex, nameColor } from "../state/roles";
import { EMPTY, setState, useStore } from "../state/store";
import { squarePng } from "../image";
import { Avatar, Icon, Modal, useDismiss, useT } from "./common";
import { CardActions } from "./Friends";
import { AddToDmDialog, NewDmDialog } from "./Dms";
import {
  ChannelAccessDialog,
  ChannelTopicDialog,
  CreateChannelDialog,
  DeleteChannelDialog,
  LeaveServerDialog,
  MemberActions,
  ScheduleDialog,
  ServerSettingsDialog,
} from "./ServerAdmin";
import { CustomStatusDialog, CustomStatusLine } from "./Status";

export function ConnectionBanner() {
  const t = useT();
  const c = useStore((s) => s.connection);
  const [now, setNow] = useState(Date.now());
  // When the next attempt is due; `now` ticks towards it.
  const deadline = useMemo(() => (c.state === "reconnecting" ? Date.now() + c.retry_in_ms : 0), [c]);
  useEffect(() => {
    if (c.state !== "reconnecting") return;
    const i = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(i);
  }, [c.state]);
  let text: string | null = null;
  let kind = "info";
  switch (c.state) {
    case "connecting":
      text = t("conn.connecting");
      break;
    case "syncing":
      text = t("conn.syncing", { done: c.done, total: c.total });
      break;
    case "reconnecting": {
      const secs = Math.max(0, Math.ceil(Math.min(c.retry_in_ms, deadline - now) / 1000));
      text = t("conn.reconnecting", { secs });
      kind = "offline";
      break;
    }
    case "session_expired":
      text = t("conn.expired");
      kind = "offline";
      break;
  }
  if (!text) return null;
  return (
    <div className={`banner ${kind}`} role="status" id="connection-banner" data-state={c.state}>
      <span>{text}</span>
      {c.state === "reconnecting" && (
        <button className="link" onClick={() => void bridge.reconnectNow()}>
          {t("conn.retry")}
        </button>
      )}
      {c.state === "syncing" && <progress max={c.total} value={c.done} />}
    </div>
  );
}

export function Header() {
  const t = useT();
  const callRoom = useStore((s) => (s.callView && s.call ? s.call.channel_id : null));
  const channel = useStore((s) => Object.values(s.channels).flat().find((c) => c.channel.id === (callRoom ?? s.channelId)));
  // A call in a conversation: named after it.
  const dmRoom = useStore((s) => {
    const dm = callRoom ? s.dms.find((d) => d.channel.id === callRoom) : undefined;
    return dm ? dmTitle(dm, s.info?.me?.id, s.users) : "";
  });
  const [query, setQuery] = useState("");
  const textChannel = !callRoom && channel?.channel.kind === "text" ? channel.channel.id : null;
  return (
    <header className="topbar">
      <span className="channel-title">{channel ? (callRoom ? channel.channel.name : `# ${channel.channel.name}`) : dmRoom}</span>
      {textChannel && channel?.channel.topic && (
        <span className="channel-topic" title={channel.channel.topic}>
          {channel.channel.topic.split("\n")[0]}
        </span>
      )}
      {textChannel && <PinsButton channelId={textChannel} />}
      <input
        id="search"
        type="search"
        value={query}
        placeholder={t("search.placeholder")}
        onChange={(e) => {
          setQuery(e.target.value);
          void search(e.target.value);
        }}
      />
    </header>
  );
}

/// The button that opens (or closes) a channel's pinned messages.
export function PinsButton({ channelId }: { channelId: string }) {
  const t = useT();
  const open = useStore((s) => s.pins?.channelId === channelId);
  return (
    <button
      id="pins-button"
      className={`icon${open ? " active" : ""}`}
      title={t("pins.title")}
      aria-label={t("pins.title")}
      aria-pressed={open}
      onClick={() => (open ? setState({ pins: null }) : void openPins(channelId))}
    >
      <Icon name="pin" size={18} />
    </button>
  );
}

/// A channel's pinned messages, the most recently pinned first, each to
/// unpin for those who may.
export function PinsPanel() {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const pins = useStore((s) => (s.pins && s.pins.channelId === s.channelId ? s.pins : null));
  const users = useStore((s) => s.users);
  const may = useStore((s) => !!s.dmId || can(s.servers.find((x) => x.server.id === s.serverId), "manage_messages"));
  if (!pins) return null;
  return (
    <section className="search-results pins-panel" aria-label={t("pins.title")}>
      <header>
        {t("pins.title")}
        <button className="icon small" onClick={() => setState({ pins: null })} aria-label={t("common.close")}>
          ✕
        </button>
      </header>
      {pins.messages.length === 0 && <p className="muted pad">{t("pins.none")}</p>}
      {pins.messages.map((m) => (
        <div key={m.id} className="hit pinned" data-pinned={m.body}>
          <span className="meta">
            {users[m.author_id]?.display_name ?? "…"} · {formatDay(lang, m.created_at)} {formatTime(lang, m.created_at)}
          </span>
          <span className="body">{m.body}</span>
          {may && (
            <button className="link unpin" onClick={() => void pinMessage(m, false)}>
              {t("pins.unpin")}
            </button>
          )}
        </div>
      ))}
    </section>
  );
}

export function SearchResults() {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const results = useStore((s) => s.search);
  const users = useStore((s) => s.users);
  if (!results) return null;
  return (
    <section className="search-results" aria-label="Search results">
      <header>
        {results.results.length ? t("search.results", { n: results.results.length }) : t("search.none")}
        <button className="icon small" onClick={() => setState({ search: null })} aria-label={t("common.close")}>
          ✕
        </button>
      </header>
      {results.results.map((h) => (
        <button key={h.message.id} className="hit" onClick={() => void openSearchHit(h.server_id, h.message.channel_id)}>
          <span className="meta">
            {users[h.message.author_id]?.display_name ?? "…"} · {formatDay(lang, h.message.created_at)} {formatTime(lang, h.message.created_at)}
          </span>
          <span className="body">{h.message.body}</span>
        </button>
      ))}
    </section>
  );
}

const ORDER: Record<Presence, number> = { online: 0, dnd: 1, away: 2, offline: 3 };

export function MemberList() {
  const t = useT();
  const serverId = useStore((s) => s.serverId);
  const members = useStore((s) => (s.serverId ? s.members[s.serverId] ?? EMPTY : EMPTY));
  const presence = useStore((s) => s.presence);
  const card = useStore((s) => s.card);
  const server = useStore((s) => s.servers.find((x) => x.server.id === s.serverId));
  useEffect(() => setState({ card: null }), [serverId]);
  if (!serverId) return null;
  const sorted = [...members].sort(
    (a, b) =>
      ORDER[presence[a.user.id] ?? a.presence] - ORDER[presence[b.user.id] ?? b.presence] ||
      a.user.display_name.localeCompare(b.user.display_name),
  );
  return (
    <aside className="members" aria-label="Members">
      <h3>{t("members.title", { n: members.length })}</h3>
      {sorted.map((m: Member) => {
        const p = presence[m.user.id] ?? m.presence;
        return (
          <button
            key={m.user.id}
            className={`member ${p}`}
            data-member={m.user.display_name}
            aria-expanded={card?.userId === m.user.id}
            onClick={(e) =>
              setState({
                card: card?.userId === m.user.id ? null : { userId: m.user.id, top: e.currentTarget.getBoundingClientRect().top },
              })
            }
          >
            <div className="with-dot">
              <Avatar name={m.user.display_name} url={m.user.avatar_url} size={32} />
              <span className={`dot ${p}`} title={t(`presence.${p}`)} />
            </div>
            <span className="member-text">
              <span className="member-name" style={{ color: nameColor(server, m.roles) }}>
                {m.user.display_name}
              </span>
              <CustomStatusLine status={m.user.custom_status} />
            </span>
            <RoleBadge server={server} member={m} />
          </button>
        );
      })}
    </aside>
  );
}

const closeCard = () => setState({ card: null });

/// A member's standing in a word: Owner, or their highest role's name.
function RoleBadge({ server, member }: { server: CachedServer | undefined; member: Member }) {
  const t = useT();
  if (!server) return null;
  if (server.server.owner_id === member.user.id) return <span className="role owner">{t("role.owner")}</span>;
  const top = heldRoles(server, member.roles)[0];
  return top ? (
    <span className="role" style={top.color ? { color: hex(top.color) } : undefined}>
      {top.name}
    </span>
  ) : null;
}

/// The open person's card, wherever it was opened from (member list,
/// message author, call tile, friends list).
export function CardLayer() {
  const card = useStore((s) => s.card);
  // One card per person: another's card starts afresh, never showing the
  // last one's profile for a moment.
  return card ? <ProfileCard key={card.userId} userId={card.userId} top={card.top} left={card.left} /> : null;
}


/// How long a card waits for the person's profile before it is shown
/// without it (a server slow to answer, or none).
const PROFILE_WAIT = 300;

/// A person's card, opened from the member list or a message's author:
/// their picture, name, whether they are around, and (while they are in
/// this server) their role here and since when.
function ProfileCard({ userId, top, left }: { userId: UserId; top: number; left?: number }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const me = useStore((s) => s.info?.me?.id);
  // A server's member, unless the card was opened in a conversation on Home.
  const serverId = useStore((s) => (s.home ? null : s.serverId));
  const member = useStore((s) => (s.serverId && !s.home ? s.members[s.serverId]?.find((m) => m.user.id === userId) : undefined));
  const user = useStore((s) => member?.user ?? s.users[userId]);
  const p = useStore((s) => s.presence[userId]) ?? member?.presence ?? "offline";
  const servers = useStore((s) => s.servers);
  const server = servers.find((x) => x.server.id === serverId);
  // The about text and the servers we share come from the server (not shown
  // offline): undefined while on its way, null if it could not be had. The
  // card waits for it a moment (PROFILE_WAIT) so that its buttons do not
  // move under a pointer on its way to them as those sections come in; the
  // card is busy until it has arrived or failed.
  const [profile, setProfile] = useState<Profile | null | undefined>(undefined);
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    let current = true;
    bridge.profile(userId).then(
      (p) => current && setProfile(p),
      () => current && setProfile(null),
    );
    const timer = setTimeout(() => setWaited(true), PROFILE_WAIT);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [userId]);
  // A press anywhere but the card and the member list closes it (a row
  // toggles it itself).
  useDismiss(".profile-card, .members", closeCard);
  if (!user || (profile === undefined && !waited)) return null;
  const name = user.display_name;
  const height = typeof innerHeight === "number" ? innerHeight : 800;
  return (
    <div
      className="profile-card"
      id="profile-card"
      role="dialog"
      aria-label={name}
      aria-busy={profile === undefined}
      style={{ top: Math.max(8, Math.min(top, height - 260)), ...(left === undefined ? {} : { left, right: "auto" }) }}
    >
      <div className="with-dot">
        <Avatar name={name} url={user.avatar_url} size={80} />
        <span className={`dot ${p}`} />
      </div>
      <h3 className="profile-name">
        {name}
        {userId === me && <span className="muted"> ({t("profile.you")})</span>}
      </h3>
      {profile?.username && <p className="profile-username muted">@{profile.username}</p>}
      <p className="profile-presence">{t(`presence.${p}`)}</p>
      <CustomStatusLine status={user.custom_status} className="profile-status" />
      {member && <RoleBadge server={server} member={member} />}
      {member && server && member.roles.length > 0 && (
        <ul className="role-chips" aria-label={t("roles.title")}>
          {heldRoles(server, member.roles).map((r) => (
            <li key={r.id} className="role-chip" data-role={r.name}>
              <span className="role-dot" style={{ background: r.color ? hex(r.color) : undefined }} aria-hidden />
              {r.name}
            </li>
          ))}
        </ul>
      )}
      {profile?.about && (
        <section className="profile-about">
          <h4>{t("profile.about")}</h4>
          <p>{profile.about}</p>
        </section>
      )}
      {member && (
        <p className="profile-since muted">
          {t("profile.memberSince")} {formatDay(lang, member.joined_at)}
        </p>
      )}
      {profile && profile.mutual_servers.length > 0 && userId !== me && (
        <section className="profile-mutual">
          <h4>{t("profile.mutual", { n: profile.mutual_servers.length })}</h4>
          <ul>
            {profile.mutual_servers.map((id) => {
              const server = servers.find((x) => x.server.id === id)?.server;
              return server ? (
                <li key={id}>
                  <Avatar name={server.name} url={server.icon_url} size={20} />
                  <span className="mutual-name">{server.name}</span>
                </li>
              ) : null;
            })}
          </ul>
        </section>
      )}
      {userId !== me && member && serverId && <MemberActions serverId={serverId} member={member} />}
      {userId !== me && <CardActions userId={userId} />}
    </div>
  );
}

export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  const error = useStore((s) => s.error);
  const t = useT();
  return (
    <div className="toasts" aria-live="polite">
      {error && (
        <div className="toast error" role="alert" onClick={() => setState({ error: null })}>
          {t("common.error", { reason: error })}
        </div>
      )}
      {toasts.map((x) => (
        <div key={x.id} className="toast">
          <strong>{x.title}</strong>
          <p>{x.body}</p>
        </div>
      ))}
    </div>
  );
}

export function Dialogs() {
  const dialog = useStore((s) => s.dialog);
  if (!dialog) return null;
  const close = () => setState({ dialog: null });
  switch (dialog.type) {
    case "create-server":
      return <CreateServerDialog onClose={close} />;
    case "join":
      return <JoinDialog onClose={close} />;
    case "invite":
      return <InviteDialog serverId={dialog.serverId} onClose={close} />;
    case "accept":
      return <AcceptDialog code={dialog.code} onClose={close} />;
    case "settings":
      return <SettingsDialog onClose={close} />;
    case "admin":
      return <AdminConsole onClose={close} />;
    case "custom-status":
      return <CustomStatusDialog onClose={close} />;
    case "server-settings":
      return <ServerSettingsDialog key={dialog.tab} serverId={dialog.serverId} tab={dialog.tab} onClose={close} />;
    case "leave-server":
      return <LeaveServerDialog serverId={dialog.serverId} onClose={close} />;
    case "create-channel":
      return <CreateChannelDialog serverId={dialog.serverId} onClose={close} />;
    case "delete-channel":
      return <DeleteChannelDialog serverId={dialog.serverId} channelId={dialog.channelId} onClose={close} />;
    case "schedule":
      return <ScheduleDialog serverId={dialog.serverId} onClose={close} />;
    case "channel-topic":
      return <ChannelTopicDialog serverId={dialog.serverId} channelId={dialog.channelId} onClose={close} />;
    case "channel-access":
      return <ChannelAccessDialog serverId={dialog.serverId} channelId={dialog.channelId} onClose={close} />;
    case "new-dm":
      return <NewDmDialog onClose={close} />;
    case "add-to-dm":
      return <AddToDmDialog channelId={dialog.channelId} onClose={close} />;
    case "open-link":
      return <OpenLinkDialog url={dialog.url} onClose={close} />;
  }
}

/// A masked link asks before it opens: its text said one thing, this is
/// where it goes.
function OpenLinkDialog({ url, onClose }: { url: string; onClose: () => void }) {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={t("link.title")} onClose={onClose}>
      <p>{t("link.masked")}</p>
      <p className="link-target">{url}</p>
      {error && <p className="error">{error}</p>}
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button id="open-link" onClick={() => void bridge.openLink(url).then(onClose, (e) => setError(reason(e)))}>
          {t("link.open")}
        </button>
      </div>
    </Modal>
  );
}

function CreateServerDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const [name, setName] = useState("");
  const [image, setImage] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={t("servers.create")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          createServer(name, image).catch((x) => setError(reason(x)));
        }}
      >
        <label>
          {t("servers.name")}
          <input id="server-name" autoFocus value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        </label>
        <label>
          {t("servers.image")}
          <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => setImage(e.target.files?.[0] ?? null)} />
        </label>
        {error && <p className="error">{error}</p>}
        <div className="buttons">
          <button type="button" className="secondary" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" disabled={!name.trim()}>
            {t("common.create")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function JoinDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const [code, setCode] = useState("");
  return (
    <Modal title={t("servers.join")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const c = code.trim().replace(/^pq:\/\/invite\//, "").replace(/\/$/, "");
          if (c) setState({ dialog: { type: "accept", code: c } });
        }}
      >
        <label>
          {t("accept.code")}
          <input id="invite-code" autoFocus value={code} onChange={(e) => setCode(e.target.value)} placeholder="pq://invite/…" />
        </label>
        <div className="buttons">
          <button type="button" className="secondary" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit">{t("accept.look")}</button>
        </div>
      </form>
    </Modal>
  );
}

/// Inviting someone by username or email: it waits in their app, goes by
/// mail, or (a server that sends no mail) the link is for me to pass on.
function SendInviteForm({ serverId }: { serverId: string }) {
  const t = useT();
  const [to, setTo] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = () =>
    void sendInvite(serverId, to).then((r) => {
      if (typeof r === "string") return setResult({ ok: false, text: r });
      const who = r.to?.display_name ?? to.trim();
      setResult({
        ok: r.delivery !== "not_sent",
        text: t(`invites.sent.${r.delivery}`, { name: who, link: r.invite.url }),
      });
      if (r.delivery !== "not_sent") setTo("");
    });
  return (
    <form
      className="send-invite"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label>
        {t("invites.byName")}
        <div className="copy-row">
          <input id="invite-to" value={to} maxLength={254} placeholder={t("invites.placeholder")} onChange={(e) => (setTo(e.target.value), setResult(null))} />
          <button id="invite-send" type="submit" disabled={!to.trim()}>
            {t("invites.send")}
          </button>
        </div>
      </label>
      {result && (
        <p id="invite-result" className={result.ok ? "ok" : "error"} role="status">
          {result.text}
        </p>
      )}
    </form>
  );
}

function InviteDialog({ serverId, onClose }: { serverId: string; onClose: () => void }) {
  const t = useT();
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const [age, setAge] = useState(7 * 24 * 3600);
  const [uses, setUses] = useState(0);
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const make = () =>
    bridge
      .createInvite(serverId, age, uses || null)
      .then((i) => (setLink(i.url), setCopied(false)))
      .catch((x) => setError(reason(x)));
  useEffect(() => {
    void make();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <Modal title={t("invite.title", { server: server?.server.name ?? "" })} onClose={onClose}>
      <label>
        {t("invite.link")}
        <div className="copy-row">
          <input id="invite-link" readOnly value={link ?? "…"} onFocus={(e) => e.currentTarget.select()} />
          <button
            onClick={() => {
              if (link) void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false));
            }}
          >
            {copied ? t("invite.copied") : t("invite.copy")}
          </button>
        </div>
      </label>
      <div className="row">
        <label>
          {t("invite.expires")}
          <select value={age} onChange={(e) => setAge(Number(e.target.value))}>
            <option value={3600}>{t("invite.hour")}</option>
            <option value={86400}>{t("invite.day")}</option>
            <option value={604800}>{t("invite.week")}</option>
            <option value={0}>{t("invite.never")}</option>
          </select>
        </label>
        <label>
          {t("invite.uses")}
          <select value={uses} onChange={(e) => setUses(Number(e.target.value))}>
            <option value={0}>{t("invite.unlimited")}</option>
            {[1, 5, 10, 25, 100].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      <SendInviteForm serverId={serverId} />
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.close")}
        </button>
        <button onClick={() => void make()}>{t("invite.create")}</button>
      </div>
    </Modal>
  );
}

function AcceptDialog({ code, onClose }: { code: string; onClose: () => void }) {
  const t = useT();
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    bridge.previewInvite(code).then(setPreview, (x) => setError(reason(x)));
  }, [code]);
  return (
    <Modal title={t("accept.title")} onClose={onClose}>
      {preview ? (
        <div className="invite-preview" id="invite-preview">
          <Avatar name={preview.server_name} url={preview.server_icon_url} invite={code} size={64} />
          <h3>{preview.server_name}</h3>
          {preview.server_description && <p className="server-description">{preview.server_description}</p>}
          <p className="muted">{t("accept.members", { n: preview.member_count, online: preview.online_count })}</p>
          <p className="muted">{t("accept.from", { name: preview.inviter.display_name })}</p>
          {preview.already_member && <p>{t("accept.already")}</p>}
          <div className="buttons">
            <button className="secondary" onClick={onClose}>
              {t("common.cancel")}
            </button>
            <button id="accept-invite" onClick={() => acceptInvite(code).catch((x) => setError(reason(x)))}>
              {preview.already_member ? t("accept.open") : t("accept.join", { server: preview.server_name })}
            </button>
          </div>
        </div>
      ) : (
        !error && <div className="spinner" />
      )}
      {error && (
        <>
          <p className="error">{error}</p>
          <div className="buttons">
            <button onClick={onClose}>{t("common.close")}</button>
          </div>
        </>
      )}
    </Modal>
  );
}

/** Longest display name (characters), as the server allows. */
const MAX_DISPLAY_NAME = 64;

/** Longest "about me" (characters), as the server allows. */
const MAX_ABOUT = 190;

/** My "about me", saved when it changes. */
/// A change of my account being saved: busy while it runs, then the error
/// to show or "saved".
function useSaving() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const run = async (change: () => Promise<string | null>) => {
    setBusy(true);
    setSaved(false);
    const e = await change();
    setBusy(false);
    setError(e);
    setSaved(e === null);
  };
  return { busy, error, saved, setSaved, run };
}

/// My username: how others find me to ask me to be friends.
function UsernameEditor({ me }: { me: Me }) {
  const t = useT();
  const [name, setName] = useState(me.username ?? "");
  const { busy, error, saved, setSaved, run } = useSaving();
  useEffect(() => setName(me.username ?? ""), [me.username]);
  const wanted = name.trim().replace(/^@/, "").toLowerCase();
  const valid = /^[a-z0-9_.]{2,32}$/.test(wanted);
  const changed = wanted !== (me.username ?? "");
  const save = async () => {
    if (changed && valid && !busy) await run(() => saveUsername(wanted));
  };
  return (
    <div className="profile-fields username-edit">
      <label htmlFor="username">{t("settings.username")}</label>
      <div className="row">
        <span className="at muted">@</span>
        <input
          id="username"
          value={name}
          maxLength={40}
          autoCapitalize="off"
          spellCheck={false}
          onChange={(e) => {
            setName(e.target.value);
            setSaved(false);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.nativeEvent.isComposing) void save();
          }}
        />
        <button id="save-username" disabled={!changed || !valid || busy} onClick={() => void save()}>
          {t("settings.save")}
        </button>
      </div>
      <span className={`muted hint ${name && !valid ? "error" : ""}`}>{t("settings.usernameHint")}</span>
      {error && <p className="error" id="username-error">{error}</p>}
      {saved && <p className="muted" id="username-saved">{t("settings.saved")}</p>}
    </div>
  );
}

function AboutEditor({ me }: { me: Me }) {
  const t = useT();
  const [about, setAbout] = useState(me.about ?? "");
  const { busy, error, saved, setSaved, run } = useSaving();
  useEffect(() => setAbout(me.about ?? ""), [me.about]);
  const length = [...about.trim()].length;
  const changed = about.trim() !== (me.about ?? "");
  const save = async () => {
    if (changed && length <= MAX_ABOUT && !busy) await run(() => saveAbout(about));
  };
  return (
    <div className="profile-fields about-edit">
      <label htmlFor="about-me">{t("settings.aboutMe")}</label>
      <textarea
        id="about-me"
        rows={3}
        value={about}
        maxLength={MAX_ABOUT * 2}
        onChange={(e) => {
          setAbout(e.target.value);
          setSaved(false);
        }}
      />
      <div className="row">
        <span className={`muted hint ${length > MAX_ABOUT ? "error" : ""}`}>
          {t("settings.aboutMeHint", { max: MAX_ABOUT })} ({length}/{MAX_ABOUT})
        </span>
        <button id="save-about" disabled={!changed || length > MAX_ABOUT || busy} onClick={() => void save()}>
          {t("settings.save")}
        </button>
      </div>
      {error && <p className="error" id="about-error">{error}</p>}
      {saved && <p className="muted" id="about-saved">{t("settings.saved")}</p>}
    </div>
  );
}

/** My picture and name, editable; my email and plan. */
function ProfileEditor({ me }: { me: Me }) {
  const t = useT();
  const [name, setName] = useState(me.display_name);
  const { busy, error, saved, setSaved, run } = useSaving();
  useEffect(() => setName(me.display_name), [me.display_name]);
  const trimmed = name.trim();
  const tooLong = [...trimmed].length > MAX_DISPLAY_NAME;
  const changed = trimmed !== me.display_name;
  const save = async () => {
    if (changed && trimmed && !tooLong && !busy) await run(() => saveDisplayName(trimmed));
  };
  const pick = async (file: File | undefined) => {
    if (!file) return;
    await run(async () => {
      try {
        return await saveAvatar(await squarePng(file));
      } catch {
        return t("settings.avatarUnreadable");
      }
    });
  };
  return (
    <div className="account">
      <div className="avatar-edit">
        <Avatar name={me.display_name} url={me.avatar_url} size={64} />
        <label className="button" id="avatar-change">
          {t("settings.avatarChange")}
          <input
            id="avatar-file"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            className="file-input"
            disabled={busy}
            onChange={(e) => {
              void pick(e.target.files?.[0]);
              e.target.value = "";
            }}
          />
        </label>
        {me.avatar_url && (
          <button id="avatar-remove" disabled={busy} onClick={() => void run(() => saveAvatar(null))}>
            {t("settings.avatarRemove")}
          </button>
        )}
      </div>
      <div className="profile-fields">
        <label htmlFor="display-name">{t("settings.displayName")}</label>
        <div className="row">
          <input
            id="display-name"
            value={name}
            maxLength={MAX_DISPLAY_NAME * 2}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.nativeEvent.isComposing) void save();
            }}
          />
          <button id="save-profile" disabled={!changed || !trimmed || tooLong || busy} onClick={() => void save()}>
            {t("settings.save")}
          </button>
        </div>
        {tooLong && <p className="error">{t("settings.displayNameTooLong", { max: MAX_DISPLAY_NAME })}</p>}
        {error && <p className="error" id="profile-error">{error}</p>}
        {saved && <p className="muted" id="profile-saved">{t("settings.saved")}</p>}
        <p className="muted">{me.email}</p>
        <p className="muted">{t("settings.plan", { plan: t(`plan.${me.plan}`) })}</p>
      </div>
    </div>
  );
}

/// The administrators' console (only they see its button; the server
/// checks again): an announcement everyone connected sees at once.
function AdminConsole({ onClose }: { onClose: () => void }) {
  const t = useT();
  const [text, setText] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const length = Array.from(text.trim()).length;
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const toast = await bridge.sendToast(text.trim());
      setSent(toast.text);
      setText("");
    } catch (e) {
      setError(reason(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={t("admin.title")} onClose={onClose}>
      <section>
        <h3>{t("admin.announce")}</h3>
        <p className="muted">{t("admin.announceHint")}</p>
        <label>
          {t("admin.text")}
          <textarea id="announcement" rows={2} maxLength={300} value={text} onChange={(e) => setText(e.target.value)} />
          <span className="muted hint">{length}/300</span>
        </label>
        {error && <p className="error">{error}</p>}
        {sent && <p className="announcement-sent">{t("admin.sent", { text: sent })}</p>}
        <div className="buttons">
          <button id="send-announcement" disabled={busy || length === 0 || length > 300} onClick={() => void send()}>
            {t("admin.send")}
          </button>
        </div>
      </section>
      <AccountsByPlan />
      <EventsAdmin />
      <PaymentsAdmin />
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
    </Modal>
  );
}

const PLANS: Plan[] = ["free", "basic", "premium"];

/// Accounts by plan, newest first: how many each plan has (a click shows
/// only that plan's), and a plan to give each person.
function AccountsByPlan() {
  const t = useT();
  const [filter, setFilter] = useState<Plan | null>(null);
  const [page, setPage] = useState<AdminAccounts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (plan: Plan | null, before: string | null, keep: AdminAccount[]) => {
    try {
      const next = await bridge.adminAccounts(plan, before);
      setPage({ ...next, accounts: [...keep, ...next.accounts] });
      setError(null);
    } catch (e) {
      setError(reason(e));
    }
  };
  useEffect(() => {
    void load(filter, null, []);
  }, [filter]);
  const give = async (a: AdminAccount, plan: Plan) => {
    try {
      await bridge.setUserPlan(a.user.id, plan);
      await load(filter, null, []);
    } catch (e) {
      setError(reason(e));
    }
  };
  return (
    <section id="accounts-by-plan">
      <h3>{t("admin.accounts")}</h3>
      {page && (
        <div className="plan-counts" role="group" aria-label={t("admin.accounts")}>
          {page.plans.map((p) => (
            <button
              key={p.plan}
              className={`plan-count${filter === p.plan ? " active" : ""}`}
              data-plan={p.plan}
              aria-pressed={filter === p.plan}
              onClick={() => setFilter(filter === p.plan ? null : p.plan)}
            >
              {t(`plan.${p.plan}`)} <strong>{p.accounts}</strong>
            </button>
          ))}
        </div>
      )}
      {error && <p className="error">{error}</p>}
      <ul className="accounts">
        {page?.accounts.map((a) => (
          <li key={a.user.id} className="account" data-email={a.email ?? ""}>
            <Avatar name={a.user.display_name} url={a.user.avatar_url} size={28} />
            <span className="account-name">
              {a.user.display_name}
              {a.is_admin && <span className="badge">{t("admin.badge")}</span>}
              <span className="muted"> {a.email ?? ""}</span>
            </span>
            <select className="account-plan" aria-label={t("admin.planOf", { name: a.user.display_name })} value={a.plan} onChange={(e) => void give(a, e.target.value as Plan)}>
              {PLANS.map((p) => (
                <option key={p} value={p}>
                  {t(`plan.${p}`)}
                </option>
              ))}
            </select>
          </li>
        ))}
      </ul>
      {page?.has_more && (
        <button className="secondary" onClick={() => void load(filter, page.accounts[page.accounts.length - 1].user.id, page.accounts)}>
          {t("admin.more")}
        </button>
      )}
    </section>
  );
}

/// The plans this server offers, the person's own marked: price, longest
/// message, largest file (as the server is configured; offline, as last
/// seen); buying, renewing or switching through Toss in the browser; until
/// when the plan runs; the person's payments, with a refund within 3 days.
function Membership({ plan }: { plan: Plan }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const membership = useStore((s) => s.membership);
  const checkout = useStore((s) => s.checkout);
  const events = useStore((s) => s.paidEvents);
  const [plans, setPlans] = useState<PlanInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    bridge.plans().then(
      (p) => {
        setPlans(p);
        void refreshInfo();
      },
      () => setPlans(null),
    );
    bridge.membership().then(
      (m) => setState({ membership: m }),
      () => {},
    );
  }, []);
  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(reason(e));
    } finally {
      setBusy(false);
    }
  };
  const buy = (p: Plan) =>
    act(async () => {
      const c = await bridge.startCheckout(p);
      setState({ checkout: { orderId: c.order_id, result: "pending", reason: null } });
    });
  const keep = (cancel: boolean) => act(async () => setState({ membership: await bridge.setCancelAtPeriodEnd(cancel) }));
  const refund = (orderId: string) =>
    act(async () => {
      await bridge.refundPayment(orderId, null, t("pay.refundReason"));
      setState({ membership: await bridge.membership() });
    });
  if (!plans) return null;
  const end = membership?.plan === plan ? membership.period_end : null;
  const now = Date.now();
  return (
    <section id="membership">
      <h3>{t("settings.membership")}</h3>
      {end && (
        <p className="membership-period" data-cancel={membership?.cancel_at_period_end ? "yes" : "no"}>
          {t(membership?.cancel_at_period_end ? "pay.endsOn" : "pay.renewBy", { plan: t(`plan.${plan}`), date: formatDay(lang, end) })}{" "}
          <button className="link" id="toggle-renewal" disabled={busy} onClick={() => void keep(!membership?.cancel_at_period_end)}>
            {t(membership?.cancel_at_period_end ? "pay.keepRenewing" : "pay.dontRenew")}
          </button>
        </p>
      )}
      <table className="plans">
        <thead>
          <tr>
            <th />
            <th>{t("plan.priceHead")}</th>
            <th>{t("plan.messageHead")}</th>
            <th>{t("plan.fileHead")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {plans.map((p) => (
            <tr key={p.plan} data-plan={p.plan} className={p.plan === plan ? "mine" : ""}>
              <th scope="row">
                {t(`plan.${p.plan}`)}
                {p.plan === plan && <span className="badge">{t("plan.yours")}</span>}
              </th>
              <td>{p.price_krw === 0 ? t("plan.noCharge") : t("plan.price", { price: p.price_krw.toLocaleString("en-US") })}</td>
              <td>{t("plan.chars", { n: p.max_message_chars.toLocaleString("en-US") })}</td>
              <td>{formatSize(p.max_upload_bytes)}</td>
              <td>
                {p.price_krw > 0 && (
                  <button className="buy-plan" data-plan={p.plan} disabled={busy} onClick={() => void buy(p.plan)}>
                    {t(p.plan === plan ? "pay.renew" : "pay.buy", { plan: t(`plan.${p.plan}`) })}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {checkout?.result === "pending" && <p className="checkout-pending">{t("pay.inBrowser")}</p>}
      {checkout?.result === "failed" && <p className="error checkout-failed">{t("pay.failedBody", { reason: checkout.reason ?? "" })}</p>}
      {error && <p className="error">{error}</p>}
      <p className="muted hint">{t("settings.membershipHint")}</p>
      <p className="muted hint">{t("pay.hint")}</p>
      <PaidEvents />
      {membership && membership.payments.length > 0 && (
        <>
          <h4>{t("pay.history")}</h4>
          <ul className="payments">
            {membership.payments.map((x) => (
              <li key={x.order_id} className="payment" data-order={x.order_id} data-status={x.status}>
                <span>{formatDay(lang, x.created_at)}</span>
                <span>{x.event_id ? t("ev.entriesOf", { n: x.entries }) : t(`plan.${x.plan}`)}</span>
                <span>{t("plan.price", { price: x.amount_krw.toLocaleString("en-US") }).replace(/ .*/, "")}</span>
                <span className={`status ${x.status}`} title={x.failure ?? ""}>
                  {t(`pay.status.${x.status}`)}
                  {x.refunded_krw > 0 && x.status !== "refunded" && ` (−₩${x.refunded_krw.toLocaleString("en-US")})`}
                </span>
                {x.refundable_until && Date.parse(x.refundable_until) > now && entriesOpen(x, events) && (
                  <button className="link refund" disabled={busy} onClick={() => void refund(x.order_id)}>
                    {t("pay.refund")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/// Whether a payment can still be given back as far as its event goes:
/// entries are final once their event has ended (plans: always).
function entriesOpen(p: Payment, events: PaidEvent[] | null): boolean {
  if (!p.event_id) return true;
  return events?.find((e) => e.id === p.event_id)?.state === "open";
}

/// Paid events as members see them: buy entries while one is open; once
/// drawn, the winner and a check of the draw by pq's own code.
function PaidEvents() {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const events = useStore((s) => s.paidEvents);
  const [entries, setEntries] = useState<Record<string, number>>({});
  const [checks, setChecks] = useState<Record<string, { check: DrawCheck; names: Record<string, string> }>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void loadPaidEvents();
  }, []);
  if (!events || events.length === 0) return null;
  const buy = async (e: PaidEvent) => {
    setError(null);
    try {
      const c = await bridge.buyEntries(e.id, entries[e.id] ?? 1);
      setState({ checkout: { orderId: c.order_id, result: "pending", reason: null } });
    } catch (x) {
      setError(reason(x));
    }
  };
  const verify = async (e: PaidEvent) => {
    setError(null);
    try {
      const [check, list] = await Promise.all([bridge.verifyDraw(e.id), bridge.eventParticipants(e.id)]);
      const names = Object.fromEntries(list.participants.map((p) => [p.user_id, p.display_name]));
      setChecks((c) => ({ ...c, [e.id]: { check, names } }));
    } catch (x) {
      setError(reason(x));
    }
  };
  return (
    <section id="paid-events">
      <h4>{t("ev.title")}</h4>
      {error && <p className="error">{error}</p>}
      <ul className="paid-events">
        {events.map((e) => {
          const c = checks[e.id];
          return (
            <li key={e.id} className="paid-event" data-id={e.id} data-state={e.state}>
              <div>
                <strong>{e.title}</strong> <span className={`badge state-${e.state}`}>{t(`ev.state.${e.state}`)}</span>
              </div>
              <div className="muted">
                {t("ev.summary", {
                  price: e.entry_price_krw.toLocaleString("en-US"),
                  pot: e.pot_krw.toLocaleString("en-US"),
                  entries: e.entries,
                  people: e.participants,
                  end: formatDay(lang, e.ends_at),
                })}
              </div>
              <div className="muted commitment" title={e.commitment}>
                {t("ev.commitment", { hash: e.commitment.slice(0, 16) })}
              </div>
              {e.state === "open" && (
                <div className="buy-entries">
                  <input
                    type="number"
                    min={1}
                    max={100}
                    aria-label={t("ev.entries")}
                    value={entries[e.id] ?? 1}
                    onChange={(x) => setEntries({ ...entries, [e.id]: Math.max(1, Math.min(100, Number(x.target.value) || 1)) })}
                  />
                  <button className="buy-entry" onClick={() => void buy(e)}>
                    {t("ev.buy", { price: ((entries[e.id] ?? 1) * e.entry_price_krw).toLocaleString("en-US") })}
                  </button>
                </div>
              )}
              {e.state === "drawn" && (
                <div className="draw">
                  <button className="link verify-draw" onClick={() => void verify(e)}>
                    {t("ev.verify")}
                  </button>
                  {c && (
                    <p className={`draw-check ${c.check.holds ? "holds" : "broken"}`}>
                      {c.check.holds
                        ? t("ev.holds", { name: c.names[c.check.recomputed ?? ""] ?? "?" })
                        : t("ev.broken", { name: c.names[c.check.recomputed ?? ""] ?? "?" })}
                    </p>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/// Paid events for administrators: create one (its commitment is published
/// at once), open or close entries now, draw the winner, see who entered.
function EventsAdmin() {
  const t = useT();
  const events = useStore((s) => s.paidEvents);
  const [title, setTitle] = useState("");
  const [price, setPrice] = useState(1500);
  const [days, setDays] = useState(7);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<EventParticipants | null>(null);
  useEffect(() => {
    void loadPaidEvents();
  }, []);
  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
    } catch (x) {
      setError(reason(x));
    }
  };
  const create = () =>
    run(async () => {
      const now = Date.now();
      await bridge.createPaidEvent({
        title: title.trim(),
        entry_price_krw: price,
        starts_at: new Date(now).toISOString(),
        ends_at: new Date(now + days * 86_400_000).toISOString(),
      });
      setTitle("");
    });
  return (
    <section id="events-admin">
      <h3>{t("ev.adminTitle")}</h3>
      <div className="event-form">
        <input id="event-title" placeholder={t("ev.name")} maxLength={100} value={title} onChange={(e) => setTitle(e.target.value)} />
        <label>
          {t("ev.price")}
          <input id="event-price" type="number" min={100} value={price} onChange={(e) => setPrice(Number(e.target.value) || 0)} />
        </label>
        <label>
          {t("ev.days")}
          <input id="event-days" type="number" min={1} max={90} value={days} onChange={(e) => setDays(Number(e.target.value) || 1)} />
        </label>
        <button id="create-event" disabled={title.trim().length === 0} onClick={() => void create()}>
          {t("ev.create")}
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      <ul className="paid-events">
        {events?.map((e) => (
          <li key={e.id} className="paid-event" data-id={e.id} data-state={e.state}>
            <strong>{e.title}</strong> <span className={`badge state-${e.state}`}>{t(`ev.state.${e.state}`)}</span>{" "}
            <span className="muted">
              {t("ev.adminSummary", { pot: e.pot_krw.toLocaleString("en-US"), entries: e.entries, people: e.participants })}
            </span>
            <span className="event-actions">
              {e.state === "scheduled" && (
                <button className="secondary" onClick={() => void run(() => bridge.paidEventAction(e.id, "start"))}>
                  {t("ev.start")}
                </button>
              )}
              {(e.state === "open" || e.state === "scheduled") && (
                <button className="secondary end-event" onClick={() => void run(() => bridge.paidEventAction(e.id, "end"))}>
                  {t("ev.end")}
                </button>
              )}
              {e.state === "closed" && (
                <button className="draw-event" onClick={() => void run(() => bridge.paidEventAction(e.id, "draw"))}>
                  {t("ev.draw")}
                </button>
              )}
              <button className="link show-participants" onClick={() => void run(async () => setShown(await bridge.eventParticipants(e.id)))}>
                {t("ev.participants")}
              </button>
            </span>
            {shown?.event.id === e.id && (
              <ol className="participants">
                {shown.participants.map((p) => (
                  <li key={p.user_id} data-user={p.user_id}>
                    {p.display_name} × {p.entries}
                    {shown.event.winner === p.user_id && <span className="badge winner">{t("ev.winner")}</span>}
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/// Payments for administrators: what came in and went back, every payment
/// newest first with a refund of any part, and the ledger checked against
/// Toss.
function PaymentsAdmin() {
  const t = useT();
  const events = useStore((s) => s.paidEvents);
  const [page, setPage] = useState<AdminPayments | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [check, setCheck] = useState<Reconciliation | null>(null);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const load = async (before: string | null, keep: Payment[]) => {
    try {
      const next = await bridge.adminPayments(before);
      setPage({ ...next, payments: [...keep, ...next.payments] });
      setError(null);
    } catch (e) {
      setError(reason(e));
    }
  };
  useEffect(() => {
    void load(null, []);
  }, []);
  const refund = async (x: Payment) => {
    const raw = amounts[x.order_id]?.trim();
    const amount = raw ? Number(raw) : null;
    try {
      await bridge.refundPayment(x.order_id, amount, t("pay.adminReason"));
      await load(null, []);
    } catch (e) {
      setError(reason(e));
    }
  };
  const reconcile = async () => {
    try {
      setCheck(await bridge.reconcilePayments());
    } catch (e) {
      setError(reason(e));
    }
  };
  return (
    <section id="payments-admin">
      <h3>{t("pay.adminTitle")}</h3>
      {page && (
        <p className="payment-totals">
          {t("pay.totals", { paid: page.paid_krw.toLocaleString("en-US"), refunded: page.refunded_krw.toLocaleString("en-US") })}
        </p>
      )}
      {error && <p className="error">{error}</p>}
      <ul className="payments">
        {page?.payments.map((x) => {
          const left = x.amount_krw - x.refunded_krw;
          const open = (x.status === "paid" || x.status === "partially_refunded") && entriesOpen(x, events);
          return (
            <li key={x.order_id} className="payment" data-order={x.order_id} data-status={x.status}>
              <span>{x.created_at.slice(0, 10)}</span>
              <span>{x.event_id ? t("ev.entriesOf", { n: x.entries }) : t(`plan.${x.plan}`)}</span>
              <span>₩{x.amount_krw.toLocaleString("en-US")}</span>
              <span className={`status ${x.status}`}>{t(`pay.status.${x.status}`)}</span>
              {open && (
                <>
                  <input
                    className="refund-amount"
                    type="number"
                    min={1}
                    max={left}
                    placeholder={String(left)}
                    aria-label={t("pay.refundAmount")}
                    value={amounts[x.order_id] ?? ""}
                    onChange={(e) => setAmounts({ ...amounts, [x.order_id]: e.target.value })}
                  />
                  <button className="link refund" onClick={() => void refund(x)}>
                    {t("pay.refund")}
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      {page?.has_more && (
        <button className="secondary" onClick={() => void load(page.payments[page.payments.length - 1].order_id, page.payments)}>
          {t("admin.more")}
        </button>
      )}
      <div className="buttons">
        <button className="secondary" id="reconcile" onClick={() => void reconcile()}>
          {t("pay.reconcile")}
        </button>
      </div>
      {check && (
        <p className="reconciliation" data-mismatches={check.mismatches.length}>
          {check.mismatches.length === 0
            ? t("pay.agree", { n: check.checked })
            : t("pay.disagree", { n: check.mismatches.length, ids: check.mismatches.map((m) => `${m.order_id}: ${m.ours} ≠ ${m.theirs}`).join("; ") })}
        </p>
      )}
    </section>
  );
}

/// Updates of pq: check, the version found, the download's progress (its
/// signature checked), and "Restart to update".
function UpdateLine() {
  const t = useT();
  const update = useStore((s) => s.update);
  const [checking, setChecking] = useState(false);
  const [installing, setInstalling] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const check = async () => {
    setChecking(true);
    setNote(null);
    try {
      if (!(await checkUpdate())) setNote(t("update.none"));
    } catch (e) {
      setNote(reason(e));
    } finally {
      setChecking(false);
    }
  };
  const percent = update?.total ? Math.round((100 * update.received) / update.total) : null;
  return (
    <div id="update" data-phase={update?.phase ?? "none"}>
      {update && (
        <p className="update-found">
          {t("update.available", { version: update.version })}
          {update.notes && <span className="muted"> — {update.notes}</span>}
        </p>
      )}
      {update?.phase === "downloading" && (
        <progress className="update-progress" max={100} value={percent ?? undefined} aria-label={t("update.downloading")} />
      )}
      {update?.phase === "failed" && <p className="error update-error">{update.error}</p>}
      <div className="buttons left">
        <button className="secondary" id="check-update" disabled={checking} onClick={() => void check()}>
          {t("update.check")}
        </button>
        {update && (update.phase === "available" || update.phase === "failed") && (
          <button id="download-update" onClick={() => void downloadUpdate()}>
            {t("update.download")}
          </button>
        )}
        {update?.phase === "ready" && (
          <button
            id="restart-update"
            disabled={installing}
            onClick={() => {
              // The system installs it (asking for the password), then pq
              // starts again; on failure, say why and offer it again.
              setInstalling(true);
              setNote(null);
              void bridge.restartToUpdate().catch((e) => {
                setInstalling(false);
                setNote(reason(e));
              });
            }}
          >
            {t(installing ? "update.installing" : "update.restart")}
          </button>
        )}
      </div>
      {note && <p className="muted update-note">{note}</p>}
    </div>
  );
}

/// Budgets offered for the offline copies of attachments.
const FILE_BUDGETS = [128, 256, 512, 1024, 2048, 5120].map((mb) => mb * 1024 * 1024);

/// How much disk the offline copies of attachments may take (the engine
/// evicts the least recently viewed first).
function FileCacheSetting() {
  const t = useT();
  const [cache, setCache] = useState<FileCache | null>(null);
  useEffect(() => {
    bridge.fileCache().then(setCache, () => setCache(null));
  }, []);
  if (!cache) return null;
  const budgets = FILE_BUDGETS.includes(cache.budget) ? FILE_BUDGETS : [...FILE_BUDGETS, cache.budget].sort((a, b) => a - b);
  return (
    <label>
      {t("settings.files")}
      <select
        id="file-budget"
        value={cache.budget}
        onChange={(e) => void bridge.setFileCacheBudget(Number(e.target.value)).then(setCache, (err) => setState({ error: String(err?.message ?? err) }))}
      >
        {budgets.map((b) => (
          <option key={b} value={b}>
            {formatSize(b)}
          </option>
        ))}
      </select>
      <span className="muted hint">{t("settings.filesUsed", { used: formatSize(cache.used), budget: formatSize(cache.budget) })}</span>
    </label>
  );
}

function SettingsDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const info = useStore((s) => s.info);
  // The server's version, asked for when the dialog opens (null: unreachable).
  const [serverVersion, setServerVersion] = useState<Health | null | undefined>(undefined);
  useEffect(() => {
    bridge.serverVersion().then(setServerVersion, () => setServerVersion(null));
  }, []);
  if (!info) return null;
  const settings = info.settings;
  const me = info.me;
  const serverUrl = info.server_url.replace(/\/$/, "");
  return (
    <Modal title={t("settings.title")} onClose={onClose}>
      <section>
        <h3>{t("settings.account")}</h3>
        {me && <ProfileEditor me={me} />}
        {me && <UsernameEditor me={me} />}
        {me && <AboutEditor me={me} />}
        {me && (
          <label className="check">
            <input
              id="allow-server-dms"
              type="checkbox"
              checked={me.allow_server_dms}
              onChange={(e) => void saveAllowServerDms(e.target.checked).then((error) => error && setState({ error }))}
            />
            {t("settings.allowServerDms")}
          </label>
        )}
        <button id="sign-out" className="danger" onClick={() => void signOut()}>
          {t("settings.signout")}
        </button>
      </section>
      <section>
        <label className="check">
          <input id="notifications" type="checkbox" checked={settings.notifications} onChange={(e) => void saveSettings({ ...settings, notifications: e.target.checked })} />
          {t("settings.notifications")}
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.close_to_tray} onChange={(e) => void saveSettings({ ...settings, close_to_tray: e.target.checked })} />
          {t("settings.closeToTray")}
        </label>
        <div className="row">
          <label>
            {t("settings.theme")}
            <select id="theme" value={settings.theme} onChange={(e) => void saveSettings({ ...settings, theme: e.target.value })}>
              <option value="system">{t("settings.system")}</option>
              <option value="light">{t("settings.light")}</option>
              <option value="dark">{t("settings.dark")}</option>
            </select>
          </label>
          <label>
            {t("settings.language")}
            <select id="language" value={settings.language} onChange={(e) => void saveSettings({ ...settings, language: e.target.value })}>
              <option value="system">{t("settings.system")}</option>
              <option value="en">English</option>
              <option value="ko">한국어</option>
            </select>
          </label>
        </div>
        {info.gpu !== null && (
          <label>
            {t("settings.acceleration")}
            <select id="acceleration" value={settings.acceleration} onChange={(e) => void saveSettings({ ...settings, acceleration: e.target.value as Acceleration })}>
              <option value="auto">{t(info.gpu ? "settings.accelerationAutoOn" : "settings.accelerationAutoOff")}</option>
              <option value="on">{t("settings.on")}</option>
              <option value="off">{t("settings.off")}</option>
            </select>
            <span className="muted hint">{t("settings.accelerationHint")}</span>
          </label>
        )}
        {me && <FileCacheSetting />}
      </section>
      {me && <Membership plan={me.plan} />}
      <section id="about">
        <h3>{t("settings.about")}</h3>
        <p>{t("settings.version", { version: info.version, commit: info.commit, protocol: info.protocol })}</p>
        {serverVersion !== undefined && (
          <p className="muted">
            {serverVersion === null
              ? t("settings.serverUnreachable", { url: serverUrl })
              : serverVersion.protocol === null
                ? t("settings.server", { url: serverUrl, version: serverVersion.version })
                : t("settings.serverProtocol", { url: serverUrl, version: serverVersion.version, protocol: serverVersion.protocol })}
          </p>
        )}
        <UpdateLine />
      </section>
      <div className="buttons">
        <button onClick={onClose}>{t("common.close")}</button>
      </div>
    </Modal>
  );
}

import { useCallback, useState } from "react";
import type { CachedChannel } from "../bindings";
import {
  dmTitle,
  openHome,
  createChannel,
  dropChannel,
  moveChannel,
  moveChannelTo,
  joinVoice,
  leaveVoice,
  renameChannel,
  selectChannel,
  selectServer,
  setMuted,
  setVoice,
  toggleCollapsed,
} from "../state/actions";
import { can } from "../state/roles";
import { EMPTY, setState, useStore } from "../state/store";
import { Avatar, Icon, useT } from "./common";
import { StatusMenu, liveStatus, shownAs, useNow } from "./Status";
import { HomeButton, HomeSidebar } from "./Friends";
import { ServerMenu } from "./ServerAdmin";

export function ServerRail() {
  const t = useT();
  const servers = useStore((s) => s.servers);
  const home = useStore((s) => s.home);
  const current = useStore((s) => (s.home ? null : s.serverId));
  const channels = useStore((s) => s.channels);
  return (
    <nav className="rail" aria-label="Servers">
      <HomeButton active={home} onClick={openHome} />
      <div className="rail-separator" aria-hidden />
      {servers.map((s) => {
        const unread = (channels[s.server.id] ?? []).some((c) => c.unread_count > 0 && !c.muted);
        return (
          <button
            key={s.server.id}
            className={`rail-item${s.server.id === current ? " active" : ""}${unread ? " unread" : ""}`}
            title={s.server.name}
            aria-label={s.server.name}
            onClick={() => void selectServer(s.server.id)}
          >
            <Avatar name={s.server.name} url={s.server.icon_url} size={44} />
          </button>
        );
      })}
      <button id="add-server" className="rail-item add" title={t("servers.add")} onClick={() => setState({ dialog: { type: "create-server" } })}>
        <Icon name="plus" size={22} />
      </button>
      <button id="join-server" className="rail-item add" title={t("servers.join")} onClick={() => setState({ dialog: { type: "join" } })}>
        <Icon name="join" size={20} />
      </button>
    </nav>
  );
}

export function ChannelList() {
  const t = useT();
  const serverId = useStore((s) => s.serverId);
  const server = useStore((s) => s.servers.find((x) => x.server.id === s.serverId));
  const channels = useStore((s) => (s.serverId ? s.channels[s.serverId] ?? EMPTY : EMPTY));
  const collapsed = useStore((s) => s.collapsed);
  const [adding, setAdding] = useState<string | null>(null);
  const home = useStore((s) => s.home);
  if (home) {
    return (
      <aside className="channels" aria-label={t("home.title")}>
        <header className="server-head">
          <span className="server-name">{t("home.title")}</span>
        </header>
        <HomeSidebar />
        <CallBar />
        <MeFooter />
      </aside>
    );
  }
  if (!serverId || !server) {
    return (
      <aside className="channels">
        <div className="channel-scroll">
          <p className="muted pad">{t("servers.none")}</p>
        </div>
        <MeFooter />
      </aside>
    );
  }
  const admin = can(server, "manage_channels");
  const categories = channels.filter((c) => c.channel.kind === "category");
  // A channel in a private category is private with it.
  const lockedCategories = new Set(categories.filter((c) => c.channel.private).map((c) => c.channel.id));
  const top = channels.filter((c) => c.channel.kind !== "category" && !c.channel.parent_id);
  const inCategory = (id: string) => channels.filter((c) => c.channel.parent_id === id);
  return (
    <aside className="channels" aria-label="Channels">
      <header className="server-head">
        <ServerMenu serverId={serverId} />
        <button className="icon" title={t("channels.invite")} id="invite-button" onClick={() => setState({ dialog: { type: "invite", serverId } })}>
          <Icon name="invite" />
        </button>
      </header>
      <div className="channel-scroll">
        {top.map((c) => (
          <ChannelRow key={c.channel.id} c={c} admin={admin} locked={c.channel.private || lockedCategories.has(c.channel.parent_id ?? "")} />
        ))}
        {categories.map((cat) => (
          <div key={cat.channel.id} className="category">
            <div className="category-head" {...(admin ? dragProps(cat.channel.server_id, cat.channel.id) : {})}>
              <button className="category-toggle" onClick={() => toggleCollapsed(cat.channel.id)} aria-expanded={!collapsed[cat.channel.id]}>
                <span className="chevron">{collapsed[cat.channel.id] ? "▸" : "▾"}</span> {cat.channel.name}
              </button>
              {cat.channel.private && (
                <span className="lock" title={t("channels.private")} aria-label={t("channels.private")}>
                  <Icon name="lock" size={12} />
                </span>
              )}
              {admin && (
                <button className="icon small" title={t("channels.new")} onClick={() => setAdding(cat.channel.id)}>
                  +
                </button>
              )}
              {admin && (
                <button
                  className="icon small category-access"
                  title={t("channels.access")}
                  aria-label={t("channels.access")}
                  onClick={() => setState({ dialog: { type: "channel-access", serverId, channelId: cat.channel.id } })}
                >
                  ⚙
                </button>
              )}
            </div>
            {!collapsed[cat.channel.id] && inCategory(cat.channel.id).map((c) => <ChannelRow key={c.channel.id} c={c} admin={admin} locked={c.channel.private || lockedCategories.has(c.channel.parent_id ?? "")} />)}
            {adding === cat.channel.id && (
              <NewChannel
                onDone={(name, kind) => {
                  setAdding(null);
                  if (name) void createChannel(serverId, name, kind, cat.channel.id);
                }}
              />
            )}
          </div>
        ))}
      </div>
      <CallBar />
      <MeFooter />
    </aside>
  );
}

/// My call: where, how it is going, and its controls.
function CallBar() {
  const t = useT();
  const call = useStore((s) => s.call);
  const channels = useStore((s) => s.channels);
  // A call in a conversation is named after it.
  const dmRoom = useStore((s) => {
    const dm = s.call ? s.dms.find((d) => d.channel.id === s.call?.channel_id) : undefined;
    return dm ? dmTitle(dm, s.info?.me?.id, s.users) : "";
  });
  if (!call) return null;
  const room = Object.values(channels).flat().find((c) => c.channel.id === call.channel_id)?.channel.name ?? dmRoom;
  const muted = call.me?.self_mute ?? false;
  const deafened = call.me?.self_deaf ?? false;
  const connected = call.participants.filter((p) => p.connection === "connected").length;
  const status =
    call.state.state === "joining"
      ? t("call.joining")
      : call.participants.length === 0
        ? t("call.alone")
        : t("call.connectedTo", { n: connected, total: call.participants.length });
  return (
    <section className="call-bar" aria-label={t("call.title")}>
      <div className="call-where">
        <strong className="call-state">{t("call.connected")}</strong>
        <button id="call-show" className="link muted" title={`${t("call.show")}: ${room} · ${status}`} onClick={() => setState({ callView: true })}>
          {room} · <span className="call-status">{status}</span>
        </button>
      </div>
      <button id="call-mute" className={`icon${muted ? " on" : ""}`} aria-pressed={muted} title={muted ? t("call.unmute") : t("call.mute")} onClick={() => void setVoice(!muted, null)}>
        <Icon name={muted ? "mic-off" : "mic"} label={muted ? t("call.unmute") : t("call.mute")} />
      </button>
      <button id="call-deafen" className={`icon${deafened ? " on" : ""}`} aria-pressed={deafened} title={deafened ? t("call.undeafen") : t("call.deafen")} onClick={() => void setVoice(null, !deafened)}>
        <Icon name="deafened" label={deafened ? t("call.undeafen") : t("call.deafen")} />
      </button>
      <button id="call-leave" className="icon danger" title={t("call.leave")} onClick={() => void leaveVoice()}>
        <Icon name="leave" label={t("call.leave")} />
      </button>
    </section>
  );
}

/// Who is signed in, with my status (a click opens its menu) and the way to settings.
function MeFooter() {
  const t = useT();
  const me = useStore((s) => s.info?.me);
  const status = useStore((s) => s.info?.status ?? "auto");
  const [menu, setMenu] = useState(false);
  const close = useCallback(() => setMenu(false), []);
  const now = useNow();
  if (!me) return null;
  const shown = shownAs(status);
  const custom = liveStatus(me.custom_status, now);
  return (
    <footer className="me">
      {menu && <StatusMenu onClose={close} />}
      <button
        id="status-button"
        className="me-status"
        aria-haspopup="menu"
        aria-expanded={menu}
        title={t(`status.${status}`)}
        onClick={() => setMenu((m) => !m)}
      >
        <div className="with-dot">
          <Avatar name={me.display_name} url={me.avatar_url} size={32} />
          <span className={`dot ${shown}`} />
        </div>
        <span className="me-text">
          <span className="me-name">{me.display_name}</span>
          <span className={custom ? "custom-status" : "me-presence"}>{custom ? custom.text : t(`status.${status}`)}</span>
        </span>
      </button>
      {me.is_admin && (
        <button id="open-admin" className="icon" title={t("admin.title")} aria-label={t("admin.title")} onClick={() => setState({ dialog: { type: "admin" } })}>
          <Icon name="shield" />
        </button>
      )}
      <button id="open-settings" className="icon" title={t("settings.title")} onClick={() => setState({ dialog: { type: "settings" } })}>
        <Icon name="settings" />
      </button>
    </footer>
  );
}

/// What makes a channel row or category head draggable, and a place to drop
/// another on (for those who may arrange channels).
function dragProps(serverId: string, id: string) {
  return {
    draggable: true,
    "data-drag": id,
    onDragStart: (e: React.DragEvent) => {
      e.dataTransfer.setData("text/x-pq-channel", id);
      e.dataTransfer.effectAllowed = "move";
    },
    onDragOver: (e: React.DragEvent) => {
      if (e.dataTransfer.types.includes("text/x-pq-channel")) {
        e.preventDefault();
        e.currentTarget.classList.add("drop-target");
      }
    },
    onDragLeave: (e: React.DragEvent) => e.currentTarget.classList.remove("drop-target"),
    onDrop: (e: React.DragEvent) => {
      e.preventDefault();
      e.currentTarget.classList.remove("drop-target");
      const dragged = e.dataTransfer.getData("text/x-pq-channel");
      if (dragged) void dropChannel(serverId, dragged, id);
    },
  };
}

function ChannelRow({ c, admin, locked }: { c: CachedChannel; admin: boolean; locked: boolean }) {
  const t = useT();
  const active = useStore((s) => s.channelId === c.channel.id);
  const [renaming, setRenaming] = useState(false);
  const [menu, setMenu] = useState(false);
  const sid = c.channel.server_id;
  if (renaming) {
    return (
      <InlineName
        initial={c.channel.name}
        onDone={(name) => {
          setRenaming(false);
          if (name && name !== c.channel.name) void renameChannel(sid, c.channel.id, name);
        }}
      />
    );
  }
  const unread = c.unread_count > 0 && !c.muted;
  return (
    <div
      className={`channel-row${active ? " active" : ""}${unread ? " unread" : ""}${c.muted ? " muted" : ""}`}
      {...(admin ? dragProps(sid, c.channel.id) : {})}
    >
      <button
        className="channel"
        data-channel={c.channel.name}
        onClick={() => {
          if (c.channel.kind === "text") void selectChannel(c.channel.id);
          else if (c.channel.kind === "voice") void joinVoice(c.channel.id);
        }}
        onContextMenu={(e) => {
          e.preventDefault();
          setMenu(true);
        }}
      >
        <span className="hash">{c.channel.kind === "voice" ? <Icon name="voice" size={16} /> : "#"}</span>
        <span className="channel-name">{c.channel.name}</span>
        {locked && (
          <span className="lock" title={t("channels.private")} aria-label={t("channels.private")}>
            <Icon name="lock" size={12} />
          </span>
        )}
        {unread && c.mention_count > 0 && (
          <span className="badge mention" aria-label={t("channels.mentions", { n: c.mention_count })}>
            @{c.mention_count > 99 ? "99+" : c.mention_count}
          </span>
        )}
        {unread && <span className="badge" aria-label={`${c.unread_count} unread`}>{c.unread_count > 99 ? "99+" : c.unread_count}</span>}
      </button>
      <button className="icon small more" onClick={() => setMenu(!menu)} aria-label="Channel menu">
        ⋯
      </button>
      {c.channel.kind === "voice" && <VoiceRoster serverId={sid} channelId={c.channel.id} />}
      {menu && (
        <div className="menu" onMouseLeave={() => setMenu(false)}>
          <button onClick={() => (setMenu(false), void setMuted(sid, c.channel.id, !c.muted))}>
            {c.muted ? t("channels.unmute") : t("channels.mute")}
          </button>
          {admin && <button onClick={() => (setMenu(false), setRenaming(true))}>{t("channels.rename")}</button>}
          {admin && <ChannelPlaceItems c={c} onDone={() => setMenu(false)} />}
          {admin && c.channel.kind === "text" && (
            <button
              className="channel-topic-edit"
              onClick={() => (setMenu(false), setState({ dialog: { type: "channel-topic", serverId: sid, channelId: c.channel.id } }))}
            >
              {t("channels.editTopic")}
            </button>
          )}
          {admin && (
            <button
              className="channel-access"
              onClick={() => (setMenu(false), setState({ dialog: { type: "channel-access", serverId: sid, channelId: c.channel.id } }))}
            >
              {t("channels.access")}
            </button>
          )}
          {admin && (
            <button
              className="danger delete-channel"
              onClick={() => (setMenu(false), setState({ dialog: { type: "delete-channel", serverId: sid, channelId: c.channel.id } }))}
            >
              {t("channels.delete")}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/// Moving a channel: up or down among its siblings, or to another category.
function ChannelPlaceItems({ c, onDone }: { c: CachedChannel; onDone: () => void }) {
  const t = useT();
  const channels = useStore((s) => s.channels[c.channel.server_id] ?? EMPTY);
  const category = c.channel.kind === "category";
  const categories = channels.filter((x) => x.channel.kind === "category");
  return (
    <>
      <button className="move-up" onClick={() => (onDone(), void moveChannel(c, -1))}>
        {t("channels.moveUp")}
      </button>
      <button className="move-down" onClick={() => (onDone(), void moveChannel(c, 1))}>
        {t("channels.moveDown")}
      </button>
      {!category && (
        <label className="move-to">
          {t("channels.moveTo")}
          <select
            value={c.channel.parent_id ?? ""}
            onChange={(e) => {
              onDone();
              void moveChannelTo(c, e.target.value || null);
            }}
          >
            <option value="">{t("channels.noCategory")}</option>
            {categories.map((x) => (
              <option key={x.channel.id} value={x.channel.id}>
                {x.channel.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}

/// Who is in a voice room, under its channel.
function VoiceRoster({ serverId, channelId }: { serverId: string; channelId: string }) {
  const t = useT();
  const states = useStore((s) => s.voice[serverId]);
  const users = useStore((s) => s.users);
  const here = (states ?? []).filter((v) => v.channel_id === channelId);
  if (here.length === 0) return null;
  return (
    <ul className="voice-roster" aria-label={t("voice.inRoom", { n: here.length })}>
      {here.map((v) => {
        const user = users[v.user_id];
        const muted = v.self_mute || v.server_mute;
        return (
          <li key={v.user_id} className={`voice-person${v.speaking ? " speaking" : ""}`} data-user={user?.display_name ?? v.user_id}>
            <Avatar name={user?.display_name ?? "?"} url={user?.avatar_url} size={20} />
            <span className="name">{user?.display_name ?? "…"}</span>
            {v.camera && <Icon name="camera" size={14} label={t("voice.camera")} />}
            {muted && <Icon name="mic-off" size={14} label={v.server_mute ? t("voice.serverMuted") : t("voice.muted")} />}
            {v.self_deaf && <Icon name="deafened" size={14} label={t("voice.deafened")} />}
          </li>
        );
      })}
    </ul>
  );
}

/// A name typed in place: Enter keeps it, Escape drops it.
/// A new channel's name, and whether it is for text or voice (chosen, not
/// guessed from the category's name).
function NewChannel({ onDone }: { onDone: (name: string | null, kind: "text" | "voice") => void }) {
  const t = useT();
  const [kind, setKind] = useState<"text" | "voice">("text");
  return (
    <div className="new-channel">
      <div className="kind-pick" role="radiogroup" aria-label={t("channels.kind")}>
        {(["text", "voice"] as const).map((k) => (
          <button
            key={k}
            id={`new-channel-${k}`}
            role="radio"
            aria-checked={kind === k}
            className={kind === k ? "active" : ""}
            // Keeps the name field focused (leaving it cancels).
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => setKind(k)}
          >
            {t(k === "text" ? "channels.kindText" : "channels.kindVoice")}
          </button>
        ))}
      </div>
      <InlineName placeholder={t(kind === "text" ? "channels.newText" : "channels.newVoice")} onDone={(name) => onDone(name, kind)} />
    </div>
  );
}

export function InlineName({ initial = "", placeholder, onDone }: { initial?: string; placeholder?: string; onDone: (name: string | null) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <input
      className="inline-name"
      autoFocus
      value={value}
      placeholder={placeholder}
      onChange={(e) => setValue(e.target.value)}
      onBlur={() => onDone(null)}
      onKeyDown={(e) => {
        if (e.key === "Enter") onDone(value.trim() || null);
        if (e.key === "Escape") onDone(null);
      }}
    />
  );
}

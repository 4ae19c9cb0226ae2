// Running a server from the app: the server menu (invite, settings, leave),
// the settings dialog (name, picture, invites, deleting it), leaving, and
// the member actions on a person's card (role, handing over, removing).

import { useCallback, useEffect, useState } from "react";
import type { AuditEntry, Ban, ChannelId, Invite, NotifyLevel, PurgeWindow, Role, ServerId, UserId } from "../bindings";
import * as bridge from "../bridge/commands";
import { formatDay, formatTime } from "../i18n";
import {
  banMember,
  createChannel,
  deleteChannel,
  deleteServer,
  kickMember,
  leaveServer,
  reason,
  renameServer,
  setMemberRole,
  setServerIcon,
  setServerNotify,
} from "../state/actions";
import { EMPTY, setState, useStore } from "../state/store";
import { Modal, useDismiss, useT } from "./common";

/// The server's name in its header: a click opens the server menu.
export function ServerMenu({ serverId }: { serverId: ServerId }) {
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!server) return null;
  const admin = server.role === "owner" || server.role === "admin";
  const pick = (dialog: Parameters<typeof setState>[0]) => () => {
    setOpen(false);
    setState(dialog);
  };
  return (
    <div className="server-menu-wrap">
      <button id="server-menu-button" className="server-name" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        {server.server.name} <span className="chevron" aria-hidden>▾</span>
      </button>
      {open && (
        <ServerMenuItems serverId={serverId} admin={admin} owner={server.role === "owner"} notify={server.notify} pick={pick} onClose={close} />
      )}
    </div>
  );
}

function ServerMenuItems(p: {
  serverId: ServerId;
  admin: boolean;
  owner: boolean;
  notify: NotifyLevel;
  pick: (d: Parameters<typeof setState>[0]) => () => void;
  onClose: () => void;
}) {
  const t = useT();
  useDismiss(".server-menu-wrap", p.onClose);
  return (
    <div className="menu server-menu" role="menu">
      <button id="menu-invite" role="menuitem" onClick={p.pick({ dialog: { type: "invite", serverId: p.serverId } })}>
        {t("serverMenu.invite")}
      </button>
      {p.admin && (
        <button id="menu-settings" role="menuitem" onClick={p.pick({ dialog: { type: "server-settings", serverId: p.serverId } })}>
          {t("serverMenu.settings")}
        </button>
      )}
      {p.admin && (
        <button id="menu-create-channel" role="menuitem" onClick={p.pick({ dialog: { type: "create-channel", serverId: p.serverId } })}>
          {t("serverMenu.createChannel")}
        </button>
      )}
      <div className="menu-group" role="group" aria-label={t("serverMenu.notify")}>
        <span className="menu-label">{t("serverMenu.notify")}</span>
        {(["all", "mentions", "nothing"] as const).map((level) => (
          <button
            key={level}
            id={`notify-${level}`}
            role="menuitemradio"
            aria-checked={p.notify === level}
            onClick={() => void setServerNotify(p.serverId, level)}
          >
            <span className="radio" aria-hidden>
              {p.notify === level ? "●" : "○"}
            </span>{" "}
            {t(`serverMenu.notify.${level}`)}
          </button>
        ))}
      </div>
      {!p.owner && (
        <button id="menu-leave" role="menuitem" className="danger-text" onClick={p.pick({ dialog: { type: "leave-server", serverId: p.serverId } })}>
          {t("serverMenu.leave")}
        </button>
      )}
    </div>
  );
}

/// A server's settings: its name and picture, its invites, and (its owner)
/// deleting it after typing its name.
export function ServerSettingsDialog({ serverId, onClose }: { serverId: ServerId; onClose: () => void }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const users = useStore((s) => s.users);
  const [name, setName] = useState(server?.server.name ?? "");
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [confirm, setConfirm] = useState("");
  const [bans, setBans] = useState<Ban[] | null>(null);
  const loadInvites = useCallback(() => {
    bridge.invites(serverId).then(setInvites, (e) => setError(reason(e)));
  }, [serverId]);
  const loadBans = useCallback(() => {
    bridge.bans(serverId).then(setBans, (e) => setError(reason(e)));
  }, [serverId]);
  useEffect(loadInvites, [loadInvites]);
  useEffect(loadBans, [loadBans]);
  if (!server) return null;
  const owner = server.role === "owner";
  const run = (work: () => Promise<string | null>, then?: () => void) => () =>
    void work().then((e) => {
      setError(e);
      if (!e) then?.();
    });
  return (
    <Modal title={t("serverSettings.title", { server: server.server.name })} onClose={onClose}>
      <section>
        <h3>{t("serverSettings.overview")}</h3>
        <label>
          {t("servers.name")}
          <div className="copy-row">
            <input id="server-settings-name" value={name} maxLength={100} onChange={(e) => (setName(e.target.value), setSaved(false))} />
            <button
              id="server-settings-save"
              disabled={!name.trim() || name.trim() === server.server.name}
              onClick={run(() => renameServer(serverId, name), () => setSaved(true))}
            >
              {t("common.save")}
            </button>
          </div>
        </label>
        {saved && (
          <p id="server-settings-saved" className="ok" role="status">
            {t("serverSettings.saved")}
          </p>
        )}
        <label>
          {t("servers.image")}
          <input
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void setServerIcon(serverId, file).then(setError);
            }}
          />
        </label>
      </section>
      <section>
        <h3>{t("serverSettings.invites")}</h3>
        {invites === null ? (
          <p className="muted">…</p>
        ) : invites.length === 0 ? (
          <p className="muted">{t("serverSettings.noInvites")}</p>
        ) : (
          <ul className="invite-list">
            {invites.map((i) => (
              <li key={i.code} data-invite={i.code}>
                <code>{i.code.slice(0, 10)}…</code>
                <span className="muted small">
                  {t("serverSettings.inviteBy", { name: users[i.creator_id]?.display_name ?? "…" })} ·{" "}
                  {i.max_uses === null ? t("serverSettings.uses", { n: i.uses }) : t("serverSettings.usesOf", { n: i.uses, max: i.max_uses })} ·{" "}
                  {i.expires_at ? t("serverSettings.until", { day: formatDay(lang, i.expires_at) }) : t("invite.never")}
                </span>
                <button
                  className="revoke-invite danger"
                  onClick={() => void bridge.revokeInvite(i.code).then(loadInvites, (e) => setError(reason(e)))}
                >
                  {t("serverSettings.revoke")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h3>{t("serverSettings.bans")}</h3>
        {bans !== null && bans.length === 0 ? (
          <p className="muted">{t("serverSettings.noBans")}</p>
        ) : (
          <ul className="invite-list ban-list">
            {(bans ?? []).map((b) => (
              <li key={b.user.id} data-ban={b.user.display_name}>
                <span>{b.user.display_name}</span>
                <span className="muted small">
                  {t("serverSettings.bannedBy", { name: users[b.banned_by]?.display_name ?? "…", day: formatDay(lang, b.created_at) })}
                </span>
                <button className="unban" onClick={() => void bridge.unban(serverId, b.user.id).then(loadBans, (e) => setError(reason(e)))}>
                  {t("serverSettings.unban")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <AuditLog serverId={serverId} />
      {owner && (
        <section className="danger-zone">
          <h3>{t("serverSettings.delete")}</h3>
          <p className="muted">{t("serverSettings.deleteHint", { server: server.server.name })}</p>
          <div className="copy-row">
            <input id="delete-confirm" value={confirm} placeholder={server.server.name} onChange={(e) => setConfirm(e.target.value)} />
            <button id="delete-server" className="danger" disabled={confirm.trim() !== server.server.name} onClick={run(() => deleteServer(serverId), onClose)}>
              {t("serverSettings.deleteButton")}
            </button>
          </div>
        </section>
      )}
      {error && (
        <p id="server-settings-error" className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button onClick={onClose}>{t("common.close")}</button>
      </div>
    </Modal>
  );
}

/// Leaving a server, confirmed.
export function LeaveServerDialog({ serverId, onClose }: { serverId: ServerId; onClose: () => void }) {
  const t = useT();
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const [error, setError] = useState<string | null>(null);
  if (!server) return null;
  return (
    <Modal title={t("serverMenu.leaveTitle", { server: server.server.name })} onClose={onClose}>
      <p>{t("serverMenu.leaveHint")}</p>
      {error && <p className="error">{error}</p>}
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button id="leave-confirm" className="danger" onClick={() => void leaveServer(serverId).then((e) => (e ? setError(e) : onClose()))}>
          {t("serverMenu.leave")}
        </button>
      </div>
    </Modal>
  );
}

/// What I may do to someone in this server, on their card: the owner sets
/// roles and hands the server over; the owner and admins remove people
/// below them. Removing and handing over ask to be confirmed.
export function MemberActions({ serverId, userId, role }: { serverId: ServerId; userId: UserId; role: Role }) {
  const t = useT();
  const mine = useStore((s) => s.servers.find((x) => x.server.id === serverId)?.role);
  const name = useStore((s) => s.users[userId]?.display_name ?? "…");
  const [confirm, setConfirm] = useState<"kick" | "ban" | "transfer" | null>(null);
  const [purge, setPurge] = useState<PurgeWindow | "">("");
  const [error, setError] = useState<string | null>(null);
  const below = mine === "owner" ? role !== "owner" : mine === "admin" && role === "member";
  if (!below) return null;
  const done = (e: string | null) => {
    setError(e);
    setConfirm(null);
  };
  return (
    <section className="member-actions">
      {mine === "owner" && (
        <label className="role-pick">
          {t("memberActions.role")}
          <select id="card-role" value={role} onChange={(e) => void setMemberRole(serverId, userId, e.target.value as Role).then(done)}>
            <option value="member">{t("role.member")}</option>
            <option value="admin">{t("role.admin")}</option>
          </select>
        </label>
      )}
      {confirm === null ? (
        <div className="card-actions">
          {mine === "owner" && (
            <button id="card-transfer" onClick={() => setConfirm("transfer")}>
              {t("memberActions.transfer")}
            </button>
          )}
          <button id="card-kick" className="danger" onClick={() => setConfirm("kick")}>
            {t("memberActions.kick")}
          </button>
          <button id="card-ban" className="danger" onClick={() => setConfirm("ban")}>
            {t("memberActions.ban")}
          </button>
        </div>
      ) : (
        <div className="confirm" role="alert">
          <p>{t(`memberActions.${confirm}Confirm`, { name })}</p>
          {confirm === "ban" && (
            <label className="role-pick">
              {t("memberActions.purge")}
              <select id="ban-purge" value={purge} onChange={(e) => setPurge(e.target.value as PurgeWindow | "")}>
                <option value="">{t("memberActions.purgeNone")}</option>
                <option value="hour">{t("invite.hour")}</option>
                <option value="day">{t("invite.day")}</option>
                <option value="week">{t("invite.week")}</option>
              </select>
            </label>
          )}
          <div className="card-actions">
            <button onClick={() => setConfirm(null)}>{t("common.cancel")}</button>
            <button
              id="card-confirm"
              className="danger"
              onClick={() =>
                void (
                  confirm === "kick"
                    ? kickMember(serverId, userId)
                    : confirm === "ban"
                      ? banMember(serverId, userId, purge || null)
                      : setMemberRole(serverId, userId, "owner")
                ).then(done)
              }
            >
              {t(`memberActions.${confirm}`)}
            </button>
          </div>
        </div>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}

/// A new channel or category, its type chosen, under a category or at the top.
export function CreateChannelDialog({ serverId, onClose }: { serverId: ServerId; onClose: () => void }) {
  const t = useT();
  const channels = useStore((s) => s.channels[serverId] ?? EMPTY);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"text" | "voice" | "category">("text");
  const [parent, setParent] = useState("");
  const [error, setError] = useState<string | null>(null);
  const categories = channels.filter((c) => c.channel.kind === "category");
  return (
    <Modal title={t("serverMenu.createChannel")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void createChannel(serverId, name.trim(), kind, kind === "category" ? null : parent || null).then((err) =>
            err ? setError(err) : onClose(),
          );
        }}
      >
        <fieldset className="kind-choice">
          <legend>{t("channels.kind")}</legend>
          {(["text", "voice", "category"] as const).map((k) => (
            <label key={k} className="check">
              <input id={`create-kind-${k}`} type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} />
              {t(`channels.kindName.${k}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t("channels.name")}
          <input id="create-channel-name" autoFocus value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        {kind !== "category" && (
          <label>
            {t("channels.inCategory")}
            <select id="create-channel-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
              <option value="">{t("channels.noCategory")}</option>
              {categories.map((c) => (
                <option key={c.channel.id} value={c.channel.id}>
                  {c.channel.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {error && <p className="error">{error}</p>}
        <div className="buttons">
          <button type="button" className="secondary" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button id="create-channel-save" type="submit" disabled={!name.trim()}>
            {t("common.create")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/// Deleting a channel (and every message in it, for everyone), confirmed.
export function DeleteChannelDialog({ serverId, channelId, onClose }: { serverId: ServerId; channelId: ChannelId; onClose: () => void }) {
  const t = useT();
  const channel = useStore((s) => (s.channels[serverId] ?? EMPTY).find((c) => c.channel.id === channelId));
  if (!channel) return null;
  const category = channel.channel.kind === "category";
  return (
    <Modal title={t(category ? "channels.deleteCategoryTitle" : "channels.deleteTitle", { name: channel.channel.name })} onClose={onClose}>
      <p>{t(category ? "channels.deleteCategoryHint" : "channels.deleteHint")}</p>
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button id="delete-channel-confirm" className="danger" onClick={() => (onClose(), void deleteChannel(serverId, channelId))}>
          {t("channels.delete")}
        </button>
      </div>
    </Modal>
  );
}

/// The server's audit log, newest first, a page at a time.
function AuditLog({ serverId }: { serverId: ServerId }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    (before: number | null) =>
      bridge.auditLog(serverId, before).then(
        (page) => {
          setEntries((e) => (before === null ? page.entries : [...e, ...page.entries]));
          setMore(page.has_more);
        },
        (e) => setError(reason(e)),
      ),
    [serverId],
  );
  useEffect(() => {
    void load(null);
  }, [load]);
  const line = (e: AuditEntry) => {
    const detail =
      e.action === "role_changed" && e.detail
        ? t(`role.${e.detail}` as never)
        : e.action === "channels_moved"
          ? Number(e.detail ?? 0)
          : (e.detail ?? "");
    return t(`audit.${e.action}`, { actor: e.actor.display_name, target: e.target_user?.display_name ?? "", detail });
  };
  return (
    <section>
      <h3>{t("serverSettings.audit")}</h3>
      {entries.length === 0 && !error ? (
        <p className="muted">{t("serverSettings.noAudit")}</p>
      ) : (
        <ul className="audit-log">
          {entries.map((e) => (
            <li key={e.id} data-audit={e.action}>
              <span>{line(e)}</span>
              <span className="muted small">
                {formatDay(lang, e.created_at)} {formatTime(lang, e.created_at)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {more && (
        <button id="audit-older" className="secondary" onClick={() => void load(entries.at(-1)?.id ?? null)}>
          {t("serverSettings.older")}
        </button>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}

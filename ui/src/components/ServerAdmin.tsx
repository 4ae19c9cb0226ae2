// Running a server from the app: the server menu (invite, settings, leave),
// the settings dialog (overview, roles, invites, bans, audit log; each tab
// for those whose permissions allow it), leaving, and the member actions on
// a person's card (roles, handing over, removing, banning).

import { useCallback, useEffect, useState } from "react";
import type { AuditEntry, Ban, CachedServer, ChannelAccess, ChannelId, EventSpec, ScheduledEvent, Invite, Member, NotifyLevel, Permission, PurgeWindow, ServerId, ServerRole } from "../bindings";
import * as bridge from "../bridge/commands";
import { formatDay, formatTime } from "../i18n";
import {
  banMember,
  createChannel,
  createEvent,
  updateEvent,
  createRole,
  deleteChannel,
  deleteEvent,
  deleteRole,
  deleteServer,
  kickMember,
  leaveServer,
  loadUpcoming,
  reason,
  renameServer,
  setMemberRole,
  setServerIcon,
  setChannelAccess,
  setChannelTopic,
  setEventInterest,
  setServerDescription,
  setServerNotify,
  transferServer,
  updateRole,
} from "../state/actions";
import { PERMISSIONS, can, hex, isEveryone, myRank, rank } from "../state/roles";
import { EMPTY, setState, useStore } from "../state/store";
import { Modal, useDismiss, useT } from "./common";

/// The server's name in its header: a click opens the server menu.
export function ServerMenu({ serverId }: { serverId: ServerId }) {
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!server) return null;
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
        <ServerMenuItems server={server} pick={pick} onClose={close} />
      )}
    </div>
  );
}

/// The settings tabs, each with the permission that opens it.
const TABS: { tab: SettingsTab; needs: Permission }[] = [
  { tab: "overview", needs: "manage_server" },
  { tab: "roles", needs: "manage_roles" },
  { tab: "invites", needs: "manage_invites" },
  { tab: "bans", needs: "ban_members" },
  { tab: "audit", needs: "manage_server" },
];
type SettingsTab = "overview" | "roles" | "invites" | "bans" | "audit";

function ServerMenuItems(p: { server: CachedServer; pick: (d: Parameters<typeof setState>[0]) => () => void; onClose: () => void }) {
  const t = useT();
  const me = useStore((s) => s.info?.me?.id);
  useDismiss(".server-menu-wrap", p.onClose);
  const serverId = p.server.server.id;
  const notify: NotifyLevel = p.server.notify;
  const owner = p.server.server.owner_id === me;
  return (
    <div className="menu server-menu" role="menu">
      {can(p.server, "create_invites") && (
        <button id="menu-invite" role="menuitem" onClick={p.pick({ dialog: { type: "invite", serverId } })}>
          {t("serverMenu.invite")}
        </button>
      )}
      {TABS.some((x) => can(p.server, x.needs)) && (
        <button id="menu-settings" role="menuitem" onClick={p.pick({ dialog: { type: "server-settings", serverId } })}>
          {t("serverMenu.settings")}
        </button>
      )}
      {can(p.server, "manage_roles") && (
        <button id="menu-roles" role="menuitem" onClick={p.pick({ dialog: { type: "server-settings", serverId, tab: "roles" } })}>
          {t("serverMenu.roles")}
        </button>
      )}
      <button id="menu-events" role="menuitem" onClick={p.pick({ dialog: { type: "schedule", serverId } })}>
        {t("serverMenu.events")}
      </button>
      {can(p.server, "manage_channels") && (
        <button id="menu-create-channel" role="menuitem" onClick={p.pick({ dialog: { type: "create-channel", serverId } })}>
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
            aria-checked={notify === level}
            onClick={() => void setServerNotify(serverId, level)}
          >
            <span className="radio" aria-hidden>
              {notify === level ? "●" : "○"}
            </span>{" "}
            {t(`serverMenu.notify.${level}`)}
          </button>
        ))}
      </div>
      {!owner && (
        <button id="menu-leave" role="menuitem" className="danger-text" onClick={p.pick({ dialog: { type: "leave-server", serverId } })}>
          {t("serverMenu.leave")}
        </button>
      )}
    </div>
  );
}

/// A server's settings, a tab for each part its permissions open: the
/// overview (name, picture; the owner deletes it after typing its name),
/// roles, invites, bans and the audit log.
export function ServerSettingsDialog({ serverId, tab, onClose }: { serverId: ServerId; tab?: SettingsTab; onClose: () => void }) {
  const t = useT();
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const tabs = server ? TABS.filter((x) => can(server, x.needs)).map((x) => x.tab) : [];
  const [open, setOpen] = useState<SettingsTab | undefined>(tab);
  if (!server) return null;
  const shown = open && tabs.includes(open) ? open : tabs[0];
  return (
    <Modal title={t("serverSettings.title", { server: server.server.name })} onClose={onClose}>
      <div className="settings-tabs" role="tablist">
        {tabs.map((x) => (
          <button key={x} id={`settings-tab-${x}`} role="tab" aria-selected={x === shown} onClick={() => setOpen(x)}>
            {t(`serverSettings.${x}`)}
          </button>
        ))}
      </div>
      {shown === "overview" && <Overview server={server} onClose={onClose} />}
      {shown === "roles" && <RoleEditor server={server} />}
      {shown === "invites" && <Invites serverId={serverId} />}
      {shown === "bans" && <Bans serverId={serverId} />}
      {shown === "audit" && <AuditLog serverId={serverId} />}
      <div className="buttons">
        <button onClick={onClose}>{t("common.close")}</button>
      </div>
    </Modal>
  );
}

/// A server's name and picture, and (its owner) deleting it.
function Overview({ server, onClose }: { server: CachedServer; onClose: () => void }) {
  const t = useT();
  const me = useStore((s) => s.info?.me?.id);
  const serverId = server.server.id;
  const [name, setName] = useState(server.server.name);
  const [description, setDescription] = useState(server.server.description ?? "");
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState("");
  const run = (work: () => Promise<string | null>, then?: () => void) => () =>
    void work().then((e) => {
      setError(e);
      if (!e) then?.();
    });
  return (
    <>
      <section>
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
          {t("serverSettings.description")}
          <textarea id="server-description" value={description} maxLength={300} rows={3} onChange={(e) => (setDescription(e.target.value), setSaved(false))} />
        </label>
        <div className="buttons">
          <button
            id="server-description-save"
            disabled={description.trim() === (server.server.description ?? "")}
            onClick={run(() => setServerDescription(serverId, description), () => setSaved(true))}
          >
            {t("serverSettings.saveDescription")}
          </button>
        </div>
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
      {server.server.owner_id === me && (
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
    </>
  );
}

/// The server's usable invites: who made each, how often it was used, until when; revoke.
function Invites({ serverId }: { serverId: ServerId }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const users = useStore((s) => s.users);
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    bridge.invites(serverId).then(setInvites, (e) => setError(reason(e)));
  }, [serverId]);
  useEffect(load, [load]);
  return (
    <section>
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
              <button className="revoke-invite danger" onClick={() => void bridge.revokeInvite(i.code).then(load, (e) => setError(reason(e)))}>
                {t("serverSettings.revoke")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}

/// Who is banned, by whom and since when; lift a ban.
function Bans({ serverId }: { serverId: ServerId }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const users = useStore((s) => s.users);
  const [bans, setBans] = useState<Ban[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    bridge.bans(serverId).then(setBans, (e) => setError(reason(e)));
  }, [serverId]);
  useEffect(load, [load]);
  return (
    <section>
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
              <button className="unban" onClick={() => void bridge.unban(serverId, b.user.id).then(load, (e) => setError(reason(e)))}>
                {t("serverSettings.unban")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}

/// The roles, highest first: pick one to change its name, colour, rank and
/// permissions, or delete it; make a new one. Roles at or above my own rank
/// are shown but locked, and so are the permissions I do not have.
function RoleEditor({ server }: { server: CachedServer }) {
  const t = useT();
  const me = useStore((s) => s.info?.me?.id);
  const serverId = server.server.id;
  const roles = [...server.roles].sort((a, b) => b.position - a.position);
  const [picked, setPicked] = useState<string | null>(roles[0]?.id ?? null);
  const [error, setError] = useState<string | null>(null);
  const role = roles.find((r) => r.id === picked) ?? roles[0];
  const mine = myRank(server, me);
  const top = roles.length - 1;
  const locked = !role || (!isEveryone(server, role) && role.position >= mine);
  const change = (c: Parameters<typeof updateRole>[2]) => role && void updateRole(serverId, role.id, c).then(setError);
  return (
    <section className="role-editor">
      <div className="role-list">
        <ul role="listbox" aria-label={t("roles.title")}>
          {roles.map((r) => (
            <li key={r.id}>
              <button
                className={`role-row${r.id === role?.id ? " picked" : ""}`}
                role="option"
                aria-selected={r.id === role?.id}
                data-role-row={r.name}
                onClick={() => (setPicked(r.id), setError(null))}
              >
                <span className="role-dot" style={{ background: r.color ? hex(r.color) : undefined }} aria-hidden />
                {r.name}
              </button>
            </li>
          ))}
        </ul>
        <button
          id="role-create"
          onClick={() =>
            void createRole(serverId, t("roles.newName")).then((r) => (typeof r === "string" ? setError(r) : (setPicked(r.id), setError(null))))
          }
        >
          {t("roles.create")}
        </button>
      </div>
      {role && (
        <RoleForm key={role.id} server={server} role={role} locked={locked} top={top} mine={mine} change={change} onDelete={() => void deleteRole(serverId, role.id).then((e) => (setError(e), e || setPicked(null)))} />
      )}
      {error && (
        <p id="role-error" className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function RoleForm(p: {
  server: CachedServer;
  role: ServerRole;
  locked: boolean;
  top: number;
  mine: number;
  change: (c: { name?: string; color?: number; position?: number; permissions?: Permission[] }) => void;
  onDelete: () => void;
}) {
  const t = useT();
  const everyone = isEveryone(p.server, p.role);
  const [name, setName] = useState(p.role.name);
  const [confirming, setConfirming] = useState(false);
  // Ticked at once (two quick ticks must not undo each other), then as the server has it.
  const [perms, setPerms] = useState(p.role.permissions);
  useEffect(() => setPerms(p.role.permissions), [p.role.permissions]);
  const allowed = (x: Permission) => perms.includes(x);
  const toggle = (x: Permission, on: boolean) => {
    const next = on ? [...perms, x] : perms.filter((y) => y !== x);
    setPerms(next);
    p.change({ permissions: next });
  };
  return (
    <div className="role-form" data-role-form={p.role.name}>
      {p.locked && <p className="muted small">{t("roles.locked")}</p>}
      {!everyone && (
        <>
          <label>
            {t("roles.name")}
            <div className="copy-row">
              <input id="role-name" value={name} maxLength={100} disabled={p.locked} onChange={(e) => setName(e.target.value)} />
              <button id="role-name-save" disabled={p.locked || !name.trim() || name.trim() === p.role.name} onClick={() => p.change({ name: name.trim() })}>
                {t("common.save")}
              </button>
            </div>
          </label>
          <div className="role-color-row">
            <label>
              {t("roles.color")}
              <input
                id="role-color"
                type="color"
                disabled={p.locked}
                value={hex(p.role.color || 0x99aab5)}
                onChange={(e) => p.change({ color: parseInt(e.target.value.slice(1), 16) })}
              />
            </label>
            <button className="secondary small" disabled={p.locked || p.role.color === 0} onClick={() => p.change({ color: 0 })}>
              {t("roles.noColor")}
            </button>
            <button id="role-up" className="secondary small" title={t("roles.up")} disabled={p.locked || p.role.position >= Math.min(p.top, p.mine - 1)} onClick={() => p.change({ position: p.role.position + 1 })}>
              ↑
            </button>
            <button id="role-down" className="secondary small" title={t("roles.down")} disabled={p.locked || p.role.position <= 1} onClick={() => p.change({ position: p.role.position - 1 })}>
              ↓
            </button>
          </div>
        </>
      )}
      {everyone && <p className="muted small">{t("roles.everyoneHint")}</p>}
      <fieldset className="permissions">
        <legend>{t("roles.permissions")}</legend>
        {PERMISSIONS.map((x) => (
          <label key={x} className="check permission">
            <input
              type="checkbox"
              data-permission={x}
              checked={allowed(x)}
              disabled={p.locked || !can(p.server, x)}
              onChange={(e) => toggle(x, e.target.checked)}
            />
            <span>
              {t(`permission.${x}`)}
              <span className="muted small"> {t(`permission.${x}.hint`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {!everyone && !p.locked && (
        <div className="card-actions">
          {confirming ? (
            <>
              <span>{t("roles.deleteConfirm", { name: p.role.name })}</span>
              <button onClick={() => setConfirming(false)}>{t("common.cancel")}</button>
              <button id="role-delete-confirm" className="danger" onClick={p.onDelete}>
                {t("roles.delete")}
              </button>
            </>
          ) : (
            <button id="role-delete" className="danger" onClick={() => setConfirming(true)}>
              {t("roles.delete")}
            </button>
          )}
        </div>
      )}
    </div>
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

/// What I may do to someone in this server, on their card, as far as my
/// permissions and rank allow: give or take roles below mine, remove or ban
/// them (if they rank below me), hand the server over (its owner).
/// Removing, banning and handing over ask to be confirmed.
export function MemberActions({ serverId, member }: { serverId: ServerId; member: Member }) {
  const t = useT();
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const me = useStore((s) => s.info?.me?.id);
  const userId = member.user.id;
  const name = member.user.display_name;
  const [confirm, setConfirm] = useState<"kick" | "ban" | "transfer" | null>(null);
  const [purge, setPurge] = useState<PurgeWindow | "">("");
  const [error, setError] = useState<string | null>(null);
  if (!server) return null;
  const mine = myRank(server, me);
  const below = mine > rank(server, userId, member.roles);
  const owner = server.server.owner_id === me;
  const givable = can(server, "manage_roles") && below ? server.roles.filter((r) => !isEveryone(server, r) && r.position < mine) : [];
  const kick = below && can(server, "kick_members");
  const ban = below && can(server, "ban_members");
  if (!owner && !kick && !ban && givable.length === 0) return null;
  const done = (e: string | null) => {
    setError(e);
    setConfirm(null);
  };
  return (
    <section className="member-actions">
      {givable.length > 0 && (
        <fieldset className="role-picks">
          <legend>{t("roles.title")}</legend>
          {[...givable]
            .sort((a, b) => b.position - a.position)
            .map((r) => (
              <label key={r.id} className="check">
                <input
                  type="checkbox"
                  data-give-role={r.name}
                  checked={member.roles.includes(r.id)}
                  onChange={(e) => void setMemberRole(serverId, userId, r.id, e.target.checked).then(done)}
                />
                <span className="role-dot" style={{ background: r.color ? hex(r.color) : undefined }} aria-hidden />
                {r.name}
              </label>
            ))}
        </fieldset>
      )}
      {confirm === null ? (
        <div className="card-actions">
          {owner && (
            <button id="card-transfer" onClick={() => setConfirm("transfer")}>
              {t("memberActions.transfer")}
            </button>
          )}
          {kick && (
            <button id="card-kick" className="danger" onClick={() => setConfirm("kick")}>
              {t("memberActions.kick")}
            </button>
          )}
          {ban && (
            <button id="card-ban" className="danger" onClick={() => setConfirm("ban")}>
              {t("memberActions.ban")}
            </button>
          )}
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
                      : transferServer(serverId, userId)
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

/// A server's schedule: its events to come, soonest first, each to be
/// interested in (reminders come 10 minutes before and at the start); those
/// with `manage_events` schedule and cancel them.
export function ScheduleDialog({ serverId, onClose }: { serverId: ServerId; onClose: () => void }) {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const me = useStore((s) => s.info?.me?.id);
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const channels = useStore((s) => s.channels[serverId] ?? EMPTY);
  const upcoming = useStore((s) => s.upcoming);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [start, setStart] = useState("");
  const [length, setLength] = useState(60);
  const [room, setRoom] = useState("");
  const [weekly, setWeekly] = useState(false);
  const [about, setAbout] = useState("");
  // The event being changed (null: a new one).
  const [editing, setEditing] = useState<string | null>(null);
  useEffect(() => {
    void loadUpcoming();
  }, []);
  const local = (iso: string) => {
    const d = new Date(iso);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  const edit = (e: ScheduledEvent) => {
    setEditing(e.id);
    setTitle(e.title);
    setStart(local(e.starts_at));
    setLength(e.ends_at ? Math.round((new Date(e.ends_at).getTime() - new Date(e.starts_at).getTime()) / 60_000) : 0);
    setRoom(e.channel_id ?? "");
    setWeekly(e.repeat === "weekly");
    setAbout(e.description ?? "");
  };
  const reset = () => {
    setEditing(null);
    setTitle("");
    setStart("");
    setAbout("");
    setRoom("");
    setWeekly(false);
    setLength(60);
  };
  if (!server) return null;
  const manage = can(server, "manage_events");
  const events = upcoming.filter(([e]) => e.server_id === serverId);
  const voice = channels.filter((c) => c.channel.kind === "voice");
  const create = () => {
    const begins = new Date(start);
    if (!title.trim() || Number.isNaN(begins.getTime())) return;
    const spec: EventSpec = {
      title: title.trim(),
      starts_at: begins.toISOString(),
      ...(length > 0 ? { ends_at: new Date(begins.getTime() + length * 60_000).toISOString() } : {}),
      ...(about.trim() ? { description: about.trim() } : {}),
      ...(room ? { channel_id: room } : {}),
      ...(weekly ? { repeat: "weekly" as const } : {}),
    };
    void (editing ? updateEvent(editing, spec) : createEvent(serverId, spec)).then((e) => {
      setError(e);
      if (!e) reset();
    });
  };
  return (
    <Modal title={t("events.title", { server: server.server.name })} onClose={onClose}>
      {events.length === 0 ? (
        <p className="muted">{t("events.none")}</p>
      ) : (
        <ul className="event-list">
          {events.map(([e, next]) => {
            const mine = !!me && e.interested.includes(me);
            const channel = voice.find((c) => c.channel.id === e.channel_id)?.channel.name;
            return (
              <li key={e.id} className="event-row" data-event={e.title}>
                <div className="event-when">
                  <strong>{formatDay(lang, next)}</strong>
                  <span>{formatTime(lang, next)}</span>
                </div>
                <div className="event-what">
                  <strong>{e.title}</strong>
                  {e.description && <span className="muted small">{e.description}</span>}
                  <span className="muted small">
                    {[channel && t("events.in", { channel }), e.repeat === "weekly" && t("events.weekly"), t("events.interestedCount", { n: e.interested.length })]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                </div>
                <div className="event-actions">
                  <button className={`event-interest${mine ? " secondary" : ""}`} aria-pressed={mine} onClick={() => void setEventInterest(e.id, !mine).then(setError)}>
                    {mine ? t("events.notInterested") : t("events.interested")}
                  </button>
                  {manage && (
                    <button className="secondary event-edit" onClick={() => edit(e)}>
                      {t("events.edit")}
                    </button>
                  )}
                  {manage && (
                    <button className="danger event-delete" onClick={() => void deleteEvent(serverId, e.id).then(setError)}>
                      {t("events.cancel")}
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {manage && (
        <form
          className="event-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            create();
          }}
        >
          <h3>{editing ? t("events.editing") : t("events.new")}</h3>
          <label>
            {t("events.name")}
            <input id="event-title" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <div className="row">
            <label>
              {t("events.starts")}
              <input id="event-start" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
            </label>
            <label>
              {t("events.length")}
              <select id="event-length" value={length} onChange={(e) => setLength(Number(e.target.value))}>
                {![0, 30, 60, 120].includes(length) && <option value={length}>{t("events.minutes", { n: length })}</option>}
                <option value={30}>{t("events.minutes", { n: 30 })}</option>
                <option value={60}>{t("events.hours", { n: 1 })}</option>
                <option value={120}>{t("events.hours", { n: 2 })}</option>
                <option value={0}>{t("events.noEnd")}</option>
              </select>
            </label>
          </div>
          <label>
            {t("events.room")}
            <select id="event-room" value={room} onChange={(e) => setRoom(e.target.value)}>
              <option value="">{t("events.noRoom")}</option>
              {voice.map((c) => (
                <option key={c.channel.id} value={c.channel.id}>
                  {c.channel.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("events.about")}
            <textarea id="event-about" value={about} maxLength={1000} rows={2} onChange={(e) => setAbout(e.target.value)} />
          </label>
          <label className="check">
            <input id="event-weekly" type="checkbox" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} />
            {t("events.weekly")}
          </label>
          <div className="buttons">
            {editing && (
              <button type="button" className="secondary" onClick={reset}>
                {t("common.cancel")}
              </button>
            )}
            <button id="event-create" type="submit" disabled={!title.trim() || !start}>
              {editing ? t("common.save") : t("events.schedule")}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p id="event-error" className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button onClick={onClose}>{t("common.close")}</button>
      </div>
    </Modal>
  );
}

/// A channel's topic: a line or a few, shown in its header.
export function ChannelTopicDialog({ serverId, channelId, onClose }: { serverId: ServerId; channelId: ChannelId; onClose: () => void }) {
  const t = useT();
  const channel = useStore((s) => (s.channels[serverId] ?? EMPTY).find((c) => c.channel.id === channelId));
  const [topic, setTopic] = useState(channel?.channel.topic ?? "");
  const [error, setError] = useState<string | null>(null);
  if (!channel) return null;
  return (
    <Modal title={t("channels.topicTitle", { name: channel.channel.name })} onClose={onClose}>
      <label>
        {t("channels.topic")}
        <textarea id="topic-input" value={topic} maxLength={1024} rows={3} onChange={(e) => setTopic(e.target.value)} />
      </label>
      {error && <p className="error">{error}</p>}
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button id="topic-save" onClick={() => void setChannelTopic(serverId, channelId, topic).then((e) => (e ? setError(e) : onClose()))}>
          {t("common.save")}
        </button>
      </div>
    </Modal>
  );
}

/// Who sees a channel or category: everyone, or (private) only the roles
/// and people ticked — administrators and the owner always do.
export function ChannelAccessDialog({ serverId, channelId, onClose }: { serverId: ServerId; channelId: ChannelId; onClose: () => void }) {
  const t = useT();
  const channel = useStore((s) => (s.channels[serverId] ?? EMPTY).find((c) => c.channel.id === channelId));
  const server = useStore((s) => s.servers.find((x) => x.server.id === serverId));
  const members = useStore((s) => s.members[serverId] ?? EMPTY);
  const [access, setAccess] = useState<ChannelAccess | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    bridge.channelAccess(channelId).then(setAccess, (e) => setError(reason(e)));
  }, [channelId]);
  if (!channel || !server) return null;
  const category = channel.channel.kind === "category";
  const title = category ? channel.channel.name : `#${channel.channel.name}`;
  const roles = [...server.roles].filter((r) => !isEveryone(server, r)).sort((a, b) => b.position - a.position);
  const toggle = <K extends "roles" | "users">(key: K, id: ChannelAccess[K][number], on: boolean) =>
    access && setAccess({ ...access, [key]: on ? [...access[key], id] : access[key].filter((x) => x !== id) });
  return (
    <Modal title={t("access.title", { name: title })} onClose={onClose}>
      {access === null ? (
        <p className="muted">…</p>
      ) : (
        <>
          <label className="check">
            <input id="access-private" type="checkbox" checked={access.private} onChange={(e) => setAccess({ ...access, private: e.target.checked })} />
            {t(category ? "access.privateCategory" : "access.private")}
          </label>
          {access.private ? (
            <div className="access-lists">
              <fieldset className="role-picks">
                <legend>{t("roles.title")}</legend>
                {roles.length === 0 && <p className="muted small">{t("access.noRoles")}</p>}
                {roles.map((r) => (
                  <label key={r.id} className="check">
                    <input type="checkbox" data-access-role={r.name} checked={access.roles.includes(r.id)} onChange={(e) => toggle("roles", r.id, e.target.checked)} />
                    <span className="role-dot" style={{ background: r.color ? hex(r.color) : undefined }} aria-hidden />
                    {r.name}
                  </label>
                ))}
              </fieldset>
              <fieldset className="role-picks">
                <legend>{t("access.people")}</legend>
                {members
                  .filter((m) => m.user.id !== server.server.owner_id)
                  .map((m) => (
                    <label key={m.user.id} className="check">
                      <input
                        type="checkbox"
                        data-access-user={m.user.display_name}
                        checked={access.users.includes(m.user.id)}
                        onChange={(e) => toggle("users", m.user.id, e.target.checked)}
                      />
                      {m.user.display_name}
                    </label>
                  ))}
              </fieldset>
              <p className="muted small">{t("access.hint")}</p>
            </div>
          ) : (
            <p className="muted small">{t("access.everyone")}</p>
          )}
        </>
      )}
      {error && (
        <p id="access-error" className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button className="secondary" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button
          id="access-save"
          disabled={access === null}
          onClick={() => access && void setChannelAccess(serverId, channelId, access).then((e) => (e ? setError(e) : onClose()))}
        >
          {t("common.save")}
        </button>
      </div>
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
    if (e.action === "channel_access_changed") {
      return t(e.detail === "private" ? "audit.channel_private" : "audit.channel_public", { actor: e.actor.display_name });
    }
    if (e.action === "role_changed" && e.detail) {
      const key = e.detail.startsWith("-") ? "audit.role_taken" : "audit.role_given";
      return t(key, { actor: e.actor.display_name, target: e.target_user?.display_name ?? "", detail: e.detail.slice(1) });
    }
    const detail = e.action === "channels_moved" ? Number(e.detail ?? 0) : (e.detail ?? "");
    return t(`audit.${e.action}`, { actor: e.actor.display_name, target: e.target_user?.display_name ?? "", detail });
  };
  return (
    <section>
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

// Home: friends, friend requests and blocks; the Home button on the rail;
// the friend and block actions of a person's card.

import { useState } from "react";
import type { PendingInvite, Relationship, UserId } from "../bindings";
import {
  acceptSentInvite,
  addFriend,
  addFriendBy,
  block,
  declineInvite,
  openHome,
  removeRelationship,
  selectServer,
  startDm,
} from "../state/actions";
import { formatDay, formatTime } from "../i18n";
import { setState, useStore } from "../state/store";
import { Avatar, useT } from "./common";
import { CustomStatusLine } from "./Status";
import { DmList, MessageButton, useDmUnread } from "./Dms";

export type FriendsTab = "online" | "all" | "pending" | "blocked" | "add";
const TABS: FriendsTab[] = ["online", "all", "pending", "blocked"];

/// Incoming friend requests (the Home button's badge).
export function useIncoming(): number {
  return useStore((s) => s.relationships.filter((r) => r.kind === "incoming").length);
}

/// The first button of the rail: Home, with the count of requests waiting
/// and of unread direct messages.
export function HomeButton({ active, onClick }: { active: boolean; onClick: () => void }) {
  const t = useT();
  const incoming = useIncoming();
  const unread = useDmUnread();
  const invites = useStore((s) => s.invites.length);
  const n = incoming + unread + invites;
  return (
    <button id="home" className={`rail-item home${active ? " active" : ""}`} title={t("home.title")} aria-label={t("home.title")} onClick={onClick}>
      <span className="home-mark" aria-hidden>
        pq
      </span>
      {n > 0 && (
        <span className="badge rail-badge" aria-label={t("home.waiting", { n })}>
          {n}
        </span>
      )}
    </button>
  );
}

/// The list beside the rail on Home: friends, then the conversations.
export function HomeSidebar() {
  const t = useT();
  const incoming = useIncoming();
  const friendsOpen = useStore((s) => s.dmId === null);
  return (
    <div className="channel-scroll">
      <button id="home-friends" className={`channel home-friends${friendsOpen ? " active" : ""}`} onClick={openHome}>
        <span className="channel-name">{t("friends.title")}</span>
        {incoming > 0 && <span className="badge">{incoming}</span>}
      </button>
      <DmList />
    </div>
  );
}

function subtitle(r: Relationship, live: string, t: ReturnType<typeof useT>): string {
  switch (r.kind) {
    case "incoming":
      return t("friends.incoming");
    case "outgoing":
      return t("friends.outgoing");
    case "blocked":
      return t("friends.blockedLabel");
    default:
      return live;
  }
}

function FriendRow({ r }: { r: Relationship }) {
  const t = useT();
  const user = useStore((s) => s.users[r.user.id] ?? r.user);
  const presence = useStore((s) => s.presence[r.user.id] ?? "offline");
  const [error, setError] = useState<string | null>(null);
  const act = (run: (u: UserId) => Promise<string | null>) => () => void run(r.user.id).then(setError);
  const shown = r.kind === "friend" ? presence : "offline";
  return (
    <li className="friend-row" data-friend={user.display_name} data-kind={r.kind}>
      <div className="with-dot">
        <Avatar name={user.display_name} url={user.avatar_url} size={32} />
        {r.kind === "friend" && <span className={`dot ${shown}`} />}
      </div>
      <div className="friend-text">
        <button
          className="friend-name"
          onClick={(e) => {
            const b = e.currentTarget.getBoundingClientRect();
            setState({ card: { userId: r.user.id, top: b.top, left: b.right + 8 } });
          }}
        >
          {user.display_name}
        </button>
        {r.kind === "friend" && user.custom_status ? (
          <CustomStatusLine status={user.custom_status} />
        ) : (
          <span className="friend-sub muted">{subtitle(r, t(`presence.${shown}`), t)}</span>
        )}
        {error && <span className="error">{error}</span>}
      </div>
      <div className="friend-actions">
        {r.kind === "incoming" && (
          <>
            <button className="accept primary" onClick={act(addFriend)}>
              {t("friends.accept")}
            </button>
            <button className="decline" onClick={act(removeRelationship)}>
              {t("friends.decline")}
            </button>
          </>
        )}
        {r.kind === "outgoing" && (
          <button className="cancel" onClick={act(removeRelationship)}>
            {t("friends.cancel")}
          </button>
        )}
        {r.kind === "friend" && (
          <button className="message primary" onClick={() => void startDm([r.user.id]).then(setError)}>
            {t("dm.message")}
          </button>
        )}
        {r.kind === "friend" && (
          <button className="remove" onClick={act(removeRelationship)}>
            {t("friends.remove")}
          </button>
        )}
        {r.kind === "blocked" && (
          <button className="unblock" onClick={act(removeRelationship)}>
            {t("friends.unblock")}
          </button>
        )}
      </div>
    </li>
  );
}

function AddFriend() {
  const t = useT();
  const [to, setTo] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async () => {
    const who = to.trim();
    if (!who || busy) return;
    setBusy(true);
    const error = await addFriendBy(who);
    setBusy(false);
    setResult(error ? { ok: false, text: error } : { ok: true, text: t("friends.sent", { who }) });
    if (!error) setTo("");
  };
  return (
    <section className="add-friend">
      <h3>{t("friends.addTitle")}</h3>
      <p className="muted">{t("friends.addHint")}</p>
      <div className="add-friend-row">
        <input
          id="friend-to"
          value={to}
          placeholder={t("friends.addPlaceholder")}
          autoFocus
          autoCapitalize="off"
          spellCheck={false}
          onChange={(e) => setTo(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.nativeEvent.isComposing) void send();
          }}
        />
        <button id="friend-send" className="primary" disabled={busy || !to.trim()} onClick={() => void send()}>
          {t("friends.send")}
        </button>
      </div>
      {result && (
        <p id="friend-result" className={result.ok ? "ok" : "error"} role="status">
          {result.text}
        </p>
      )}
    </section>
  );
}

/// Home's main area: the friends list by tab, or the form to add one.
export function FriendsView() {
  const t = useT();
  const [tab, setTab] = useState<FriendsTab>("online");
  const relationships = useStore((s) => s.relationships);
  const presence = useStore((s) => s.presence);
  const incoming = useIncoming();
  const shown = relationships
    .filter((r) => {
      switch (tab) {
        case "online":
          return r.kind === "friend" && (presence[r.user.id] ?? "offline") !== "offline";
        case "all":
          return r.kind === "friend";
        case "pending":
          return r.kind === "incoming" || r.kind === "outgoing";
        case "blocked":
          return r.kind === "blocked";
        default:
          return false;
      }
    })
    .sort((a, b) => (a.kind === b.kind ? a.user.display_name.localeCompare(b.user.display_name) : a.kind === "incoming" ? -1 : 1));
  return (
    <div className="friends">
      <header className="topbar friends-head">
        <strong>{t("friends.title")}</strong>
        <nav className="friends-tabs" role="tablist">
          {TABS.map((x) => (
            <button key={x} id={`friends-tab-${x}`} role="tab" aria-selected={tab === x} className={tab === x ? "active" : ""} onClick={() => setTab(x)}>
              {t(`friends.tab.${x}`)}
              {x === "pending" && incoming > 0 && <span className="badge">{incoming}</span>}
            </button>
          ))}
          <button id="friends-tab-add" role="tab" aria-selected={tab === "add"} className={`add${tab === "add" ? " active" : ""}`} onClick={() => setTab("add")}>
            {t("friends.tab.add")}
          </button>
        </nav>
      </header>
      <div className="friends-body">
        <PendingInvites />
        <UpcomingEvents />
        {tab === "add" ? (
          <AddFriend />
        ) : shown.length === 0 ? (
          <p className="muted pad friends-empty">{t(`friends.empty.${tab}`)}</p>
        ) : (
          <>
            <h4 className="friends-count">{t(`friends.count.${tab}`, { n: shown.length })}</h4>
            <ul className="friend-list">
              {shown.map((r) => (
                <FriendRow key={r.user.id} r={r} />
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}

/// The next events of my servers, soonest first (a click opens the server's schedule).
function UpcomingEvents() {
  const t = useT();
  const lang = useStore((s) => s.lang);
  const upcoming = useStore((s) => s.upcoming);
  const servers = useStore((s) => s.servers);
  if (upcoming.length === 0) return null;
  return (
    <section className="upcoming-events" aria-label={t("events.upcoming")}>
      <h4 className="friends-count">{t("events.upcoming")}</h4>
      <ul className="friend-list">
        {upcoming.slice(0, 5).map(([e, next]) => (
          <li key={e.id} className="friend-row" data-upcoming={e.title}>
            <button
              className="link upcoming-open"
              onClick={() => void selectServer(e.server_id).then(() => setState({ dialog: { type: "schedule", serverId: e.server_id } }))}
            >
              <strong>{e.title}</strong>
            </button>
            <span className="friend-sub muted">
              {servers.find((s) => s.server.id === e.server_id)?.server.name ?? ""} · {formatDay(lang, next)} {formatTime(lang, next)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/// Invites to servers sent to me, each to accept or decline.
function PendingInvites() {
  const t = useT();
  const invites = useStore((s) => s.invites);
  if (invites.length === 0) return null;
  return (
    <section className="pending-invites" aria-label={t("invites.title")}>
      <h4 className="friends-count">{t("invites.title")}</h4>
      <ul className="friend-list">
        {invites.map((i) => (
          <InviteRow key={i.preview.code} i={i} />
        ))}
      </ul>
    </section>
  );
}

function InviteRow({ i }: { i: PendingInvite }) {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  const p = i.preview;
  return (
    <li className="friend-row invite-row" data-invite-from={p.inviter.display_name}>
      <Avatar name={p.server_name} url={p.server_icon_url} size={32} />
      <div className="friend-text">
        <strong>{p.server_name}</strong>
        <span className="friend-sub muted">{t("invites.from", { name: p.inviter.display_name, n: p.member_count })}</span>
        {error && <span className="error">{error}</span>}
      </div>
      <div className="friend-actions">
        <button className="invite-accept" onClick={() => void acceptSentInvite(p.code).then(setError)}>
          {t("invites.accept")}
        </button>
        <button className="secondary invite-decline" onClick={() => void declineInvite(p.code).then(setError)}>
          {t("invites.decline")}
        </button>
      </div>
    </li>
  );
}

/// The friend and block buttons of someone's card.
export function CardActions({ userId }: { userId: UserId }) {
  const t = useT();
  const kind = useStore((s) => s.relationships.find((r) => r.user.id === userId)?.kind);
  const [error, setError] = useState<string | null>(null);
  const act = (run: (u: UserId) => Promise<string | null>) => () => void run(userId).then(setError);
  return (
    <div className="card-actions">
      {kind !== "blocked" && <MessageButton userId={userId} />}
      {kind === undefined && (
        <button id="card-add-friend" className="primary" onClick={act(addFriend)}>
          {t("friends.add")}
        </button>
      )}
      {kind === "incoming" && (
        <button id="card-accept" className="primary" onClick={act(addFriend)}>
          {t("friends.accept")}
        </button>
      )}
      {kind === "outgoing" && (
        <button id="card-pending" disabled>
          {t("friends.requestSent")}
        </button>
      )}
      {kind === "friend" && (
        <button id="card-remove-friend" onClick={act(removeRelationship)}>
          {t("friends.remove")}
        </button>
      )}
      {kind === "blocked" ? (
        <button id="card-unblock" onClick={act(removeRelationship)}>
          {t("friends.unblock")}
        </button>
      ) : (
        <button id="card-block" className="danger" onClick={act(block)}>
          {t("friends.block")}
        </button>
      )}
      {error && <p className="error">{error}</p>}
    </div>
  );
}

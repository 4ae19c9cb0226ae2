// Direct messages on Home: the list of conversations, an open conversation
// (its header, messages and, for a group, its members), and the dialogs that
// start one or add people to a group.

import { useState } from "react";
import type { CachedDm, ChannelId, UserId } from "../bindings";
import { addToDm, declineCall, dmTitle, joinVoice, leaveDm, openDm, removeFromDm, renameDm, startDm } from "../state/actions";
import { EMPTY, setState, useStore } from "../state/store";
import { MessageView } from "./Messages";
import { PinsButton, PinsPanel, SearchResults } from "./Panels";
import { Avatar, Icon, Modal, useT } from "./common";
import { CustomStatusLine } from "./Status";

/// Unread messages in conversations not muted (part of the Home button's badge).
export function useDmUnread(): number {
  return useStore((s) => s.dms.reduce((n, d) => n + (d.muted ? 0 : d.unread_count), 0));
}

function useTitle(dm: CachedDm | undefined): string {
  return useStore((s) => (dm ? dmTitle(dm, s.info?.me?.id, s.users) : ""));
}

/// The picture of a conversation: the other person's (with their presence),
/// or a group's initials.
function DmAvatar({ dm, size }: { dm: CachedDm; size: number }) {
  const me = useStore((s) => s.info?.me?.id);
  const other = dm.channel.kind === "direct" ? dm.channel.members.find((u) => u.id !== me) : undefined;
  const user = useStore((s) => (other ? s.users[other.id] ?? other : undefined));
  const presence = useStore((s) => (other ? s.presence[other.id] ?? "offline" : "offline"));
  const title = useTitle(dm);
  if (!user) return <Avatar name={title} size={size} />;
  return (
    <div className="with-dot">
      <Avatar name={user.display_name} url={user.avatar_url} size={size} />
      <span className={`dot ${presence}`} />
    </div>
  );
}

function DmItem({ dm }: { dm: CachedDm }) {
  const t = useT();
  const active = useStore((s) => s.dmId === dm.channel.id);
  const title = useTitle(dm);
  const unread = dm.unread_count > 0 && !dm.muted;
  const inCall = useStore((s) => (s.dmCalls[dm.channel.id]?.length ?? 0) > 0);
  return (
    <button
      className={`channel dm-item${active ? " active" : ""}${unread ? " unread" : ""}`}
      data-dm={title}
      aria-current={active ? "page" : undefined}
      onClick={() => void openDm(dm.channel.id)}
    >
      <DmAvatar dm={dm} size={28} />
      <span className="dm-text">
        <span className="channel-name">{title}</span>
        {dm.channel.kind === "group" && <span className="dm-sub muted">{t("dm.members", { n: dm.channel.members.length })}</span>}
      </span>
      {inCall && (
        <span className="dm-in-call" title={t("dm.callGoingOn")}>
          <Icon name="voice" size={14} label={t("dm.callGoingOn")} />
        </span>
      )}
      {unread && <span className={`badge${dm.mention_count > 0 ? " mention" : ""}`}>{dm.unread_count}</span>}
    </button>
  );
}

/// The conversations on Home's side list, most recently active first.
export function DmList() {
  const t = useT();
  const dms = useStore((s) => s.dms);
  return (
    <section className="dm-list" aria-label={t("dm.title")}>
      <div className="category-head">
        <span className="category-toggle">{t("dm.title")}</span>
        <button id="new-dm" className="icon small" title={t("dm.new")} aria-label={t("dm.new")} onClick={() => setState({ dialog: { type: "new-dm" } })}>
          +
        </button>
      </div>
      {dms.length === 0 ? <p className="muted pad small">{t("dm.none")}</p> : dms.map((d) => <DmItem key={d.channel.id} dm={d} />)}
    </section>
  );
}

/// A group's name, editable in place by any member.
function GroupName({ dm, title }: { dm: CachedDm; title: string }) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(dm.channel.name ?? "");
  if (!editing) {
    return (
      <button id="dm-rename" className="channel-title link" title={t("dm.rename")} onClick={() => (setName(dm.channel.name ?? ""), setEditing(true))}>
        {title}
      </button>
    );
  }
  const done = (save: boolean) => {
    setEditing(false);
    if (save && name.trim() !== (dm.channel.name ?? "")) {
      void renameDm(dm.channel.id, name).then((error) => error && setState({ error }));
    }
  };
  return (
    <input
      id="dm-name-edit"
      autoFocus
      value={name}
      maxLength={100}
      placeholder={t("dm.namePlaceholder")}
      onChange={(e) => setName(e.target.value)}
      onBlur={() => done(true)}
      onKeyDown={(e) => {
        if (e.nativeEvent.isComposing) return;
        if (e.key === "Enter") done(true);
        if (e.key === "Escape") done(false);
      }}
    />
  );
}

/// A group's members; its owner may remove people.
function DmMembers({ dm }: { dm: CachedDm }) {
  const t = useT();
  const me = useStore((s) => s.info?.me?.id);
  const users = useStore((s) => s.users);
  const presence = useStore((s) => s.presence);
  const card = useStore((s) => s.card);
  const owner = dm.channel.owner_id === me;
  return (
    <aside className="members dm-members" aria-label={t("dm.membersTitle")}>
      <h3>{t("members.title", { n: dm.channel.members.length })}</h3>
      {dm.channel.members.map((m) => {
        const u = users[m.id] ?? m;
        const p = presence[m.id] ?? "offline";
        return (
          <div key={m.id} className="dm-member-row">
            <button
              className={`member ${p}`}
              data-member={u.display_name}
              aria-expanded={card?.userId === m.id}
              onClick={(e) => setState({ card: card?.userId === m.id ? null : { userId: m.id, top: e.currentTarget.getBoundingClientRect().top } })}
            >
              <div className="with-dot">
                <Avatar name={u.display_name} url={u.avatar_url} size={32} />
                <span className={`dot ${p}`} />
              </div>
              <span className="member-text">
                <span className="member-name">{u.display_name}</span>
                <CustomStatusLine status={u.custom_status} />
              </span>
              {m.id === dm.channel.owner_id && <span className="role owner">{t("dm.owner")}</span>}
            </button>
            {owner && m.id !== me && (
              <button
                className="icon small dm-remove"
                title={t("dm.remove", { name: u.display_name })}
                aria-label={t("dm.remove", { name: u.display_name })}
                onClick={() => void removeFromDm(dm.channel.id, m.id).then((error) => error && setState({ error }))}
              >
                ✕
              </button>
            )}
          </div>
        );
      })}
    </aside>
  );
}

/// Starts the conversation's call, joins the one going on, or shows mine.
function CallButton({ channelId }: { channelId: ChannelId }) {
  const t = useT();
  const inCall = useStore((s) => s.dmCalls[channelId] ?? EMPTY);
  const mine = useStore((s) => s.call?.channel_id === channelId);
  const users = useStore((s) => s.users);
  const label = mine ? t("call.show") : inCall.length > 0 ? t("dm.joinCall") : t("dm.startCall");
  return (
    <>
      {inCall.length > 0 && !mine && (
        <span className="dm-call-who muted">{t("dm.inCall", { names: inCall.map((v) => users[v.user_id]?.display_name ?? "…").join(", ") })}</span>
      )}
      <button id="dm-call" className={inCall.length > 0 && !mine ? "primary" : "secondary"} title={label} onClick={() => void joinVoice(channelId)}>
        <Icon name="voice" size={16} /> {label}
      </button>
    </>
  );
}

/// A call ringing for me: who is calling, and the buttons to answer or decline.
export function RingingBanner() {
  const t = useT();
  const ringing = useStore((s) => s.ringing);
  const dm = useStore((s) => (s.ringing ? s.dms.find((d) => d.channel.id === s.ringing?.channelId) : undefined));
  const caller = useStore((s) => (s.ringing ? s.users[s.ringing.caller] : undefined));
  const title = useTitle(dm);
  const inIt = useStore((s) => s.call !== null && s.call.channel_id === s.ringing?.channelId);
  if (!ringing || inIt) return null;
  const name = caller?.display_name ?? "…";
  const group = dm?.channel.kind === "group";
  return (
    <div className="ringing" role="alertdialog" aria-label={t("dm.ringingTitle")} data-ringing={ringing.channelId}>
      <Avatar name={name} url={caller?.avatar_url} size={48} />
      <div className="ringing-text">
        <strong>{group ? t("dm.ringingGroup", { name, group: title }) : t("dm.ringing", { name })}</strong>
        <span className="muted small">{t("dm.ringingHint")}</span>
      </div>
      <button id="ring-accept" className="primary round" title={t("dm.answer")} onClick={() => void joinVoice(ringing.channelId)}>
        <Icon name="voice" label={t("dm.answer")} />
      </button>
      <button id="ring-decline" className="danger round" title={t("dm.decline")} onClick={() => void declineCall(ringing.channelId)}>
        <Icon name="leave" label={t("dm.decline")} />
      </button>
    </div>
  );
}

/// An open conversation: its header, its messages, a group's members.
export function DmView() {
  const t = useT();
  const dm = useStore((s) => s.dms.find((d) => d.channel.id === s.dmId));
  const title = useTitle(dm);
  const me = useStore((s) => s.info?.me?.id);
  const other = dm?.channel.kind === "direct" ? dm.channel.members.find((u) => u.id !== me) : undefined;
  const otherUser = useStore((s) => (other ? s.users[other.id] ?? other : undefined));
  if (!dm) return null;
  const group = dm.channel.kind === "group";
  return (
    <>
      <header className="topbar dm-head">
        <div className="dm-head-title">
          <DmAvatar dm={dm} size={24} />
          {group ? <GroupName dm={dm} title={title} /> : <strong className="channel-title">{title}</strong>}
          {otherUser?.custom_status && <CustomStatusLine status={otherUser.custom_status} />}
        </div>
        <div className="dm-actions">
          <PinsButton channelId={dm.channel.id} />
          <CallButton channelId={dm.channel.id} />
          {group && (
            <>
              <button id="dm-add" className="secondary" onClick={() => setState({ dialog: { type: "add-to-dm", channelId: dm.channel.id } })}>
                {t("dm.addPeople")}
              </button>
              <button id="dm-leave" className="danger" onClick={() => void leaveDm(dm.channel.id)}>
                {t("dm.leave")}
              </button>
            </>
          )}
        </div>
      </header>
      <div className="body-row">
        <div className="center-col">
          <SearchResults />
          <PinsPanel />
          <MessageView />
        </div>
        {group && <DmMembers dm={dm} />}
      </div>
    </>
  );
}

/// Friends to pick, with a filter; `taken` are shown as already in.
function FriendPicker({ picked, setPicked, taken = [] }: { picked: UserId[]; setPicked: (p: UserId[]) => void; taken?: UserId[] }) {
  const t = useT();
  const relationships = useStore((s) => s.relationships);
  const friends = relationships.filter((r) => r.kind === "friend");
  const [filter, setFilter] = useState("");
  const shown = friends
    .filter((r) => r.user.display_name.toLocaleLowerCase().includes(filter.trim().toLocaleLowerCase()))
    .sort((a, b) => a.user.display_name.localeCompare(b.user.display_name));
  return (
    <div className="friend-picker">
      <input id="dm-filter" autoFocus value={filter} placeholder={t("dm.filter")} onChange={(e) => setFilter(e.target.value)} />
      {friends.length === 0 ? (
        <p className="muted">{t("dm.noFriends")}</p>
      ) : (
        <ul className="pick-list">
          {shown.map((r) => {
            const already = taken.includes(r.user.id);
            return (
              <li key={r.user.id}>
                <label className="check pick" data-pick={r.user.display_name}>
                  <input
                    type="checkbox"
                    disabled={already}
                    checked={already || picked.includes(r.user.id)}
                    onChange={(e) => setPicked(e.target.checked ? [...picked, r.user.id] : picked.filter((p) => p !== r.user.id))}
                  />
                  <Avatar name={r.user.display_name} url={r.user.avatar_url} size={24} />
                  <span>{r.user.display_name}</span>
                  {already && <span className="muted small">{t("dm.alreadyIn")}</span>}
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/// What is wrong with the pick, the server's refusal, and the dialog's buttons.
function PickerFooter(p: { problem: string | null; error: string | null; onClose: () => void; id: string; label: string; disabled: boolean }) {
  const t = useT();
  return (
    <>
      {p.problem && <p className="error">{p.problem}</p>}
      {p.error && (
        <p id="dm-error" className="error" role="alert">
          {p.error}
        </p>
      )}
      <div className="buttons">
        <button type="button" className="secondary" onClick={p.onClose}>
          {t("common.cancel")}
        </button>
        <button id={p.id} type="submit" disabled={p.disabled}>
          {p.label}
        </button>
      </div>
    </>
  );
}

/// Starts a conversation with one friend, or a group with several (up to 9).
export function NewDmDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const [picked, setPicked] = useState<UserId[]>([]);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const group = picked.length > 1;
  const tooMany = picked.length > 9;
  return (
    <Modal title={t("dm.new")} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (picked.length === 0 || tooMany || busy) return;
          setBusy(true);
          void startDm(picked, group ? name : null).then((err) => {
            setBusy(false);
            setError(err);
          });
        }}
      >
        <p className="muted">{t("dm.newHint")}</p>
        <FriendPicker picked={picked} setPicked={setPicked} />
        {group && (
          <label>
            {t("dm.groupName")}
            <input id="dm-name" value={name} maxLength={100} placeholder={t("dm.namePlaceholder")} onChange={(e) => setName(e.target.value)} />
          </label>
        )}
        <PickerFooter
          problem={tooMany ? t("dm.tooMany") : null}
          error={error}
          onClose={onClose}
          id="dm-start"
          label={group ? t("dm.startGroup") : t("dm.start")}
          disabled={picked.length === 0 || tooMany || busy}
        />
      </form>
    </Modal>
  );
}

/// Adds friends to a group (up to 10 people in all).
export function AddToDmDialog({ channelId, onClose }: { channelId: ChannelId; onClose: () => void }) {
  const t = useT();
  const dm = useStore((s) => s.dms.find((d) => d.channel.id === channelId));
  const [picked, setPicked] = useState<UserId[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!dm) return null;
  const taken = dm.channel.members.map((u) => u.id);
  const room = 10 - taken.length;
  return (
    <Modal title={t("dm.addPeople")} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          for (const id of picked) {
            const err = await addToDm(channelId, id);
            if (err) {
              setError(err);
              setBusy(false);
              return;
            }
          }
          setBusy(false);
          onClose();
        }}
      >
        <p className="muted">{t("dm.room", { n: Math.max(0, room) })}</p>
        <FriendPicker picked={picked} setPicked={setPicked} taken={taken} />
        <PickerFooter
          problem={picked.length > room ? t("dm.tooMany") : null}
          error={error}
          onClose={onClose}
          id="dm-add-confirm"
          label={t("dm.add")}
          disabled={picked.length === 0 || picked.length > room || busy}
        />
      </form>
    </Modal>
  );
}

/// The card's "Message" button: opens (or starts) the conversation.
export function MessageButton({ userId }: { userId: UserId }) {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button id="card-message" className="primary" onClick={() => void startDm([userId]).then(setError)}>
        {t("dm.message")}
      </button>
      {error && <p className="error card-message-error">{error}</p>}
    </>
  );
}

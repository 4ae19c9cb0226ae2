// The UI's state: what the engine said (servers, channels, timelines,
// members, presence, connection) and what only the UI cares about (the
// open channel, dialogs, collapsed categories). Engine data comes only from
// the bridge's queries and events (see events.ts); nothing here re-decides a
// rule the engine owns.

import type { Membership as MembershipState, PaidEvent } from "../bindings";
import { useSyncExternalStore } from "react";
import type {
  AppInfo,
  Attachment,
  CachedChannel,
  CachedDm,
  CachedServer,
  CallInfo,
  ChannelId,
  ConnectionState,
  Member,
  Message,
  OutboxEntry,
  PendingInvite,
  Presence,
  Relationship,
  ScheduledEvent,
  SearchHit,
  ServerId,
  Settings,
  User,
  UserId,
  VoiceState,
} from "../bindings";
import { type Lang, resolveLang } from "../i18n";

export interface TimelineState {
  messages: Message[];
  /// Ids of those that mention me (the core decides; drawn highlighted).
  mentions: string[];
  pending: OutboxEntry[];
  hasOlder: boolean;
  loadingOlder: boolean;
}

export type Dialog =
  | { type: "create-server" }
  | { type: "join" }
  | { type: "invite"; serverId: ServerId }
  | { type: "accept"; code: string }
  | { type: "settings" }
  | { type: "custom-status" }
  | { type: "server-settings"; serverId: ServerId; tab?: "overview" | "roles" | "invites" | "bans" | "audit" }
  | { type: "leave-server"; serverId: ServerId }
  | { type: "create-channel"; serverId: ServerId }
  | { type: "delete-channel"; serverId: ServerId; channelId: ChannelId }
  | { type: "channel-access"; serverId: ServerId; channelId: ChannelId }
  | { type: "channel-topic"; serverId: ServerId; channelId: ChannelId }
  | { type: "schedule"; serverId: ServerId }
  | { type: "new-dm" }
  | { type: "add-to-dm"; channelId: ChannelId }
  | { type: "open-link"; url: string }
  | { type: "admin" };

export interface Toast {
  id: number;
  title: string;
  body: string;
}

export interface State {
  info: AppInfo | null;
  lang: Lang;
  theme: "light" | "dark";
  connection: ConnectionState;
  signingIn: boolean;
  signInError: string | null;
  servers: CachedServer[];
  channels: Record<ServerId, CachedChannel[]>;
  members: Record<ServerId, Member[]>;
  /// Who is in each server's voice rooms.
  voice: Record<ServerId, VoiceState[]>;
  /// My call, if I am in one.
  call: CallInfo | null;
  /// The call fills the main area (instead of the open channel's messages).
  callView: boolean;
  users: Record<UserId, User>;
  presence: Record<UserId, Presence>;
  /// My friends, requests and blocks (newest first).
  relationships: Relationship[];
  /// Invites sent to me in the app, waiting for my answer.
  invites: PendingInvite[];
  /// Every server's events to come or going on, soonest first, with the
  /// start of their next (or current) occurrence.
  upcoming: [ScheduledEvent, string][];
  /// Home (friends and direct messages) is open instead of a server.
  home: boolean;
  /// My direct-message channels, most recently active first.
  dms: CachedDm[];
  /// The direct-message channel open on Home (null: the friends list).
  dmId: ChannelId | null;
  /// Who is in the call of each conversation with one going on.
  dmCalls: Record<ChannelId, VoiceState[]>;
  /// A call ringing for me (someone else started it; I have not joined or declined).
  ringing: { channelId: ChannelId; caller: UserId } | null;
  /// Blocked people's messages the person chose to see anyway.
  revealed: Record<string, boolean>;
  serverId: ServerId | null;
  channelId: ChannelId | null;
  timelines: Record<ChannelId, TimelineState>;
  typing: Record<ChannelId, Record<UserId, number>>;
  toasts: Toast[];
  /// A newer pq the server publishes, and how far getting it has come.
  update: { version: string; notes: string | null; phase: "available" | "downloading" | "ready" | "failed"; received: number; total: number | null; error: string | null } | null;
  /// Paid events as last heard (newest first).
  paidEvents: PaidEvent[] | null;
  /// My membership as last heard (Settings → Membership).
  membership: MembershipState | null;
  /// A checkout waiting in the browser, and how the last one ended.
  checkout: { orderId: string; result: "pending" | "paid" | "failed"; reason: string | null } | null;
  dialog: Dialog | null;
  /// Whose card is open, and where (top, and left when opened beside a
  /// message rather than from the member list).
  card: { userId: UserId; top: number; left?: number } | null;
  search: { query: string; results: SearchHit[] } | null;
  /// The pinned messages panel: its channel and what the server said is pinned.
  pins: { channelId: ChannelId; messages: Message[] } | null;
  collapsed: Record<ChannelId, boolean>;
  replyTo: Message | null;
  /// The message jumped to (from a reply's quote), drawn highlighted for a moment.
  highlight: string | null;
  editing: Message | null;
  error: string | null;
  /// How far each unsent message's upload is (by client id).
  uploads: Record<string, { file: number; sent: number; total: number }>;
  /// Downloads to the downloads folder (by attachment id): going on, done
  /// (where it went) or failed.
  downloads: Record<string, { received: number; total: number | null; done: string | null; error: string | null }>;
  /// The picture viewer: the pictures of the open channel, and which is shown.
  viewer: { items: Attachment[]; index: number } | null;
}

function systemTheme(): "light" | "dark" {
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function themeOf(settings: Settings | undefined): "light" | "dark" {
  if (settings?.theme === "light" || settings?.theme === "dark") return settings.theme;
  return systemTheme();
}

function loadCollapsed(): Record<ChannelId, boolean> {
  try {
    return JSON.parse(localStorage.getItem("pq.collapsed") ?? "{}");
  } catch {
    return {};
  }
}

export const initialState = (): State => ({
  info: null,
  lang: resolveLang("system"),
  theme: systemTheme(),
  connection: { state: "signed_out" },
  signingIn: false,
  signInError: null,
  servers: [],
  channels: {},
  members: {},
  voice: {},
  call: null,
  callView: false,
  users: {},
  presence: {},
  relationships: [],
  invites: [],
  upcoming: [],
  home: false,
  dms: [],
  dmId: null,
  dmCalls: {},
  ringing: null,
  revealed: {},
  serverId: null,
  channelId: null,
  timelines: {},
  typing: {},
  toasts: [],
  membership: null,
  paidEvents: null,
  update: null,
  checkout: null,
  dialog: null,
  card: null,
  search: null,
  pins: null,
  collapsed: loadCollapsed(),
  replyTo: null,
  highlight: null,
  uploads: {},
  downloads: {},
  viewer: null,
  editing: null,
  error: null,
});

let state: State = initialState();
const listeners = new Set<() => void>();

export function getState(): State {
  return state;
}

/// Replaces part of the state and redraws.
export function setState(patch: Partial<State> | ((s: State) => Partial<State>)) {
  const p = typeof patch === "function" ? patch(state) : patch;
  state = { ...state, ...p };
  if ("collapsed" in p) {
    try {
      localStorage.setItem("pq.collapsed", JSON.stringify(state.collapsed));
    } catch {
      /* private mode: not kept */
    }
  }
  listeners.forEach((l) => l());
}

/// For tests: start over.
export function resetState(s: State = initialState()) {
  state = s;
  listeners.forEach((l) => l());
}

/// Calls `l` after every change of the state; returns how to stop.
export function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/// Reads a slice of the state in a component.
export function useStore<T>(select: (s: State) => T): T {
  return useSyncExternalStore(subscribe, () => select(state), () => select(state));
}

/// One empty list for selectors: a fresh `[]` per call would make React
/// think the state changed on every read.
export const EMPTY: never[] = [];

// ----- helpers ---------------------------------------------------------------

/// Updates one channel's timeline.
export function patchTimeline(channelId: ChannelId, f: (t: TimelineState) => Partial<TimelineState>) {
  setState((s) => {
    const t = s.timelines[channelId];
    if (!t) return {};
    return { timelines: { ...s.timelines, [channelId]: { ...t, ...f(t) } } };
  });
}

/// Inserts or replaces a message in a timeline, keeping `seq` order, notes
/// whether it mentions me, and drops the pending entry it came from.
export function upsertMessage(t: TimelineState, m: Message, mentionsMe: boolean): Partial<TimelineState> {
  const messages = t.messages.slice();
  const i = messages.findIndex((x) => x.id === m.id);
  if (i >= 0) messages[i] = m;
  else {
    let at = messages.length;
    while (at > 0 && messages[at - 1].seq > m.seq) at--;
    messages.splice(at, 0, m);
  }
  const mentions = t.mentions.filter((id) => id !== m.id);
  if (mentionsMe) mentions.push(m.id);
  return { messages, mentions, pending: t.pending.filter((p) => p.client_id !== m.client_id) };
}

/// When a presence event last came for each person (a counter, not a
/// clock): a member list read before it must not take it back.
let presenceTick = 0;
const presenceSeen = new Map<UserId, number>();

/// Notes a presence event for `user`.
export function notePresence(user: UserId) {
  presenceSeen.set(user, ++presenceTick);
}

/// A mark to take before reading a list that carries presence.
export function presenceMark(): number {
  return presenceTick;
}

/// Whether `user`'s presence changed by event since `mark`.
export function presenceNewer(user: UserId, mark: number): boolean {
  return (presenceSeen.get(user) ?? 0) > mark;
}

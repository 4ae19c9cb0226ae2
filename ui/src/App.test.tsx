import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type {
  AppInfo,
  CachedChannel,
  AuditPage,
  Ban,
  CachedDm,
  Invite,
  CachedServer,
  Member,
  Message,
  OutboxEntry,
  PendingInvite,
  Permission,
  Profile,
  Relationship,
  ScheduledEvent,
  Timeline,
  VoiceState,
} from "./bindings";

// The bridge is the only way the UI reaches the shell: stand in for it.
const bridge = vi.hoisted(() => ({
  subscribe: vi.fn(async () => null),
  subscribeVideo: vi.fn(async () => null),
  firstFrameDrawn: vi.fn(async () => null),
  saveSnapshot: vi.fn(async () => null),
  appInfo: vi.fn(),
  // The shell's one-call start-up, made of the calls it stands for.
  startup: vi.fn(async () => {
    const info = await bridge.appInfo();
    const none = { info, servers: [], server_id: null, channels: [], channel_id: null, timeline: null };
    if (!info.me) return none;
    const servers = await bridge.servers();
    const first = servers[0];
    if (!first) return { ...none, servers };
    const channels = await bridge.channels(first.server.id);
    const text = channels.find((c: { channel: { kind: string } }) => c.channel.kind === "text");
    if (!text) return { ...none, servers, server_id: first.server.id, channels };
    await (bridge.setActiveChannel as (id: string) => Promise<unknown>)(text.channel.id);
    const timeline = await bridge.timeline(text.channel.id, 200);
    return { info, servers, server_id: first.server.id, channels, channel_id: text.channel.id, timeline };
  }),
  serverVersion: vi.fn(async () => ({ status: "ok", version: "0.1.0", protocol: 1 })),
  takePendingInvite: vi.fn(async () => null),
  signIn: vi.fn(async () => ({})),
  cancelSignIn: vi.fn(async () => true),
  servers: vi.fn(),
  channels: vi.fn(),
  members: vi.fn(),
  voiceStates: vi.fn(async (): Promise<VoiceState[]> => []),
  voiceJoin: vi.fn(),
  voiceLeave: vi.fn(async () => null),
  voiceSet: vi.fn(async () => null),
  callInfo: vi.fn(),
  voiceCamera: vi.fn(async () => null),
  voicePeer: vi.fn(async () => null),
  voiceServerMute: vi.fn(async () => null),
  voiceDisconnect: vi.fn(async () => null),
  mediaDevices: vi.fn(async () => ({ audio: { inputs: [], outputs: [] }, cameras: [] })),
  timeline: vi.fn(),
  setActiveChannel: vi.fn(async () => null),
  markRead: vi.fn(async () => null),
  send: vi.fn(),
  retry: vi.fn(async () => ({})),
  discard: vi.fn(async () => true),
  typing: vi.fn(async () => null),
  setIdle: vi.fn(async () => null),
  search: vi.fn(async () => []),
  previewInvite: vi.fn(),
  acceptInvite: vi.fn(),
  sendInvite: vi.fn(),
  pendingInvites: vi.fn(async (): Promise<PendingInvite[]> => []),
  declineInvite: vi.fn(async () => null),
  createInvite: vi.fn(),
  setSettings: vi.fn(async () => null),
  updateProfile: vi.fn(async () => ({})),
  setAvatar: vi.fn(async () => ({})),
  removeAvatar: vi.fn(async () => ({})),
  setAbout: vi.fn(async () => ({})),
  setCustomStatus: vi.fn(async () => ({})),
  setStatus: vi.fn(async () => null),
  profile: vi.fn(async (): Promise<Profile> => { throw { code: "offline", message: "offline" }; }),
  relationships: vi.fn(async (): Promise<Relationship[]> => []),
  addFriendBy: vi.fn(),
  setUsername: vi.fn(async () => ({})),
  addFriend: vi.fn(),
  block: vi.fn(),
  removeRelationship: vi.fn(async () => null),
  dms: vi.fn(async (): Promise<CachedDm[]> => []),
  openDm: vi.fn(),
  renameDm: vi.fn(),
  addToDm: vi.fn(),
  removeFromDm: vi.fn(async () => null),
  setAllowServerDms: vi.fn(async () => ({})),
  dmCall: vi.fn(async (): Promise<VoiceState[]> => []),
  declineCall: vi.fn(async () => null),
  renameServer: vi.fn(async () => ({})),
  deleteServer: vi.fn(async () => null),
  leaveServer: vi.fn(async () => null),
  kick: vi.fn(async () => null),
  setMemberRole: vi.fn(async () => null),
  transferServer: vi.fn(async () => ({})),
  createRole: vi.fn(async () => ({ id: "01900000-0000-7000-8000-000000000071", name: "new role", color: 0, position: 1, permissions: [] })),
  updateRole: vi.fn(async () => ({})),
  deleteRole: vi.fn(async () => null),
  pins: vi.fn(async (): Promise<Message[]> => []),
  upcomingEvents: vi.fn(async (): Promise<[ScheduledEvent, string][]> => []),
  events: vi.fn(async () => []),
  createEvent: vi.fn(async () => ({})),
  updateEvent: vi.fn(async () => ({})),
  deleteEvent: vi.fn(async () => null),
  setEventInterest: vi.fn(async () => ({})),
  pinMessage: vi.fn(async () => null),
  channelAccess: vi.fn(async () => ({ private: false, roles: [], users: [] })),
  setChannelAccess: vi.fn(async () => ({})),
  setChannelTopic: vi.fn(async () => ({})),
  setServerDescription: vi.fn(async () => ({})),
  invites: vi.fn(async (): Promise<Invite[]> => []),
  revokeInvite: vi.fn(async () => null),
  setServerIcon: vi.fn(async () => null),
  createChannel: vi.fn(async () => ({})),
  ban: vi.fn(async () => null),
  setServerNotify: vi.fn(async () => null),
  placeChannels: vi.fn(async () => null),
  auditLog: vi.fn(async (_server: string, _before: number | null): Promise<AuditPage> => ({ entries: [], has_more: false })),
  deleteChannel: vi.fn(async () => null),
  unban: vi.fn(async () => null),
  bans: vi.fn(async (): Promise<Ban[]> => []),
  openLink: vi.fn(async () => null),
  react: vi.fn(async () => null),
  reactors: vi.fn(async () => [
    { id: ME, display_name: "Minji", avatar_url: null, custom_status: null },
    { id: BOB, display_name: "Bob", avatar_url: null, custom_status: null },
  ]),
  unreact: vi.fn(async () => null),
  older: vi.fn(),
  stageFile: vi.fn(async (name: string, bytes: ArrayBuffer) => ({ id: `staged-${name}`, name, size: bytes.byteLength })),
  unstage: vi.fn(async () => null),
  sendFiles: vi.fn(),
  cancelSend: vi.fn(async () => true),
  downloadAttachment: vi.fn(async () => "/home/minji/Downloads/notes.txt"),
  showDownload: vi.fn(async () => null),
  sendToast: vi.fn(async (text: string) => ({ id: "01900000-0000-7000-8000-000000000600", text, from: { id: ME, display_name: "Minji", avatar_url: null }, created_at: "2026-11-25T06:10:00.000Z" })),
  adminAccounts: vi.fn(async (plan: string | null) => ({
    accounts: [
      { user: { id: BOB, display_name: "Bob", avatar_url: null }, email: "bob@example.com", plan: "basic", is_admin: false, created_at: "2026-11-25T06:00:00.000Z" },
      { user: { id: ME, display_name: "Minji", avatar_url: null }, email: "minji@example.com", plan: "free", is_admin: true, created_at: "2026-11-24T06:00:00.000Z" },
    ].filter((a) => plan === null || a.plan === plan),
    has_more: false,
    plans: [
      { plan: "free", accounts: 1 },
      { plan: "basic", accounts: 1 },
      { plan: "premium", accounts: 0 },
    ],
  })),
  setUserPlan: vi.fn(async () => null),
  plans: vi.fn(async () => [
    { plan: "free", price_krw: 0, max_message_chars: 150, max_upload_bytes: 8 * 1024 * 1024 },
    { plan: "basic", price_krw: 2500, max_message_chars: 500, max_upload_bytes: 25 * 1024 * 1024 },
    { plan: "premium", price_krw: 5000, max_message_chars: 1000, max_upload_bytes: 100 * 1024 * 1024 },
  ]),
  membership: vi.fn(async () => ({ plan: "free", period_end: null, cancel_at_period_end: false, payments: [] })),
  startCheckout: vi.fn(async () => ({ order_id: "pq-order1", amount_krw: 5000, url: "http://127.0.0.1:8080/pay/pq-order1" })),
  setCancelAtPeriodEnd: vi.fn(async () => null),
  refundPayment: vi.fn(async () => null),
  adminPayments: vi.fn(async () => ({ payments: [], has_more: false, paid_krw: 0, refunded_krw: 0 })),
  reconcilePayments: vi.fn(async () => ({ checked: 0, mismatches: [] })),
  paidEvents: vi.fn(async () => []),
  checkUpdate: vi.fn(async () => null),
  downloadUpdate: vi.fn(async () => null),
  restartToUpdate: vi.fn(async () => null),
  eventParticipants: vi.fn(async () => ({ event: null, participants: [] })),
  buyEntries: vi.fn(async () => null),
  createPaidEvent: vi.fn(async () => null),
  paidEventAction: vi.fn(async () => null),
  verifyDraw: vi.fn(async () => null),
  fileCache: vi.fn(async () => ({ budget: 512 * 1024 * 1024, used: 3 * 1024 * 1024 })),
  setFileCacheBudget: vi.fn(async (budget: number) => ({ budget, used: 3 * 1024 * 1024 })),
}));
vi.mock("./bridge/commands", () => bridge);
// Decoding and scaling a picture needs a real engine (the desktop test does it).
const image = vi.hoisted(() => ({ squarePng: vi.fn(async () => [137, 80, 78, 71]) }));
vi.mock("./image", () => image);

import { App } from "./App";
import { PERMISSIONS } from "./state/roles";
import { buildRows, mentionAt, mentionChoices, shortcodeAt } from "./components/Messages";
import { formatDay, formatTime, translate } from "./i18n";
import { boot } from "./state/actions";
import { onEvent } from "./state/events";
import { resetState, setState } from "./state/store";
import { onPicture } from "./state/video";

const SERVER = "01900000-0000-7000-8000-00000000000a";
const GENERAL = "01900000-0000-7000-8000-000000000014";
const ME = "01900000-0000-7000-8000-000000000001";
const BOB = "01900000-0000-7000-8000-000000000002";

function info(signedIn: boolean, language = "en", gpu: boolean | null = false): AppInfo {
  return {
    server_url: "http://127.0.0.1:8080",
    version: "0.1.0",
    commit: "abc1234def",
    protocol: 1,
    me: signedIn
      ? { id: ME, display_name: "Minji", avatar_url: null, email: "minji@example.com", username: "minji", plan: "free", is_admin: false, about: null, custom_status: null, allow_server_dms: true }
      : null,
    status: "auto",
    message_limit: 150,
    upload_limit: 8 * 1024 * 1024,
    connection: { state: "online" },
    startup_error: null,
    settings: { close_to_tray: true, notifications: true, theme: "light", language, microphone: null, speakers: null, camera: null, push_to_talk: false, acceleration: "auto" },
    pending_invite: null,
    gpu,
  };
}

const MODS = "01900000-0000-7000-8000-000000000070";
const EVERYONE: Permission[] = ["create_invites", "send_messages", "connect", "speak", "mention_everyone"];
const ALL: Permission[] = PERMISSIONS;
const server: CachedServer = {
  server: { id: SERVER, name: "Study group", icon_url: null, owner_id: ME, created_at: "2026-11-25T00:00:00.000Z", description: null },
  roles: [
    { id: SERVER, name: "@everyone", color: 0, position: 0, permissions: EVERYONE },
    { id: MODS, name: "Mods", color: 0x2e8b57, position: 1, permissions: ["kick_members"] },
  ],
  my_roles: [],
  permissions: ALL,
  member_count: 2,
  notify: "all",
};
const channel = (id: string, name: string, kind: "text" | "voice" | "category", parent: string | null, unread = 0, mentions = 0): CachedChannel => ({
  channel: { id, server_id: SERVER, kind, name, parent_id: parent, position: 0, last_seq: 3, private: false, topic: null },
  last_read_seq: 1,
  unread_count: unread,
  mention_count: mentions,
  low_seq: 1,
  synced_seq: 3,
  muted: false,
});
const msg = (seq: number, author: string, body: string, at: string): Message => ({
  id: `01900000-0000-7000-8000-0000000001${seq.toString().padStart(2, "0")}`,
  channel_id: GENERAL,
  seq,
  author_id: author,
  client_id: `01900000-0000-7000-8000-0000000002${seq.toString().padStart(2, "0")}`,
  body,
  reply_to: null,
  created_at: at,
  edited_at: null,
  deleted: false,
  reactions: seq === 1 ? [{ emoji: "👍", count: 2, me: true }] : [],
  unread_by: seq === 3 ? 1 : 0,
  pinned: false,
  mentions_everyone: false,
  kind: "default",
  attachments: [],
});
const members: Member[] = [
  { user: { id: ME, display_name: "Minji", avatar_url: null }, roles: [], presence: "online", joined_at: "2026-11-25T00:00:00.000Z" },
  { user: { id: BOB, display_name: "Bob", avatar_url: null }, roles: [MODS], presence: "away", joined_at: "2026-11-25T00:00:00.000Z" },
];
const failed: OutboxEntry = {
  client_id: "01900000-0000-7000-8000-000000000301",
  channel_id: GENERAL,
  body: "too long for my plan",
  reply_to: null,
  created_at: "2026-11-25T06:10:00.000Z",
  state: { state: "failed", reason: "Messages are limited to 150 characters on the free plan." },
  attempts: 1,
  files: [],
};

function signedIn(language = "en") {
  bridge.appInfo.mockResolvedValue(info(true, language));
  bridge.servers.mockResolvedValue([server]);
  bridge.channels.mockResolvedValue([
    channel("cat", "Text Channels", "category", null),
    channel(GENERAL, "general", "text", "cat"),
    channel("01900000-0000-7000-8000-000000000015", "random", "text", "cat", 4, 1),
  ]);
  bridge.members.mockResolvedValue(members);
  const t: Timeline = {
    messages: [
      msg(1, BOB, "hello @minji", "2026-11-24T06:04:00.000Z"),
      msg(2, ME, "안녕하세요", "2026-11-25T06:04:00.000Z"),
      msg(3, ME, "second line", "2026-11-25T06:05:00.000Z"),
    ],
    mentions: [msg(1, BOB, "", "").id],
    pending: [failed],
    has_older: false,
  };
  bridge.timeline.mockResolvedValue(t);
}

/// The engine's send: the entry goes to the outbox, announced by an
/// `outbox` event before the command answers; `then` runs after that (a
/// delivery that overtakes the answer).
function engineSends(then: (entry: OutboxEntry) => void = () => {}) {
  bridge.send.mockImplementation(async (channelId: string, body: string) => {
    const entry: OutboxEntry = { ...failed, client_id: "01900000-0000-7000-8000-000000000399", channel_id: channelId, body, state: { state: "pending" } };
    onEvent({ kind: "core", data: { type: "outbox", entry } });
    then(entry);
    return entry;
  });
}

async function start() {
  render(<App />);
  await act(async () => {
    await boot();
  });
  await settle();
}

/// Lets layout-driven updates (the virtualised timeline) happen.
async function settle() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 50));
  });
}

beforeEach(() => {
  vi.clearAllMocks();
  resetState();
  document.hasFocus = () => true;
});


/// Opens a person's card by clicking `el` (a member row, an author's name)
/// and waits for it as a person would see it: drawn once the profile has
/// been asked for.
async function openCard(el: Element): Promise<HTMLElement> {
  await act(async () => {
    fireEvent.click(el);
  });
  return cardShown();
}

/// The open card, once drawn.
function cardShown(timeout = 1_000): Promise<HTMLElement> {
  return waitFor(
    () => {
      const card = document.getElementById("profile-card");
      if (!card) throw new Error("no card drawn");
      return card;
    },
    { timeout },
  );
}

describe("sign-in screen", () => {
  it("offers Google and Kakao and waits for the browser", async () => {
    bridge.appInfo.mockResolvedValue(info(false));
    let finish: () => void = () => {};
    bridge.signIn.mockImplementation(() => new Promise((r) => (finish = () => r({}))));
    await start();
    expect(screen.getByText("Continue with Kakao")).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByText("Continue with Google"));
    });
    expect(bridge.signIn).toHaveBeenCalledWith("Google");
    expect(screen.getByRole("status").textContent).toContain("Finish signing in in your browser");
    signedIn();
    await act(async () => finish());
    expect(await screen.findByText("Study group")).toBeTruthy();
  });
});

describe("main screen", () => {
  it("draws servers, channels with unread badges, messages by day, members and failed sends", async () => {
    signedIn();
    await start();
    expect(screen.getByText("random").closest(".channel-row")?.className).toContain("unread");
    expect(screen.getByLabelText("4 unread")).toBeTruthy();
    expect(screen.getByLabelText("1 mention").textContent).toBe("@1");
    expect(screen.getByText("hello @minji")).toBeTruthy();
    expect(screen.getAllByRole("separator")).toHaveLength(2);
    // Grouped: my two messages and my failed send show my name once.
    expect(screen.getAllByText("Minji", { selector: ".author" })).toHaveLength(1);
    expect(screen.getAllByText("Bob", { selector: ".author" })).toHaveLength(1);
    expect(screen.getByText("second line").closest(".message")?.className).not.toContain("head");
    expect(screen.getByText("👍 2").className).toContain("mine");
    expect(screen.getByText(/Not sent: Messages are limited/)).toBeTruthy();
    fireEvent.click(screen.getByText("Retry"));
    expect(bridge.retry).toHaveBeenCalledWith(failed.client_id, null);
    expect(screen.getByText("Members — 2")).toBeTruthy();
    expect(document.querySelector('[data-member="Bob"]')?.className).toContain("away");
    // Reading the channel marks it read up to the newest message.
    expect(bridge.markRead).toHaveBeenCalledWith(GENERAL, 3);
  });

  it("shows who is in a voice room, muted or on camera, and follows changes", async () => {
    signedIn();
    const LOUNGE = "01900000-0000-7000-8000-000000000016";
    bridge.channels.mockResolvedValue([channel(GENERAL, "general", "text", null), channel(LOUNGE, "Lounge", "voice", null)]);
    const bob = {
      server_id: SERVER,
      channel_id: LOUNGE,
      user_id: BOB,
      voice_session: "01900000-0000-7000-8000-000000000050",
      self_mute: true,
      self_deaf: false,
      server_mute: false,
      camera: true,
      speaking: false,
      joined_at: "2026-11-25T06:00:00.000Z",
    };
    bridge.voiceStates.mockResolvedValue([bob]);
    await start();
    const row = document.querySelector('[data-user="Bob"]');
    expect(row?.textContent).toContain("Bob");
    expect(screen.getByLabelText("1 person in the room")).toBeTruthy();
    expect(row?.querySelector('[aria-label="Muted"]')).toBeTruthy();
    expect(row?.querySelector('[aria-label="Camera on"]')).toBeTruthy();
    // Bob speaks with his microphone on; Minji joins.
    bridge.voiceStates.mockResolvedValue([
      { ...bob, self_mute: false, speaking: true },
      { ...bob, user_id: ME, camera: false, self_mute: false, voice_session: "01900000-0000-7000-8000-000000000051" },
    ]);
    await act(async () => onEvent({ kind: "core", data: { type: "voice_changed", server_id: SERVER } }));
    await settle();
    expect(screen.getByLabelText("2 people in the room")).toBeTruthy();
    expect(document.querySelector('[data-user="Bob"]')?.className).toContain("speaking");
    expect(document.querySelector('[data-user="Bob"] [aria-label="Muted"]')).toBeNull();
  });

  it("joins a voice room, shows the call and its controls, and leaves", async () => {
    signedIn();
    const LOUNGE = "01900000-0000-7000-8000-000000000016";
    bridge.channels.mockResolvedValue([channel(GENERAL, "general", "text", null), channel(LOUNGE, "Lounge", "voice", null)]);
    const me = {
      server_id: SERVER,
      channel_id: LOUNGE,
      user_id: ME,
      voice_session: "01900000-0000-7000-8000-000000000051",
      self_mute: true,
      self_deaf: false,
      server_mute: false,
      camera: false,
      speaking: false,
      joined_at: "2026-11-25T06:00:00.000Z",
    };
    const bob = { ...me, user_id: BOB, self_mute: false, voice_session: "01900000-0000-7000-8000-000000000050" };
    const info = {
      channel_id: LOUNGE,
      state: { state: "in_room" as const },
      me,
      participants: [{ state: { ...bob, camera: true }, connection: "connected", packets: 995, concealed: 5, level: 0.2, jitter_ms: 2.4, buffer_ms: 19.6, underruns: 1, underruns_concealed: 3, gaps_lately: 0, video_frames: 3, volume: 1, locally_muted: false, video_hidden: false }],
      my_level: 0,
      my_video: null,
      push_to_talk: false,
      talking: false,
      microphone_latency_ms: null,
      speakers_latency_ms: 8.4,
      microphone_xruns: null,
      speakers_xruns: 2,
    };
    bridge.voiceJoin.mockResolvedValue({ info, notice: "You can listen, but not speak: no microphone found." });
    bridge.callInfo.mockResolvedValue(info);
    await start();
    await act(async () => {
      fireEvent.click(screen.getByText("Lounge"));
    });
    expect(bridge.voiceJoin).toHaveBeenCalledWith(LOUNGE);
    expect(bridge.subscribeVideo).toHaveBeenCalledTimes(1);
    expect(screen.getByText("Voice connected")).toBeTruthy();
    expect(screen.getByText("1/1 connected")).toBeTruthy();
    expect(screen.getByText("No microphone")).toBeTruthy();
    // The call fills the main area: a tile for me and for Bob, his
    // connection's quality, his picture once one arrives.
    expect(document.querySelector('.tile[data-self] .tile-name')?.textContent).toBe("Minji (you)");
    expect(screen.getByLabelText("Connection: good")).toBeTruthy();
    // Bob's name on his tile opens his card.
    await act(async () => {
      fireEvent.click(document.querySelector(".tile[data-user='Bob'] .tile-name")!);
    });
    expect(document.querySelector("#profile-card .profile-name")!.textContent).toBe("Bob");
    fireEvent.keyDown(window, { key: "Escape" });
    expect(document.querySelector(`canvas[data-video="${BOB}"]`)).toBeNull();
    const picture = new Uint8Array(24 + 4 * 2 + 2 * 2 * 1);
    picture.set(BOB.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
    new DataView(picture.buffer).setUint32(16, 4, true);
    new DataView(picture.buffer).setUint32(20, 2, true);
    await act(async () => {
      onPicture(picture.buffer);
    });
    expect(document.querySelector(`canvas[data-video="${BOB}"]`)).toBeTruthy();
    // My settings for Bob, and my camera.
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Options for Bob"));
    });
    // How his audio reaches me.
    expect(document.querySelector(".peer-stats .stats-received")?.textContent).toBe("Received: 995 packets, 0.5 % lost");
    expect(document.querySelector(".peer-stats .stats-timing")?.textContent).toBe("Jitter: 2 ms · buffered: 20 ms");
    expect(document.querySelector(".peer-stats .stats-gaps")?.textContent).toBe("Gaps: 1 heard, 3 covered");
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Mute for me"));
    });
    expect(bridge.voicePeer).toHaveBeenCalledWith(BOB, null, true, null);
    // I own the server: I may mute Bob for everyone.
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Mute for everyone"));
    });
    expect(bridge.voiceServerMute).toHaveBeenCalledWith(LOUNGE, BOB, true);
    await act(async () => {
      fireEvent.click(document.getElementById("call-camera")!);
    });
    expect(bridge.voiceCamera).toHaveBeenCalledWith(true);
    // The devices: what the speakers in use hold, as the system says (the
    // microphone said nothing).
    await act(async () => {
      fireEvent.click(document.getElementById("call-devices")!);
      await new Promise((r) => setTimeout(r, 150));
    });
    expect(document.getElementById("speakers-latency")?.textContent).toBe("Latency: 8 ms");
    expect(document.getElementById("microphone-latency")).toBeNull();
    // The speakers fell behind twice (the microphone does not count).
    expect(document.getElementById("speakers-xruns")?.textContent).toBe("Dropouts: 2");
    expect(document.getElementById("speakers-xruns")?.classList.contains("warn")).toBe(true);
    expect(document.getElementById("microphone-xruns")).toBeNull();
    // Muted (no microphone): the button offers to unmute.
    await act(async () => {
      fireEvent.click(document.getElementById("call-mute")!);
    });
    expect(bridge.voiceSet).toHaveBeenCalledWith(false, null);
    await act(async () => {
      fireEvent.click(document.getElementById("call-leave")!);
    });
    expect(bridge.voiceLeave).toHaveBeenCalled();
    expect(screen.queryByText("Voice connected")).toBeNull();
  });

  it("says who joined and what a new plan allows", async () => {
    signedIn();
    await start();
    await act(async () =>
      onEvent({ kind: "core", data: { type: "member_joined", server_id: SERVER, user: { id: "01900000-0000-7000-8000-000000000003", display_name: "Carol", avatar_url: null } } }),
    );
    expect(screen.getByText("Carol joined Study group")).toBeTruthy();
    const basic = info(true);
    bridge.appInfo.mockResolvedValue({ ...basic, me: { ...basic.me!, plan: "basic" }, message_limit: 500 });
    await act(async () => onEvent({ kind: "core", data: { type: "plan_changed", plan: "basic" } }));
    await settle();
    expect(screen.getByText("You are on Basic now")).toBeTruthy();
    expect(screen.getByText("Your messages can be up to 500 characters long.")).toBeTruthy();
    // The server's plans were read again with another limit: the counter follows.
    bridge.appInfo.mockResolvedValue({ ...basic, me: { ...basic.me!, plan: "basic" }, message_limit: 300 });
    await act(async () => onEvent({ kind: "core", data: { type: "plans_changed" } }));
    await settle();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "가".repeat(301) } });
    expect(screen.getByText("1 character too long")).toBeTruthy();
  });

  it("gives administrators a console to announce to everyone, and nobody else", async () => {
    signedIn();
    await start();
    expect(document.getElementById("open-admin")).toBeNull();
    cleanup();
    resetState();
    signedIn();
    const admin = info(true);
    bridge.appInfo.mockResolvedValue({ ...admin, me: { ...admin.me!, is_admin: true } });
    await start();
    fireEvent.click(document.getElementById("open-admin")!);
    const dialog = screen.getByRole("dialog", { name: "Admin console" });
    const send = dialog.querySelector<HTMLButtonElement>("#send-announcement")!;
    expect(send.disabled).toBe(true);
    fireEvent.change(dialog.querySelector("#announcement")!, { target: { value: "  Maintenance at 22:00 KST  " } });
    await act(async () => {
      fireEvent.click(send);
    });
    expect(bridge.sendToast).toHaveBeenCalledWith("Maintenance at 22:00 KST");
    expect(dialog.querySelector(".announcement-sent")!.textContent).toBe("Shown to everyone: “Maintenance at 22:00 KST”");
    // Everyone connected, me included, sees it as a toast.
    await act(async () =>
      onEvent({ kind: "core", data: { type: "toast", toast: { id: "01900000-0000-7000-8000-000000000600", text: "Maintenance at 22:00 KST", from: { id: ME, display_name: "Minji", avatar_url: null }, created_at: "2026-11-25T06:10:00.000Z" } } }),
    );
    expect(screen.getAllByText("Maintenance at 22:00 KST").length).toBeGreaterThan(0);
    // Members by plan: the counts, one plan's members, a plan given.
    await vi.waitFor(() => expect(dialog.querySelectorAll(".account").length).toBe(2));
    expect(Array.from(dialog.querySelectorAll(".plan-count")).map((b) => b.textContent)).toEqual(["Free 1", "Basic 1", "Premium 0"]);
    await act(async () => {
      fireEvent.click(dialog.querySelector(".plan-count[data-plan='basic']")!);
    });
    expect(bridge.adminAccounts).toHaveBeenLastCalledWith("basic", null);
    await vi.waitFor(() => expect(dialog.querySelectorAll(".account").length).toBe(1));
    const bob = dialog.querySelector(".account[data-email='bob@example.com']")!;
    await act(async () => {
      fireEvent.change(bob.querySelector("select")!, { target: { value: "premium" } });
    });
    expect(bridge.setUserPlan).toHaveBeenCalledWith(BOB, "premium");
  });

  it("sends on Enter, keeps Shift+Enter as a new line, and counts against the plan", async () => {
    signedIn();
    engineSends();
    await start();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "first" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(bridge.send).not.toHaveBeenCalled();
    await act(async () => {
      fireEvent.keyDown(box, { key: "Enter" });
    });
    expect(bridge.send).toHaveBeenCalledWith(GENERAL, "first", null);
    expect(box.value).toBe("");
    await settle();
    expect(screen.getByText("Sending…")).toBeTruthy();
    fireEvent.change(box, { target: { value: "가".repeat(151) } });
    expect(screen.getByText("1 character too long")).toBeTruthy();
    fireEvent.keyDown(box, { key: "Enter" });
    expect(bridge.send).toHaveBeenCalledTimes(1);
  });

  it("does not show a message as sending when it was delivered before send returned", async () => {
    signedIn();
    // Delivered before the command's answer comes back.
    engineSends((entry) =>
      onEvent({ kind: "core", data: { type: "message", message: { ...msg(9, ME, entry.body, "2026-11-25T06:09:00.000Z"), client_id: entry.client_id }, live: true, mentions_me: false } }),
    );
    await start();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "quick one" } });
    await act(async () => {
      fireEvent.keyDown(box, { key: "Enter" });
    });
    await settle();
    expect(document.querySelectorAll(".message[data-body='quick one']").length).toBe(1);
    expect(document.querySelectorAll("[data-pending='quick one']").length).toBe(0);
  });

  it("suggests people as I type @ and completes the name", async () => {
    signedIn();
    engineSends();
    await start();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "see you @b" } });
    const list = screen.getByRole("listbox", { name: "People to mention" });
    expect(Array.from(list.querySelectorAll("li")).map((li) => li.textContent)).toEqual(["@Bob"]);
    // Enter takes the suggestion (it does not send).
    fireEvent.keyDown(box, { key: "Enter" });
    expect(bridge.send).not.toHaveBeenCalled();
    expect(box.value).toBe("see you @Bob ");
    expect(screen.queryByRole("listbox")).toBeNull();
    fireEvent.change(box, { target: { value: "see you @Bob at 7" } });
    await act(async () => {
      fireEvent.keyDown(box, { key: "Enter" });
    });
    expect(bridge.send).toHaveBeenCalledWith(GENERAL, "see you @Bob at 7", null);
    expect(bridge.send).toHaveBeenCalledTimes(1);
    // Escape closes the list; the draft stays.
    fireEvent.change(box, { target: { value: "@" } });
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["@Bob", "@everyone everyone in this channel", "@here everyone online"]);
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(screen.getAllByRole("option")[1].getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(box.value).toBe("@");
  });

  it("follows engine events: a live message, the connection, typing", async () => {
    signedIn();
    await start();
    await act(async () => {
      onEvent({ kind: "core", data: { type: "message", message: msg(4, BOB, "live one", "2026-11-25T06:06:00.000Z"), live: true, mentions_me: false } });
      onEvent({ kind: "core", data: { type: "message", message: msg(5, BOB, "@Minji look", "2026-11-25T06:07:00.000Z"), live: true, mentions_me: true } });
      onEvent({ kind: "core", data: { type: "typing", channel_id: GENERAL, user_id: BOB } });
      onEvent({ kind: "core", data: { type: "connection", state: { state: "reconnecting", retry_in_ms: 3000, reason: "x" } } });
    });
    await settle();
    expect(screen.getByText("live one")).toBeTruthy();
    // Messages that mention me (as the core says) are highlighted.
    const highlighted = Array.from(document.querySelectorAll(".message.mentioned")).map((e) => e.getAttribute("data-body"));
    expect(highlighted).toEqual(["hello @minji", "@Minji look"]);
    expect(screen.getByText("Bob is typing…")).toBeTruthy();
    expect(document.getElementById("connection-banner")?.textContent).toContain("Reconnecting in 3 s");
  });

  it("keeps a presence that came while the member list was being read", async () => {
    signedIn();
    await start();
    let answer: (m: Member[]) => void = () => {};
    bridge.members.mockImplementationOnce(() => new Promise<Member[]>((r) => (answer = r)));
    await act(async () => onEvent({ kind: "core", data: { type: "members_changed", server_id: SERVER } }));
    await act(async () => onEvent({ kind: "core", data: { type: "presence", user_id: BOB, presence: "dnd" } }));
    await act(async () => answer(members));
    expect(document.querySelector("[data-member='Bob'] .dot")!.className).toContain("dnd");
    // A list read after the event tells the truth again.
    await act(async () => onEvent({ kind: "core", data: { type: "members_changed", server_id: SERVER } }));
    expect(document.querySelector("[data-member='Bob'] .dot")!.className).toContain("away");
  });

  it("opens the accept dialog for an invite link", async () => {
    signedIn();
    bridge.previewInvite.mockResolvedValue({
      code: "abc",
      server_id: SERVER,
      server_name: "Book club",
      server_icon_url: null,
      member_count: 12,
      online_count: 3,
      inviter: { id: BOB, display_name: "Bob", avatar_url: null },
      expires_at: null,
      already_member: false,
    });
    await start();
    await act(async () => onEvent({ kind: "open_invite", data: { code: "abc" } }));
    expect(await screen.findByText("Join Book club")).toBeTruthy();
    expect(screen.getByText("12 members · 3 online")).toBeTruthy();
  });

  it("offers hardware acceleration in Settings, saying what automatic chose", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    const select = document.getElementById("acceleration") as HTMLSelectElement;
    expect(select.value).toBe("auto");
    expect(screen.getByText("Automatic (off: no graphics processor found)")).toBeTruthy();
    const on = info(true);
    on.settings.acceleration = "on";
    bridge.appInfo.mockResolvedValue(on);
    await act(async () => {
      fireEvent.change(select, { target: { value: "on" } });
    });
    expect(bridge.setSettings).toHaveBeenCalledWith(expect.objectContaining({ acceleration: "on", theme: "light" }));
    expect((document.getElementById("acceleration") as HTMLSelectElement).value).toBe("on");
    // How much the offline copies of files may take, and take now.
    const budget = (await vi.waitFor(() => document.getElementById("file-budget"))) as HTMLSelectElement;
    expect(budget.value).toBe(String(512 * 1024 * 1024));
    expect(screen.getByText("3.0 MB of 512 MB used. The least recently viewed go first.")).toBeTruthy();
    await act(async () => {
      fireEvent.change(budget, { target: { value: String(1024 * 1024 * 1024) } });
    });
    expect(bridge.setFileCacheBudget).toHaveBeenCalledWith(1024 * 1024 * 1024);
    expect(screen.getByText("3.0 MB of 1.0 GB used. The least recently viewed go first.")).toBeTruthy();
    // The plans this server offers, mine marked.
    const rows = Array.from(document.querySelectorAll("#membership tbody tr")).map((r) => r.textContent);
    expect(rows).toEqual([
      "FreeYour planNo charge150 characters8.0 MB",
      "Basic₩2,500 a month500 characters25 MBGet Basic",
      "Premium₩5,000 a month1,000 characters100 MBGet Premium",
    ]);
    // Buying Premium opens the checkout in the browser (the shell does) and
    // waits; the payment's result and the new membership arrive as events.
    await act(async () => {
      fireEvent.click(document.querySelector('.buy-plan[data-plan="premium"]')!);
    });
    expect(bridge.startCheckout).toHaveBeenCalledWith("premium");
    expect(screen.getByText(/Finish paying in your browser/)).toBeTruthy();
    const paid = {
      order_id: "pq-order1", user_id: ME, plan: "premium", amount_krw: 5000, refunded_krw: 0, status: "paid",
      created_at: "2026-12-06T06:00:00.000Z", paid_at: "2026-12-06T06:01:00.000Z", refundable_until: "2999-12-09T06:01:00.000Z", failure: null,
    };
    await act(async () => {
      onEvent({ kind: "payment_result", data: { ok: true, order_id: "pq-order1", reason: null } });
      onEvent({ kind: "core", data: { type: "membership_changed", membership: { plan: "free", period_end: "2027-01-05T06:01:00.000Z", cancel_at_period_end: false, payments: [paid] } } } as never);
    });
    expect(screen.getByText("Payment received")).toBeTruthy();
    expect(screen.queryByText(/Finish paying in your browser/)).toBeNull();
    const row = document.querySelector('.payment[data-order="pq-order1"]')!;
    expect(row.getAttribute("data-status")).toBe("paid");
    await act(async () => {
      fireEvent.click(row.querySelector(".refund")!);
    });
    expect(bridge.refundPayment).toHaveBeenCalledWith("pq-order1", null, "Taken back by the payer");

    // A paid event opens (pushed to everyone): entries can be bought; once
    // drawn, pq checks the draw itself.
    const ev = {
      id: "0190aaaa-0000-7000-8000-000000000001", title: "Year-end draw", entry_price_krw: 1500,
      starts_at: "2026-12-06T00:00:00.000Z", ends_at: "2026-12-31T00:00:00.000Z", state: "open", pot_krw: 3000,
      entries: 2, participants: 1, commitment: "ab".repeat(32), seed: null, winner: null, drawn_at: null,
    };
    await act(async () => {
      onEvent({ kind: "core", data: { type: "paid_event_changed", event: ev } } as never);
    });
    const item = document.querySelector(".paid-event[data-state='open']")!;
    expect(item.textContent).toContain("₩1,500 an entry · pot ₩3,000 · 2 entries from 1 people");
    fireEvent.change(item.querySelector("input")!, { target: { value: "3" } });
    expect(item.querySelector(".buy-entry")!.textContent).toBe("Buy for ₩4,500");
    await act(async () => {
      fireEvent.click(item.querySelector(".buy-entry")!);
    });
    expect(bridge.buyEntries).toHaveBeenCalledWith(ev.id, 3);
    bridge.verifyDraw.mockResolvedValueOnce({ commitment_ok: true, recomputed: ME, announced: ME, holds: true } as never);
    bridge.eventParticipants.mockResolvedValueOnce({ event: ev, participants: [{ user_id: ME, display_name: "Minji", entries: 2 }] } as never);
    await act(async () => {
      onEvent({ kind: "core", data: { type: "paid_event_changed", event: { ...ev, state: "drawn", seed: "cd".repeat(32), winner: ME } } } as never);
    });
    await act(async () => {
      fireEvent.click(document.querySelector(".paid-event[data-state='drawn'] .verify-draw")!);
    });
    expect(screen.getByText("The draw holds: the revealed seed matches the commitment, and it picks Minji.")).toBeTruthy();
  });

  it("edits my display name and picture in Settings", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    const name = document.getElementById("display-name") as HTMLInputElement;
    const save = document.getElementById("save-profile") as HTMLButtonElement;
    expect(name.value).toBe("Minji");
    expect(save.disabled).toBe(true);
    // Too long (65 characters) cannot be saved; blank neither.
    fireEvent.change(name, { target: { value: "가".repeat(65) } });
    expect(screen.getByText("At most 64 characters.")).toBeTruthy();
    expect(save.disabled).toBe(true);
    fireEvent.change(name, { target: { value: "   " } });
    expect(save.disabled).toBe(true);
    // Saved, trimmed; the shell's answer is shown.
    const renamed = info(true);
    renamed.me!.display_name = "Minji Kim";
    bridge.appInfo.mockResolvedValue(renamed);
    fireEvent.change(name, { target: { value: "  Minji Kim " } });
    await act(async () => {
      fireEvent.click(save);
    });
    expect(bridge.updateProfile).toHaveBeenCalledWith("Minji Kim");
    expect(screen.getByText("Saved.")).toBeTruthy();
    expect(screen.getAllByText("Minji Kim").length).toBeGreaterThan(0);
    // A refusal is shown in words.
    bridge.updateProfile.mockRejectedValueOnce({ code: "invalid", message: "display name must not contain control characters" });
    fireEvent.change(name, { target: { value: "Bad" } });
    await act(async () => {
      fireEvent.keyDown(name, { key: "Enter" });
    });
    expect(document.getElementById("profile-error")!.textContent).toBe("display name must not contain control characters");
    // A picture is cropped to a square and uploaded; then it can be removed.
    const pictured = info(true);
    pictured.me!.avatar_url = "/media/" + "a".repeat(64);
    bridge.appInfo.mockResolvedValue(pictured);
    const file = new File([new Uint8Array([1, 2, 3])], "me.jpg", { type: "image/jpeg" });
    await act(async () => {
      fireEvent.change(document.getElementById("avatar-file")!, { target: { files: [file] } });
    });
    expect(image.squarePng).toHaveBeenCalledWith(file);
    expect(bridge.setAvatar).toHaveBeenCalledWith([137, 80, 78, 71]);
    bridge.appInfo.mockResolvedValue(info(true));
    await act(async () => {
      fireEvent.click(document.getElementById("avatar-remove")!);
    });
    expect(bridge.removeAvatar).toHaveBeenCalled();
    expect(document.getElementById("avatar-remove")).toBeNull();
  });

  it("shows a new name someone chose in the member list at once", async () => {
    signedIn();
    await start();
    expect(document.querySelector("[data-member='Bob']")).toBeTruthy();
    await act(async () =>
      onEvent({ kind: "core", data: { type: "user_updated", user: { id: BOB, display_name: "Bobby", avatar_url: null } } }),
    );
    expect(document.querySelector("[data-member='Bob']")).toBeNull();
    expect(document.querySelector("[data-member='Bobby'] .member-name")!.textContent).toBe("Bobby");
    // My own name, changed on another device: my footer follows.
    const renamed = info(true);
    renamed.me!.display_name = "Minji Kim";
    bridge.appInfo.mockResolvedValue(renamed);
    await act(async () =>
      onEvent({ kind: "core", data: { type: "user_updated", user: { id: ME, display_name: "Minji Kim", avatar_url: null } } }),
    );
    expect(document.querySelector("footer.me .me-name")!.textContent).toBe("Minji Kim");
  });

  it("opens a person's card from the member list, and closes it with Escape", async () => {
    signedIn();
    await start();
    expect(document.getElementById("profile-card")).toBeNull();
    const card = await openCard(document.querySelector("[data-member='Bob']")!);
    expect(card.getAttribute("aria-label")).toBe("Bob");
    expect(card.querySelector(".profile-presence")!.textContent).toBe("Away");
    expect(card.querySelector(".profile-since")!.textContent).toContain("November 25, 2026");
    expect(card.textContent).not.toContain("(you)");
    // Presence moves on while the card is open.
    await act(async () => onEvent({ kind: "core", data: { type: "presence", user_id: BOB, presence: "online" } }));
    expect(card.querySelector(".profile-presence")!.textContent).toBe("Online");
    fireEvent.keyDown(window, { key: "Escape" });
    expect(document.getElementById("profile-card")).toBeNull();
    // My own card says it is mine and shows my role; a second click closes it.
    expect((await openCard(document.querySelector("[data-member='Minji']")!)).textContent).toContain("(you)");
    expect(document.querySelector("#profile-card .role")!.textContent).toBe("Owner");
    fireEvent.click(document.querySelector("[data-member='Minji']")!);
    expect(document.getElementById("profile-card")).toBeNull();
  });

  it("opens the card of a message's author", async () => {
    signedIn();
    await start();
    const card = await openCard((await screen.findAllByText("Bob", { selector: ".author" }))[0]);
    expect(card.getAttribute("aria-label")).toBe("Bob");
    expect(card.querySelector(".profile-presence")!.textContent).toBe("Away");
    fireEvent.mouseDown(document.querySelector(".composer textarea")!);
    expect(document.getElementById("profile-card")).toBeNull();
  });

  it("holds a card back a moment for the profile, so its buttons do not move under the pointer", async () => {
    signedIn();
    let answer: (p: Profile) => void = () => {};
    bridge.profile.mockImplementationOnce(() => new Promise<Profile>((resolve) => (answer = resolve)));
    await start();
    fireEvent.click(document.querySelector("[data-member='Bob']")!);
    // Not drawn while the profile is on its way...
    expect(document.getElementById("profile-card")).toBeNull();
    // ...until a moment has passed: then drawn without it, and busy.
    const card = await cardShown(2_000);
    expect(card.getAttribute("aria-busy")).toBe("true");
    expect(card.querySelector(".profile-about")).toBeNull();
    await act(async () => answer({ user: members[1].user, username: "bob", about: "Guitar", mutual_servers: [] }));
    expect(card.getAttribute("aria-busy")).toBe("false");
    expect(card.querySelector(".profile-about p")!.textContent).toBe("Guitar");
    // A profile that comes at once is drawn with the card, which is not busy.
    fireEvent.keyDown(window, { key: "Escape" });
    bridge.profile.mockResolvedValueOnce({ user: members[1].user, username: "bob", about: "Bass", mutual_servers: [] });
    const again = await openCard(document.querySelector("[data-member='Bob']")!);
    expect(again.getAttribute("aria-busy")).toBe("false");
    expect(again.querySelector(".profile-about p")!.textContent).toBe("Bass");
  });

  it("shows a person's card in Korean", async () => {
    signedIn("ko");
    await start();
    const card = await openCard(document.querySelector("[data-member='Bob']")!);
    expect(card.querySelector(".profile-presence")!.textContent).toBe("자리 비움");
    expect(card.querySelector(".profile-since")!.textContent).toContain("2026년 11월 25일");
  });

  it("edits the profile in Korean too", async () => {
    signedIn("ko");
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    expect(screen.getByText("표시 이름")).toBeTruthy();
    expect(screen.getByText("사진 바꾸기")).toBeTruthy();
    expect(screen.getAllByText("저장").length).toBe(3);
    expect(screen.getByText("사용자명")).toBeTruthy();
    expect(screen.getByText("내 소개")).toBeTruthy();
  });

  it("chooses my status and a custom status from my name", async () => {
    signedIn();
    await start();
    const button = document.getElementById("status-button")!;
    expect(button.querySelector(".dot")!.className).toContain("online");
    expect(button.textContent).toContain("Online");
    fireEvent.click(button);
    expect(document.querySelector(".status-menu")).toBeTruthy();
    expect(document.getElementById("status-auto")!.getAttribute("aria-checked")).toBe("true");
    const busy = info(true);
    busy.status = "dnd";
    bridge.appInfo.mockResolvedValue(busy);
    await act(async () => {
      fireEvent.click(document.getElementById("status-dnd")!);
    });
    expect(bridge.setStatus).toHaveBeenCalledWith("dnd");
    expect(document.querySelector(".status-menu")).toBeNull();
    expect(button.querySelector(".dot")!.className).toContain("dnd");
    expect(button.textContent).toContain("Do not disturb");

    // A custom status for 30 minutes.
    fireEvent.click(button);
    fireEvent.click(document.getElementById("custom-status-set")!);
    fireEvent.change(document.getElementById("custom-status-text")!, { target: { value: "  In a meeting " } });
    fireEvent.change(document.getElementById("custom-status-duration")!, { target: { value: "30" } });
    const until = new Date(Date.now() + 30 * 60_000).toISOString();
    const meeting = info(true);
    meeting.status = "dnd";
    meeting.me!.custom_status = { text: "In a meeting", expires_at: until };
    bridge.appInfo.mockResolvedValue(meeting);
    const before = Date.now();
    await act(async () => {
      fireEvent.click(document.getElementById("custom-status-save")!);
    });
    const [sent] = bridge.setCustomStatus.mock.calls[0] as unknown as [{ text: string; expires_at: string }];
    expect(sent.text).toBe("In a meeting");
    const expires = Date.parse(sent.expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
    expect(expires - before).toBeLessThanOrEqual(30 * 60_000 + 1000);
    expect(document.getElementById("custom-status-text")).toBeNull();
    expect(button.querySelector(".custom-status")!.textContent).toBe("In a meeting");
    // Cleared from the menu.
    bridge.appInfo.mockResolvedValue(busy);
    fireEvent.click(button);
    await act(async () => {
      fireEvent.click(document.getElementById("custom-status-clear")!);
    });
    expect(bridge.setCustomStatus).toHaveBeenLastCalledWith(null);
    expect(button.querySelector(".custom-status")).toBeNull();
    // Chosen on another device: the app follows.
    bridge.appInfo.mockResolvedValue(info(true));
    await act(async () => onEvent({ kind: "core", data: { type: "status_changed", status: "auto" } }));
    expect(button.querySelector(".dot")!.className).toContain("online");
  });

  it("shows others' custom statuses until they expire, do not disturb, and the card's about and mutual servers", async () => {
    signedIn();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    bridge.members.mockResolvedValue([
      members[0],
      { ...members[1], user: { ...members[1].user, custom_status: { text: "시험 공부 중", expires_at: soon } } },
      { user: { id: "01900000-0000-7000-8000-000000000003", display_name: "Carol", avatar_url: null, custom_status: { text: "stale", expires_at: past } }, roles: [], presence: "online", joined_at: "2026-11-25T00:00:00.000Z" },
    ]);
    bridge.profile.mockResolvedValue({ user: members[1].user, username: "bob.lee", about: "Guitar\nSeoul", mutual_servers: [SERVER] });
    await start();
    expect(document.querySelector("[data-member='Bob'] .custom-status")!.textContent).toBe("시험 공부 중");
    expect(document.querySelector("[data-member='Carol'] .custom-status")).toBeNull();
    await act(async () => onEvent({ kind: "core", data: { type: "presence", user_id: BOB, presence: "dnd" } }));
    expect(document.querySelector("[data-member='Bob'] .dot")!.className).toContain("dnd");
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Bob']")!);
    });
    const card = document.getElementById("profile-card")!;
    expect(bridge.profile).toHaveBeenCalledWith(BOB);
    expect(card.querySelector(".profile-presence")!.textContent).toBe("Do not disturb");
    expect(card.querySelector(".profile-username")!.textContent).toBe("@bob.lee");
    expect(card.querySelector(".profile-status")!.textContent).toBe("시험 공부 중");
    expect(card.querySelector(".profile-about p")!.textContent).toBe("Guitar\nSeoul");
    expect(card.querySelector(".profile-mutual h4")!.textContent).toBe("Mutual servers — 1");
    expect(card.querySelector(".profile-mutual .mutual-name")!.textContent).toBe("Study group");
  });

  it("shows friends on Home: requests to accept, adding by email, blocking from the card, blocked messages collapsed", async () => {
    signedIn();
    const CAROL = "01900000-0000-7000-8000-000000000003";
    const DAN = "01900000-0000-7000-8000-000000000004";
    const at = "2026-12-01T00:00:00.000Z";
    const rel = (id: string, name: string, kind: Relationship["kind"]): Relationship => ({
      user: { id, display_name: name, avatar_url: null },
      kind,
      since: at,
    });
    bridge.relationships.mockResolvedValue([rel(CAROL, "Carol", "incoming"), rel(BOB, "Bob", "friend"), rel(DAN, "Dan", "blocked")]);
    const t: Timeline = {
      messages: [msg(1, DAN, "you cannot see me", "2026-11-25T06:04:00.000Z"), msg(2, BOB, "hi", "2026-11-25T06:05:00.000Z")],
      mentions: [],
      pending: [],
      has_older: false,
    };
    bridge.timeline.mockResolvedValue(t);
    await start();
    // Dan is blocked: his message is collapsed until shown.
    expect(document.querySelector(".message.blocked")!.textContent).toContain("Blocked message.");
    expect(document.querySelector("[data-body='you cannot see me']")).toBeNull();
    fireEvent.click(document.querySelector(".show-blocked")!);
    expect(document.querySelector("[data-body='you cannot see me']")).toBeTruthy();
    // Nor is he shown typing.
    await act(async () => onEvent({ kind: "core", data: { type: "typing", channel_id: GENERAL, user_id: DAN } }));
    expect(document.querySelector(".typing")!.textContent).toBe("");
    await act(async () => onEvent({ kind: "core", data: { type: "typing", channel_id: GENERAL, user_id: BOB } }));
    expect(document.querySelector(".typing")!.textContent).toContain("Bob");

    // Home: one request waiting; Bob (away) is online among friends.
    const home = document.getElementById("home")!;
    expect(home.querySelector(".rail-badge")!.textContent).toBe("1");
    await act(async () => {
      fireEvent.click(home);
    });
    expect(document.querySelector("[data-friend='Bob']")).toBeTruthy();
    expect(document.querySelector("[data-friend='Carol']")).toBeNull();
    fireEvent.click(document.getElementById("friends-tab-pending")!);
    const carol = document.querySelector("[data-friend='Carol']")!;
    expect(carol.textContent).toContain("Wants to be your friend");
    bridge.addFriend.mockResolvedValue(rel(CAROL, "Carol", "friend"));
    await act(async () => {
      fireEvent.click(carol.querySelector(".accept")!);
    });
    expect(bridge.addFriend).toHaveBeenCalledWith(CAROL);
    expect(document.querySelector("[data-friend='Carol']")).toBeNull();
    expect(home.querySelector(".rail-badge")).toBeNull();
    fireEvent.click(document.getElementById("friends-tab-all")!);
    expect(document.querySelector(".friends-count")!.textContent).toBe("All friends — 2");
    // A friend's card from the list.
    await act(async () => {
      fireEvent.click(document.querySelector("[data-friend='Carol'] .friend-name")!);
    });
    expect(document.querySelector("#profile-card .profile-name")!.textContent).toBe("Carol");
    expect(document.getElementById("card-remove-friend")).toBeTruthy();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(document.getElementById("profile-card")).toBeNull();
    fireEvent.click(document.getElementById("friends-tab-blocked")!);
    await act(async () => {
      fireEvent.click(document.querySelector("[data-friend='Dan'] .unblock")!);
    });
    expect(bridge.removeRelationship).toHaveBeenCalledWith(DAN);
    expect(document.querySelector(".friends-empty")!.textContent).toBe("You have not blocked anyone.");

    // Adding by email: refused with the server's reason, then sent.
    fireEvent.click(document.getElementById("friends-tab-add")!);
    fireEvent.change(document.getElementById("friend-to")!, { target: { value: "nobody@example.com" } });
    bridge.addFriendBy.mockRejectedValueOnce({ kind: "api", message: "No user found." });
    await act(async () => {
      fireEvent.click(document.getElementById("friend-send")!);
    });
    expect(document.getElementById("friend-result")!.className).toBe("error");
    expect(document.getElementById("friend-result")!.textContent).toBe("No user found.");
    fireEvent.change(document.getElementById("friend-to")!, { target: { value: "@erin" } });
    bridge.addFriendBy.mockResolvedValueOnce(rel("01900000-0000-7000-8000-000000000005", "Erin", "outgoing"));
    await act(async () => {
      fireEvent.click(document.getElementById("friend-send")!);
    });
    expect(bridge.addFriendBy).toHaveBeenLastCalledWith("@erin");
    expect(document.getElementById("friend-result")!.textContent).toBe("Request sent to @erin.");

    // A request arriving live: a toast and the badge.
    await act(async () =>
      onEvent({ kind: "core", data: { type: "relationship_changed", relationship: rel(DAN, "Dan", "incoming"), live: true } }),
    );
    expect(screen.getByText("Dan wants to be your friend")).toBeTruthy();
    expect(home.querySelector(".rail-badge")!.textContent).toBe("1");

    // Back to the server; Bob's card offers to remove him or block him.
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Study group"));
    });
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Bob']")!);
    });
    expect(document.getElementById("card-remove-friend")).toBeTruthy();
    bridge.block.mockResolvedValue(rel(BOB, "Bob", "blocked"));
    await act(async () => {
      fireEvent.click(document.getElementById("card-block")!);
    });
    expect(bridge.block).toHaveBeenCalledWith(BOB);
    expect(document.getElementById("card-unblock")).toBeTruthy();
    expect(document.getElementById("card-add-friend")).toBeNull();
  });

  it("writes directly on Home: a conversation from the card, unread counts, a group started and left, in Korean too", async () => {
    signedIn();
    const at = "2026-11-25T06:00:00.000Z";
    const CAROL = "01900000-0000-7000-8000-000000000003";
    const DM = "01900000-0000-7000-8000-000000000061";
    const GROUP = "01900000-0000-7000-8000-000000000062";
    const minji = { id: ME, display_name: "Minji", avatar_url: null };
    const bob = { id: BOB, display_name: "Bob", avatar_url: null };
    const carol = { id: CAROL, display_name: "Carol", avatar_url: null };
    const dm = (id: string, kind: "direct" | "group", people: (typeof bob)[], unread = 0, name: string | null = null): CachedDm => ({
      channel: { id, kind, name, owner_id: ME, members: people, last_seq: 2, last_activity_at: at },
      last_read_seq: 2 - unread,
      unread_count: unread,
      mention_count: 0,
      muted: false,
    });
    bridge.relationships.mockResolvedValue([
      { user: bob, kind: "friend", since: at },
      { user: carol, kind: "friend", since: at },
    ]);
    bridge.dms.mockResolvedValue([dm(DM, "direct", [minji, bob], 1)]);
    await start();
    // One unread conversation: the Home button says so.
    const home = document.getElementById("home")!;
    expect(home.querySelector(".rail-badge")!.textContent).toBe("1");
    await act(async () => {
      fireEvent.click(home);
    });
    const item = document.querySelector("[data-dm='Bob']")!;
    expect(item.querySelector(".badge")!.textContent).toBe("1");

    // Bob's card in the server offers "Message": it opens the conversation.
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Study group"));
    });
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Bob']")!);
    });
    bridge.openDm.mockResolvedValueOnce(dm(DM, "direct", [minji, bob], 1));
    const t: Timeline = { messages: [{ ...msg(1, BOB, "저녁 먹었어?", at), channel_id: DM }], mentions: [], pending: [], has_older: false };
    bridge.timeline.mockResolvedValue(t);
    await act(async () => {
      fireEvent.click(document.getElementById("card-message")!);
    });
    await settle();
    expect(bridge.openDm).toHaveBeenCalledWith([BOB], null);
    expect(bridge.setActiveChannel).toHaveBeenLastCalledWith(DM);
    expect(document.querySelector(".dm-head .channel-title")!.textContent).toBe("Bob");
    expect(document.querySelector("[data-body='저녁 먹었어?']")).toBeTruthy();
    expect((document.getElementById("composer") as HTMLTextAreaElement).placeholder).toBe("Message @Bob");
    expect(document.querySelector(".members")).toBeNull();
    // Read: the badge goes.
    await act(async () => onEvent({ kind: "core", data: { type: "read_state", channel_id: DM, last_read_seq: 2, unread_count: 0 } }));
    expect(home.querySelector(".rail-badge")).toBeNull();
    // Sending goes to the conversation.
    engineSends();
    fireEvent.change(document.getElementById("composer")!, { target: { value: "응!" } });
    await act(async () => {
      fireEvent.keyDown(document.getElementById("composer")!, { key: "Enter" });
    });
    expect(bridge.send).toHaveBeenCalledWith(DM, "응!", null);

    // A group with Bob and Carol, named; refused first with the server's reason.
    fireEvent.click(document.getElementById("new-dm")!);
    fireEvent.click(document.querySelector("[data-pick='Bob'] input")!);
    fireEvent.click(document.querySelector("[data-pick='Carol'] input")!);
    fireEvent.change(document.getElementById("dm-name")!, { target: { value: "Weekend" } });
    bridge.openDm.mockRejectedValueOnce({ kind: "api", message: "They take direct messages from friends only." });
    await act(async () => {
      fireEvent.click(document.getElementById("dm-start")!);
    });
    expect(document.getElementById("dm-error")!.textContent).toBe("They take direct messages from friends only.");
    bridge.openDm.mockResolvedValueOnce(dm(GROUP, "group", [minji, bob, carol], 0, "Weekend"));
    bridge.timeline.mockResolvedValue({ messages: [], mentions: [], pending: [], has_older: false });
    await act(async () => {
      fireEvent.click(document.getElementById("dm-start")!);
    });
    await settle();
    expect(bridge.openDm).toHaveBeenLastCalledWith([BOB, CAROL], "Weekend");
    expect(document.querySelector(".modal")).toBeNull();
    expect(document.getElementById("dm-rename")!.textContent).toBe("Weekend");
    expect(document.querySelectorAll(".dm-members .member").length).toBe(3);
    expect(document.querySelector(".messages .muted")!.textContent).toBe("This is the start of Weekend.");
    // Renamed in place.
    bridge.renameDm.mockResolvedValueOnce(dm(GROUP, "group", [minji, bob, carol], 0, "Hiking"));
    bridge.dms.mockResolvedValue([dm(GROUP, "group", [minji, bob, carol], 0, "Hiking"), dm(DM, "direct", [minji, bob])]);
    fireEvent.click(document.getElementById("dm-rename")!);
    fireEvent.change(document.getElementById("dm-name-edit")!, { target: { value: "Hiking" } });
    await act(async () => {
      fireEvent.keyDown(document.getElementById("dm-name-edit")!, { key: "Enter" });
    });
    expect(bridge.renameDm).toHaveBeenCalledWith(GROUP, "Hiking");
    expect(document.getElementById("dm-rename")!.textContent).toBe("Hiking");
    // Leaving: back to the friends list, the group gone from the side list.
    bridge.dms.mockResolvedValue([dm(DM, "direct", [minji, bob])]);
    await act(async () => {
      fireEvent.click(document.getElementById("dm-leave")!);
    });
    expect(bridge.removeFromDm).toHaveBeenCalledWith(GROUP, ME);
    expect(document.querySelector(".friends")).toBeTruthy();
    expect(document.querySelector("[data-dm='Hiking']")).toBeNull();
    // A friend's row has "Message" too.
    fireEvent.click(document.getElementById("friends-tab-all")!);
    bridge.openDm.mockResolvedValueOnce(dm(DM, "direct", [minji, bob]));
    await act(async () => {
      fireEvent.click(document.querySelector("[data-friend='Carol'] .message")!);
    });
    expect(bridge.openDm).toHaveBeenLastCalledWith([CAROL], null);

    // In Korean.
    await act(async () => onEvent({ kind: "settings", data: { ...info(true).settings, language: "ko" } }));
    await act(async () => setState({ lang: "ko" }));
    expect(document.querySelector(".dm-list .category-toggle")!.textContent).toBe("개인 메시지");
  });

  it("rings for a call in a conversation: answer, decline, and stop when it ends or is declined elsewhere", async () => {
    signedIn();
    const at = "2026-11-25T06:00:00.000Z";
    const DM = "01900000-0000-7000-8000-000000000061";
    const bobUser = { id: BOB, display_name: "Bob", avatar_url: null };
    const minji = { id: ME, display_name: "Minji", avatar_url: null };
    bridge.dms.mockResolvedValue([
      { channel: { id: DM, kind: "direct", name: null, owner_id: BOB, members: [minji, bobUser], last_seq: 0, last_activity_at: at }, last_read_seq: 0, unread_count: 0, mention_count: 0, muted: false },
    ]);
    const bobInCall: VoiceState = {
      server_id: null,
      channel_id: DM,
      user_id: BOB,
      voice_session: "01900000-0000-7000-8000-000000000050",
      self_mute: false,
      self_deaf: false,
      server_mute: false,
      camera: false,
      speaking: false,
      joined_at: at,
    };
    bridge.dmCall.mockResolvedValue([bobInCall]);
    await start();
    await act(async () => onEvent({ kind: "core", data: { type: "ringing", channel_id: DM, caller: BOB } }));
    expect(document.querySelector(".ringing")!.textContent).toContain("Bob is calling");
    // The conversation shows the call going on, with a button to join it.
    await act(async () => {
      fireEvent.click(document.getElementById("home")!);
    });
    expect(document.querySelector("[data-dm='Bob'] .dm-in-call")).toBeTruthy();
    // Declined: the banner goes, and the server is told.
    await act(async () => {
      fireEvent.click(document.getElementById("ring-decline")!);
    });
    expect(bridge.declineCall).toHaveBeenCalledWith(DM);
    expect(document.querySelector(".ringing")).toBeNull();
    // Declined on my phone: it stops here too.
    await act(async () => onEvent({ kind: "core", data: { type: "ringing", channel_id: DM, caller: BOB } }));
    await act(async () => onEvent({ kind: "core", data: { type: "call_declined", channel_id: DM, user_id: ME } }));
    expect(document.querySelector(".ringing")).toBeNull();
    // Bob hangs up: the call is over, no more ringing.
    await act(async () => onEvent({ kind: "core", data: { type: "ringing", channel_id: DM, caller: BOB } }));
    bridge.dmCall.mockResolvedValue([]);
    await act(async () => onEvent({ kind: "core", data: { type: "dm_call_changed", channel_id: DM } }));
    expect(document.querySelector(".ringing")).toBeNull();
    expect(document.querySelector("[data-dm='Bob'] .dm-in-call")).toBeNull();
    // Answered: joins the conversation's call.
    bridge.dmCall.mockResolvedValue([bobInCall]);
    await act(async () => onEvent({ kind: "core", data: { type: "ringing", channel_id: DM, caller: BOB } }));
    bridge.voiceJoin.mockRejectedValueOnce({ kind: "voice", message: "no audio device" });
    await act(async () => {
      fireEvent.click(document.getElementById("ring-accept")!);
    });
    expect(bridge.voiceJoin).toHaveBeenCalledWith(DM);
    expect(document.querySelector(".ringing")).toBeNull();
    // In Korean.
    await act(async () => setState({ lang: "ko" }));
    await act(async () => onEvent({ kind: "core", data: { type: "ringing", channel_id: DM, caller: BOB } }));
    expect(document.querySelector(".ringing")!.textContent).toContain("Bob 님의 전화");
  });

  it("runs a server: the menu, renaming, invites, deleting by typing the name, member actions, a voice channel by choice", async () => {
    signedIn();
    const at = "2026-11-25T06:00:00.000Z";
    const invite: Invite = {
      code: "abcdefghijklmnop",
      url: "pq://invite/abcdefghijklmnop",
      server_id: SERVER,
      creator_id: ME,
      created_at: at,
      expires_at: null,
      max_uses: 5,
      uses: 2,
    };
    bridge.invites.mockResolvedValue([invite]);
    const who = (id: string, name: string) => ({ id, display_name: name, avatar_url: null });
    bridge.auditLog.mockImplementation(async (_s: string, before: number | null): Promise<AuditPage> =>
      before === null
        ? {
            entries: [
              { id: 3, action: "role_changed", actor: who(ME, "Minji"), target_user: who(BOB, "Bob"), target_channel: null, detail: "+Mods", created_at: at },
              { id: 2, action: "channels_moved", actor: who(ME, "Minji"), target_user: null, target_channel: null, detail: "1", created_at: at },
            ],
            has_more: true,
          }
        : {
            entries: [{ id: 1, action: "server_renamed", actor: who(ME, "Minji"), target_user: null, target_channel: null, detail: "Study group", created_at: at }],
            has_more: false,
          },
    );
    await start();
    // The menu under the server's name: notifications, settings, not "leave" (I own it).
    fireEvent.click(document.getElementById("server-menu-button")!);
    expect(document.getElementById("menu-leave")).toBeNull();
    expect(document.getElementById("notify-all")!.getAttribute("aria-checked")).toBe("true");
    bridge.servers.mockResolvedValue([{ ...server, notify: "mentions" }]);
    await act(async () => {
      fireEvent.click(document.getElementById("notify-mentions")!);
    });
    expect(bridge.setServerNotify).toHaveBeenCalledWith(SERVER, "mentions");
    expect(document.getElementById("notify-mentions")!.getAttribute("aria-checked")).toBe("true");
    await act(async () => {
      fireEvent.click(document.getElementById("menu-settings")!);
    });
    // The owner sees every tab.
    const tabs = Array.from(document.querySelectorAll(".settings-tabs [role=tab]")).map((e) => e.textContent);
    expect(tabs).toEqual(["Overview", "Roles", "Invites", "Bans", "Audit log"]);
    // Rename.
    fireEvent.change(document.getElementById("server-settings-name")!, { target: { value: "Book club" } });
    await act(async () => {
      fireEvent.click(document.getElementById("server-settings-save")!);
    });
    expect(bridge.renameServer).toHaveBeenCalledWith(SERVER, "Book club");
    expect(document.getElementById("server-settings-saved")).toBeTruthy();
    // Deleting waits for the name, typed exactly.
    const del = document.getElementById("delete-server") as HTMLButtonElement;
    expect(del.disabled).toBe(true);
    fireEvent.change(document.getElementById("delete-confirm")!, { target: { value: "Study grou" } });
    expect(del.disabled).toBe(true);
    fireEvent.change(document.getElementById("delete-confirm")!, { target: { value: "Study group" } });
    expect(del.disabled).toBe(false);
    // The audit log, a page at a time.
    await act(async () => {
      fireEvent.click(document.getElementById("settings-tab-audit")!);
    });
    const log = () => Array.from(document.querySelectorAll(".audit-log li > span:first-child")).map((e) => e.textContent);
    expect(log()).toEqual(["Minji gave Bob the role Mods", "Minji moved 1 channel"]);
    await act(async () => {
      fireEvent.click(document.getElementById("audit-older")!);
    });
    expect(bridge.auditLog).toHaveBeenLastCalledWith(SERVER, 2);
    expect(log()).toEqual(["Minji gave Bob the role Mods", "Minji moved 1 channel", "Minji renamed the server to Study group"]);
    expect(document.getElementById("audit-older")).toBeNull();
    // The invite, its use, and revoking it.
    await act(async () => {
      fireEvent.click(document.getElementById("settings-tab-invites")!);
    });
    expect(document.querySelector("[data-invite='abcdefghijklmnop']")!.textContent).toContain("used 2 of 5");
    bridge.invites.mockResolvedValue([]);
    await act(async () => {
      fireEvent.click(document.querySelector(".revoke-invite")!);
    });
    expect(bridge.revokeInvite).toHaveBeenCalledWith("abcdefghijklmnop");
    expect(document.querySelector("[data-invite]")).toBeNull();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(document.querySelector(".modal")).toBeNull();

    // Bob's card: his role (in its colour), taking it away, removing (confirmed first).
    expect((document.querySelector("[data-member='Bob'] .member-name") as HTMLElement).style.color).toBe("rgb(46, 139, 87)");
    expect(document.querySelector("[data-member='Bob'] .role")!.textContent).toBe("Mods");
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Bob']")!);
    });
    expect(document.querySelector("#profile-card [data-role='Mods']")).toBeTruthy();
    const mods = document.querySelector("[data-give-role='Mods']") as HTMLInputElement;
    expect(mods.checked).toBe(true);
    await act(async () => {
      fireEvent.click(mods);
    });
    expect(bridge.setMemberRole).toHaveBeenCalledWith(SERVER, BOB, MODS, false);
    fireEvent.click(document.getElementById("card-kick")!);
    expect(document.querySelector(".member-actions .confirm")!.textContent).toContain("Remove Bob from the server?");
    await act(async () => {
      fireEvent.click(document.getElementById("card-confirm")!);
    });
    expect(bridge.kick).toHaveBeenCalledWith(SERVER, BOB);
    // Banning Carol with the last day of her messages.
    const CAROL = "01900000-0000-7000-8000-000000000003";
    bridge.members.mockResolvedValue([...members, { user: { id: CAROL, display_name: "Carol", avatar_url: null }, roles: [], presence: "online", joined_at: at }]);
    await act(async () => onEvent({ kind: "core", data: { type: "members_changed", server_id: SERVER } }));
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Carol']")!);
    });
    fireEvent.click(document.getElementById("card-ban")!);
    expect(document.querySelector(".member-actions .confirm")!.textContent).toContain("Ban Carol?");
    fireEvent.change(document.getElementById("ban-purge")!, { target: { value: "day" } });
    await act(async () => {
      fireEvent.click(document.getElementById("card-confirm")!);
    });
    expect(bridge.ban).toHaveBeenCalledWith(SERVER, CAROL, "day");
    // She is on the bans list in the settings, and the ban can be lifted.
    bridge.bans.mockResolvedValue([{ user: { id: CAROL, display_name: "Carol", avatar_url: null }, banned_by: ME, created_at: at }]);
    fireEvent.click(document.getElementById("server-menu-button")!);
    await act(async () => {
      fireEvent.click(document.getElementById("menu-settings")!);
    });
    await act(async () => {
      fireEvent.click(document.getElementById("settings-tab-bans")!);
    });
    expect(document.querySelector("[data-ban='Carol']")!.textContent).toContain("banned by Minji");
    bridge.bans.mockResolvedValue([]);
    await act(async () => {
      fireEvent.click(document.querySelector("[data-ban='Carol'] .unban")!);
    });
    expect(bridge.unban).toHaveBeenCalledWith(SERVER, CAROL);
    expect(document.querySelector("[data-ban]")).toBeNull();
    fireEvent.keyDown(window, { key: "Escape" });

    // A voice channel in a category whose name says nothing about voice.
    await act(async () => {
      fireEvent.click(document.querySelector(".category-head .icon.small")!);
    });
    fireEvent.click(document.getElementById("new-channel-voice")!);
    fireEvent.change(document.querySelector(".inline-name")!, { target: { value: "수다방" } });
    await act(async () => {
      fireEvent.keyDown(document.querySelector(".inline-name")!, { key: "Enter" });
    });
    expect(bridge.createChannel).toHaveBeenCalledWith(SERVER, "수다방", "voice", "cat");

    // A category from the server menu.
    fireEvent.click(document.getElementById("server-menu-button")!);
    fireEvent.click(document.getElementById("menu-create-channel")!);
    fireEvent.click(document.getElementById("create-kind-category")!);
    expect(document.getElementById("create-channel-parent")).toBeNull();
    fireEvent.change(document.getElementById("create-channel-name")!, { target: { value: "Projects" } });
    await act(async () => {
      fireEvent.click(document.getElementById("create-channel-save")!);
    });
    expect(bridge.createChannel).toHaveBeenLastCalledWith(SERVER, "Projects", "category", null);
    expect(document.querySelector(".modal")).toBeNull();

    // #random moves above #general; then it is deleted, after confirming.
    const random = document.querySelector("[data-channel='random']")!.closest(".channel-row")!;
    fireEvent.click(random.querySelector(".more")!);
    await act(async () => {
      fireEvent.click(random.querySelector(".move-up")!);
    });
    expect(bridge.placeChannels).toHaveBeenCalledWith(SERVER, [
      { id: "01900000-0000-7000-8000-000000000015", parent_id: "cat", position: 0 },
      { id: GENERAL, parent_id: "cat", position: 1 },
    ]);
    fireEvent.click(random.querySelector(".more")!);
    fireEvent.click(random.querySelector(".delete-channel")!);
    expect(document.querySelector(".modal h2")!.textContent).toBe("Delete #random?");
    await act(async () => {
      fireEvent.click(document.getElementById("delete-channel-confirm")!);
    });
    expect(bridge.deleteChannel).toHaveBeenCalledWith("01900000-0000-7000-8000-000000000015");
  });

  it("edits roles: permissions, colour, rank, a new one, deleting", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("server-menu-button")!);
    await act(async () => {
      fireEvent.click(document.getElementById("menu-roles")!);
    });
    expect(document.getElementById("settings-tab-roles")!.getAttribute("aria-selected")).toBe("true");
    const rows = () => Array.from(document.querySelectorAll("[data-role-row]")).map((e) => e.textContent);
    expect(rows()).toEqual(["Mods", "@everyone"]);
    // Mods: allow banning too.
    const box = (p: string) => document.querySelector(`[data-permission='${p}']`) as HTMLInputElement;
    expect(box("kick_members").checked).toBe(true);
    await act(async () => {
      fireEvent.click(box("ban_members"));
    });
    expect(bridge.updateRole).toHaveBeenLastCalledWith(SERVER, MODS, { permissions: ["kick_members", "ban_members"] });
    // Renamed; it cannot rank higher than the top.
    fireEvent.change(document.getElementById("role-name")!, { target: { value: "Moderators" } });
    await act(async () => {
      fireEvent.click(document.getElementById("role-name-save")!);
    });
    expect(bridge.updateRole).toHaveBeenLastCalledWith(SERVER, MODS, { name: "Moderators" });
    expect((document.getElementById("role-up") as HTMLButtonElement).disabled).toBe(true);
    // @everyone: only permissions, no name.
    fireEvent.click(document.querySelector("[data-role-row='@everyone']")!);
    expect(document.getElementById("role-name")).toBeNull();
    expect(document.querySelector(".role-form")!.textContent).toContain("Everyone in the server holds @everyone");
    // A new role, picked at once.
    await act(async () => {
      fireEvent.click(document.getElementById("role-create")!);
    });
    expect(bridge.createRole).toHaveBeenCalledWith(SERVER, { name: "new role", permissions: [] });
    // Deleting Mods asks first.
    fireEvent.click(document.querySelector("[data-role-row='Mods']")!);
    fireEvent.click(document.getElementById("role-delete")!);
    expect(document.querySelector(".role-form")!.textContent).toContain("Delete Mods? Everyone who holds it loses it.");
    await act(async () => {
      fireEvent.click(document.getElementById("role-delete-confirm")!);
    });
    expect(bridge.deleteRole).toHaveBeenCalledWith(SERVER, MODS);
  });

  it("invites by name or email, and answers an invite sent to me on Home", async () => {
    signedIn();
    bridge.createInvite.mockResolvedValue({ code: "abcdefghijklmnopqrstuv", url: "pq://invite/abcdefghijklmnopqrstuv" });
    await start();
    fireEvent.click(document.getElementById("server-menu-button")!);
    await act(async () => {
      fireEvent.click(document.getElementById("menu-invite")!);
    });
    const invite = { code: "CODE", url: "pq://invite/CODE", server_id: SERVER, creator_id: ME, created_at: "2026-12-06T00:00:00.000Z", expires_at: null, max_uses: 1, uses: 0 };
    bridge.sendInvite.mockResolvedValueOnce({ invite, delivery: "in_app", to: { id: BOB, display_name: "Bob", avatar_url: null } });
    fireEvent.change(document.getElementById("invite-to")!, { target: { value: " bob@example.com " } });
    await act(async () => {
      fireEvent.click(document.getElementById("invite-send")!);
    });
    expect(bridge.sendInvite).toHaveBeenLastCalledWith(SERVER, "bob@example.com");
    expect(document.getElementById("invite-result")!.textContent).toBe("Sent to Bob: it waits in their app.");
    bridge.sendInvite.mockResolvedValueOnce({ invite, delivery: "not_sent", to: null });
    fireEvent.change(document.getElementById("invite-to")!, { target: { value: "new@example.com" } });
    await act(async () => {
      fireEvent.click(document.getElementById("invite-send")!);
    });
    expect(document.getElementById("invite-result")!.textContent).toContain("send them the link yourself (pq://invite/CODE)");
    fireEvent.keyDown(window, { key: "Escape" });

    // Someone invites me: a toast, the Home badge, and the invite on Home.
    const waiting: PendingInvite = {
      preview: {
        code: "WAITING",
        server_id: "01900000-0000-7000-8000-0000000000bb",
        server_name: "Book club",
        server_icon_url: null,
        server_description: null,
        member_count: 3,
        online_count: 1,
        inviter: { id: BOB, display_name: "Bob", avatar_url: null },
        expires_at: null,
        already_member: false,
      },
      sent_at: "2026-12-06T00:00:00.000Z",
    };
    bridge.pendingInvites.mockResolvedValue([waiting]);
    await act(async () => onEvent({ kind: "core", data: { type: "invite_received", invite: waiting } }));
    await act(async () => onEvent({ kind: "core", data: { type: "invites_changed" } }));
    expect(screen.getByText("Bob invited you to Book club")).toBeTruthy();
    expect(document.querySelector("#home .rail-badge")!.textContent).toBe("1");
    await act(async () => {
      fireEvent.click(document.getElementById("home")!);
    });
    const row = document.querySelector("[data-invite-from='Bob']")!;
    expect(row.textContent).toContain("Book club");
    expect(row.textContent).toContain("from Bob · 3 members");
    await act(async () => {
      fireEvent.click(row.querySelector(".invite-decline")!);
    });
    expect(bridge.declineInvite).toHaveBeenCalledWith("WAITING");
    expect(document.querySelector("[data-invite-from]")).toBeNull();
  });

  it("shows the schedule, marks interest, schedules an event, and lists what is coming on Home", async () => {
    signedIn();
    const LOUNGE = "01900000-0000-7000-8000-000000000016";
    const night: ScheduledEvent = {
      id: "01900000-0000-7000-8000-0000000000e1",
      server_id: SERVER,
      title: "Reading night",
      description: "Chapter 3",
      starts_at: "2026-11-25T10:00:00.000Z",
      ends_at: "2026-11-25T11:00:00.000Z",
      channel_id: LOUNGE,
      repeat: "weekly",
      creator_id: ME,
      interested: [BOB],
    };
    bridge.upcomingEvents.mockResolvedValue([[night, "2026-12-09T10:00:00.000Z"]]);
    bridge.channels.mockResolvedValue([channel(GENERAL, "general", "text", null), channel(LOUNGE, "Lounge", "voice", null)]);
    await start();
    fireEvent.click(document.getElementById("server-menu-button")!);
    await act(async () => {
      fireEvent.click(document.getElementById("menu-events")!);
    });
    const row = document.querySelector("[data-event='Reading night']")!;
    expect(row.textContent).toContain("Chapter 3");
    expect(row.textContent).toContain("in Lounge · Every week · 1 interested");
    expect(row.textContent).toContain(formatDay("en", "2026-12-09T10:00:00.000Z"));
    await act(async () => {
      fireEvent.click(row.querySelector(".event-interest")!);
    });
    expect(bridge.setEventInterest).toHaveBeenCalledWith(night.id, true);
    // A new one, an hour long, in the voice room, every week.
    fireEvent.change(document.getElementById("event-title")!, { target: { value: "Quiz" } });
    fireEvent.change(document.getElementById("event-start")!, { target: { value: "2026-12-10T19:30" } });
    fireEvent.change(document.getElementById("event-room")!, { target: { value: LOUNGE } });
    fireEvent.click(document.getElementById("event-weekly")!);
    await act(async () => {
      fireEvent.click(document.getElementById("event-create")!);
    });
    const begins = new Date("2026-12-10T19:30");
    expect(bridge.createEvent).toHaveBeenCalledWith(SERVER, {
      title: "Quiz",
      starts_at: begins.toISOString(),
      ends_at: new Date(begins.getTime() + 3_600_000).toISOString(),
      channel_id: LOUNGE,
      repeat: "weekly",
    });
    // Changing the first: its values fill the form; saving sends it whole.
    fireEvent.click(document.querySelector("[data-event='Reading night'] .event-edit")!);
    expect((document.getElementById("event-title") as HTMLInputElement).value).toBe("Reading night");
    expect((document.getElementById("event-weekly") as HTMLInputElement).checked).toBe(true);
    fireEvent.change(document.getElementById("event-title")!, { target: { value: "Reading night (ch. 4)" } });
    await act(async () => {
      fireEvent.click(document.getElementById("event-create")!);
    });
    expect(bridge.updateEvent).toHaveBeenCalledWith(night.id, {
      title: "Reading night (ch. 4)",
      starts_at: night.starts_at,
      ends_at: night.ends_at,
      description: "Chapter 3",
      channel_id: LOUNGE,
      repeat: "weekly",
    });
    fireEvent.keyDown(window, { key: "Escape" });
    // A reminder comes as a toast; Home lists what is coming.
    await act(async () =>
      onEvent({ kind: "core", data: { type: "event_reminder", event: night, starts_at: "2026-12-09T10:00:00.000Z", minutes: 10 } }),
    );
    expect(screen.getByText("Reading night starts in 10 minutes")).toBeTruthy();
    await act(async () => {
      fireEvent.click(document.getElementById("home")!);
    });
    expect(document.querySelector("[data-upcoming='Reading night']")!.textContent).toContain("Study group");
  });

  it("pins a message: the line in the channel, the mark, and the pinned panel", async () => {
    signedIn();
    await start();
    const first = document.querySelector("[data-seq='1']")!;
    await act(async () => {
      fireEvent.click(first.querySelector(".actions .pin")!);
    });
    expect(bridge.pinMessage).toHaveBeenCalledWith(GENERAL, msg(1, ME, "", "").id, true);
    // The server's answer comes as events: the message marked, and a line.
    const pinnedOne = { ...msg(1, ME, "hello", "2026-11-25T06:00:00.000Z"), pinned: true };
    const line = { ...msg(9, BOB, "", "2026-11-25T06:30:00.000Z"), kind: "pin" as const, reply_to: pinnedOne.id };
    await act(async () => onEvent({ kind: "core", data: { type: "message", message: pinnedOne, live: false, mentions_me: false } }));
    await act(async () => onEvent({ kind: "core", data: { type: "message", message: line, live: true, mentions_me: false } }));
    expect(document.querySelector("[data-seq='1'] .pinned-mark")).toBeTruthy();
    const system = document.querySelector("[data-system='pin']")!;
    expect(system.textContent).toContain("Bob pinned a message to this channel.");
    bridge.pins.mockResolvedValue([pinnedOne]);
    await act(async () => {
      fireEvent.click(system.querySelector(".see-pins")!);
    });
    expect(bridge.pins).toHaveBeenCalledWith(GENERAL);
    const panel = document.querySelector(".pins-panel")!;
    expect(panel.querySelector("[data-pinned='hello']")).toBeTruthy();
    bridge.pins.mockResolvedValue([]);
    await act(async () => {
      fireEvent.click(panel.querySelector(".unpin")!);
    });
    expect(bridge.pinMessage).toHaveBeenLastCalledWith(GENERAL, pinnedOne.id, false);
    expect(document.querySelector(".pins-panel")!.textContent).toContain("Nothing is pinned here yet.");
    fireEvent.click(document.getElementById("pins-button")!);
    expect(document.querySelector(".pins-panel")).toBeNull();
  });

  it("renders Markdown safely and opens links in the browser, asking first for masked ones", async () => {
    signedIn();
    const body = [
      "**bold** *it* ~~gone~~ `a<b>` ||secret|| <img src=x onerror=alert(1)>",
      "see https://example.com/docs and [the bank](https://evil.example/login) and [x](javascript:alert(1))",
      "```rust",
      "fn main() {}",
      "```",
      "> quoted",
      "- one",
      "- two",
    ].join("\n");
    const t: Timeline = { messages: [msg(1, BOB, body, "2026-11-25T06:04:00.000Z")], mentions: [], pending: [], has_older: false };
    bridge.timeline.mockResolvedValue(t);
    await start();
    const m = document.querySelector("[data-seq='1'] .body")!;
    expect(m.querySelector("strong")!.textContent).toBe("bold");
    expect(m.querySelector("em")!.textContent).toBe("it");
    expect(m.querySelector("s")!.textContent).toBe("gone");
    expect(m.querySelector("code")!.textContent).toBe("a<b>");
    expect(m.querySelector("blockquote")!.textContent).toBe("quoted");
    expect(Array.from(m.querySelectorAll("li")).map((x) => x.textContent)).toEqual(["one", "two"]);
    // Raw HTML is text, never an element.
    expect(m.querySelector("img")).toBeNull();
    expect(m.textContent).toContain("<img src=x onerror=alert(1)>");
    // A script link is not a link.
    expect(m.textContent).toContain("[x](javascript:alert(1))");
    expect(Array.from(m.querySelectorAll("a")).map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/docs",
      "https://evil.example/login",
    ]);
    // The code block, highlighted once the highlighter has loaded.
    const code = m.querySelector("pre.code-block")!;
    expect(code.getAttribute("data-lang")).toBe("rust");
    await vi.waitFor(() => expect(code.querySelector(".hljs-keyword")?.textContent).toBe("fn"));
    expect(code.textContent).toBe("fn main() {}");
    // A spoiler hides until clicked.
    const spoiler = m.querySelector(".spoiler")!;
    expect(spoiler.classList.contains("shown")).toBe(false);
    fireEvent.click(spoiler);
    expect(spoiler.classList.contains("shown")).toBe(true);
    // A bare link opens at once; a masked one asks first and says where it goes.
    const [plain, masked] = Array.from(m.querySelectorAll("a"));
    await act(async () => {
      fireEvent.click(plain);
    });
    expect(bridge.openLink).toHaveBeenCalledWith("https://example.com/docs");
    await act(async () => {
      fireEvent.click(masked);
    });
    expect(bridge.openLink).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("dialog", { name: "Leaving pq" }).textContent).toContain("https://evil.example/login");
    await act(async () => {
      fireEvent.click(document.getElementById("open-link")!);
    });
    expect(bridge.openLink).toHaveBeenLastCalledWith("https://evil.example/login");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("previews formatting in the composer and jumps to a reply's original, loading older pages", async () => {
    signedIn();
    const original = msg(1, BOB, "**the** `original`", "2026-11-25T06:00:00.000Z");
    const reply = { ...msg(40, ME, "a reply", "2026-11-25T07:00:00.000Z"), reply_to: original.id };
    bridge.timeline.mockResolvedValue({ messages: [msg(39, BOB, "later", "2026-11-25T06:59:00.000Z"), reply], mentions: [], pending: [], has_older: true });
    bridge.older.mockImplementation(async (_c: string, before: number) =>
      before === 39
        ? { messages: [msg(20, BOB, "middle", "2026-11-25T06:30:00.000Z")], mentions: [], has_older: true }
        : { messages: [original], mentions: [], has_older: false },
    );
    await start();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "plain words" } });
    expect(document.querySelector(".composer .preview")).toBeNull();
    fireEvent.change(box, { target: { value: "**loud**" } });
    expect(document.querySelector(".composer .preview strong")!.textContent).toBe("loud");
    await act(async () => {
      fireEvent.click(document.querySelector("[data-seq='40'] .reply-quote")!);
      await new Promise((r) => setTimeout(r, 100));
    });
    expect(bridge.older).toHaveBeenCalledTimes(2);
    // Its quote shows the words, not the formatting marks.
    expect(document.querySelector("[data-seq='40'] .reply-quote")!.textContent).toBe("↱ Bob the original");
    expect(document.querySelector("[data-seq='1']")!.classList.contains("highlighted")).toBe(true);
  });

  it("picks emoji: from the picker by an English or Korean name, as a reaction, and by :shortcode:", async () => {
    localStorage.removeItem("pq.emoji");
    signedIn();
    engineSends();
    await start();
    const box = screen.getByPlaceholderText("Message #general") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "good night " } });
    // The composer's picker: searched in Korean, the emoji goes in at the caret.
    await act(async () => {
      fireEvent.click(document.querySelector(".composer-emoji")!);
    });
    const picker = await screen.findByRole("dialog", { name: "Emoji" });
    await vi.waitFor(() => expect(picker.querySelector("[data-group='0'] h4")?.textContent).toBe("Smileys & emotion"));
    expect(picker.querySelector("[data-group='frequent']")).toBeNull();
    fireEvent.change(picker.querySelector(".emoji-search")!, { target: { value: "초승달" } });
    const moon = picker.querySelector(".emoji-grid button.emoji")!;
    expect(moon.getAttribute("data-emoji")).toBe("🌙");
    await act(async () => {
      fireEvent.click(moon);
    });
    expect(screen.queryByRole("dialog", { name: "Emoji" })).toBeNull();
    expect(box.value).toBe("good night 🌙");
    // A reaction from the full picker, searched in English; used ones come first next time.
    const second = document.querySelector("[data-seq='2']")!;
    await act(async () => {
      fireEvent.click(second.querySelector(".actions .react")!);
    });
    const reacting = await screen.findByRole("dialog", { name: "Emoji" });
    await vi.waitFor(() => expect(reacting.querySelector("[data-group='frequent'] [data-emoji='🌙']")).toBeTruthy());
    fireEvent.change(reacting.querySelector(".emoji-search")!, { target: { value: "party" } });
    const party = Array.from(reacting.querySelectorAll(".emoji-grid button.emoji")).find((b) => b.getAttribute("data-emoji") === "🎉")!;
    await act(async () => {
      fireEvent.click(party);
    });
    expect(bridge.react).toHaveBeenCalledWith(GENERAL, msg(2, ME, "", "").id, "🎉");
    // Who gave a reaction, on hover (asked once).
    const thumbs = document.querySelector("[data-seq='1'] .reaction[data-emoji='👍']")!;
    await act(async () => {
      fireEvent.mouseEnter(thumbs);
    });
    expect(bridge.reactors).toHaveBeenCalledWith(GENERAL, msg(1, ME, "", "").id, "👍");
    expect(thumbs.querySelector("[role='tooltip']")!.textContent).toBe("Minji, Bob reacted with 👍");
    fireEvent.mouseLeave(thumbs);
    expect(thumbs.querySelector("[role='tooltip']")).toBeNull();
    fireEvent.mouseEnter(thumbs);
    expect(bridge.reactors).toHaveBeenCalledTimes(1);
    // `:smi` offers emoji; Enter takes one; a whole :shortcode: becomes its emoji when sent.
    fireEvent.change(box, { target: { value: "hi :smi", selectionStart: 7 } });
    fireEvent.select(box, { target: { selectionStart: 7 } });
    const options = await screen.findAllByRole("option");
    expect(options[0].textContent).toContain(":smile:");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(box.value).toBe("hi 😄");
    fireEvent.change(box, { target: { value: "see you :wave: `:wave:`" } });
    await act(async () => {
      fireEvent.keyDown(box, { key: "Enter" });
    });
    expect(bridge.send).toHaveBeenLastCalledWith(GENERAL, "see you 👋 `:wave:`", null);
  });

  it("attaches pasted and picked files, shows their upload, and draws pictures at their size with a viewer", async () => {
    signedIn();
    const picture = { id: "01900000-0000-7000-8000-000000000501", filename: "beach.png", content_type: "image/png", size: 120_000, width: 1600, height: 900, thumbnail: true };
    const second = { ...picture, id: "01900000-0000-7000-8000-000000000502", filename: "sunset.jpg", content_type: "image/jpeg", width: 300, height: 600 };
    const doc = { id: "01900000-0000-7000-8000-000000000503", filename: "notes.txt", content_type: "text/plain", size: 2048, width: null, height: null, thumbnail: false };
    bridge.timeline.mockResolvedValue({
      messages: [{ ...msg(1, BOB, "", "2026-11-25T06:04:00.000Z"), attachments: [picture, doc] }, { ...msg(2, BOB, "and one more", "2026-11-25T06:05:00.000Z"), attachments: [second] }],
      mentions: [],
      pending: [],
      has_older: false,
    });
    await start();
    // Pictures are drawn at their size, fitted into 400 × 300, before they load.
    const first = document.querySelector<HTMLElement>(`.attachment-picture[data-attachment='${picture.id}']`)!;
    expect([first.style.width, first.style.height]).toEqual(["400px", "225px"]);
    expect(first.querySelector("img")!.getAttribute("src")).toBe(`pqmedia://localhost/attachment/${picture.id}/thumbnail`);
    const tall = document.querySelector<HTMLElement>(`.attachment-picture[data-attachment='${second.id}']`)!;
    expect([tall.style.width, tall.style.height]).toEqual(["150px", "300px"]);
    // A file card: name, size, type; download with the outcome.
    const card = document.querySelector(`.file-card[data-attachment='${doc.id}']`)!;
    expect(card.textContent).toContain("notes.txt");
    expect(card.textContent).toContain("2.0 KB · text/plain");
    await act(async () => {
      fireEvent.click(card.querySelector(".download")!);
    });
    expect(bridge.downloadAttachment).toHaveBeenCalledWith(doc.id, "notes.txt");
    act(() => onEvent({ kind: "download", data: { attachment_id: doc.id, received: 2048, total: 2048, done: "/home/minji/Downloads/notes.txt", error: null } }));
    expect(card.textContent).toContain("Saved to Downloads");
    // The viewer: the full picture, next and previous through the channel's pictures, Escape closes.
    act(() => {
      fireEvent.click(first);
    });
    const viewer = screen.getByRole("dialog", { name: "Picture 1 of 2" });
    expect(viewer.querySelector<HTMLImageElement>(".viewer-picture")!.getAttribute("src")).toBe(`pqmedia://localhost/attachment/${picture.id}`);
    act(() => {
      fireEvent.keyDown(window, { key: "ArrowRight" });
    });
    expect(screen.getByRole("dialog", { name: "Picture 2 of 2" }).textContent).toContain("sunset.jpg");
    act(() => {
      fireEvent.click(screen.getByRole("button", { name: "Previous picture" }));
    });
    expect(screen.getByRole("dialog", { name: "Picture 1 of 2" })).toBeTruthy();
    act(() => {
      fireEvent.keyDown(window, { key: "Escape" });
    });
    expect(screen.queryByRole("dialog", { name: /Picture/ })).toBeNull();

    // A pasted picture and a picked file go into the composer; one is taken back.
    const box = document.getElementById("composer") as HTMLTextAreaElement;
    URL.createObjectURL = vi.fn(() => "blob:pasted-preview");
    URL.revokeObjectURL = vi.fn();
    const pasted = new File([new Uint8Array([137, 80, 78, 71])], "paste.png", { type: "image/png" });
    await act(async () => {
      fireEvent.paste(box, { clipboardData: { files: [pasted] } });
    });
    await vi.waitFor(() => expect(bridge.stageFile).toHaveBeenCalledTimes(1));
    const picked = new File(["x".repeat(10)], "list.txt", { type: "text/plain" });
    const tooBig = new File([new Uint8Array(16)], "huge.bin");
    Object.defineProperty(tooBig, "size", { value: 9 * 1024 * 1024 });
    await act(async () => {
      fireEvent.change(document.querySelector(".file-picker")!, { target: { files: [picked, tooBig] } });
    });
    await vi.waitFor(() => expect(document.querySelectorAll(".staged-file").length).toBe(2));
    expect(bridge.stageFile).toHaveBeenCalledTimes(2);
    expect(Array.from(document.querySelectorAll(".staged-file")).map((e) => e.getAttribute("data-name"))).toEqual(["paste.png", "list.txt"]);
    expect(screen.getByText("huge.bin is larger than your plan allows (8.0 MB).")).toBeTruthy();
    // A picture shows a preview of itself.
    expect(document.querySelector(".staged-file[data-name='paste.png'] img")!.getAttribute("src")).toBe("blob:pasted-preview");
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Remove list.txt" }));
    });
    expect(bridge.unstage).toHaveBeenCalledWith("staged-list.txt");
    // Sent with no text: the files alone.
    await act(async () => {
      fireEvent.keyDown(box, { key: "Enter" });
    });
    expect(bridge.sendFiles).toHaveBeenCalledWith(GENERAL, "", null, ["staged-paste.png"]);
    expect(document.querySelectorAll(".staged-file").length).toBe(0);
    // The pending message shows its upload, which can be cancelled.
    const entry: OutboxEntry = { ...failed, client_id: "01900000-0000-7000-8000-000000000398", body: "", state: { state: "pending" }, files: [{ name: "paste.png", size: 4000, uploaded: null }] };
    act(() => onEvent({ kind: "core", data: { type: "outbox", entry } }));
    act(() => onEvent({ kind: "core", data: { type: "upload_progress", client_id: entry.client_id, channel_id: GENERAL, file: 0, sent: 1000, total: 4000 } }));
    const bar = document.querySelector<HTMLProgressElement>(".upload-progress progress")!;
    expect([bar.value, bar.max]).toEqual([1000, 4000]);
    const own = document.querySelector<HTMLProgressElement>(".pending-files li[data-name='paste.png'] progress")!;
    expect([own.value, own.max]).toEqual([1000, 4000]);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Cancel upload" }));
    });
    expect(bridge.cancelSend).toHaveBeenCalledWith(entry.client_id);
  });

  it("sets a channel's topic, shown in the header, and the server's description", async () => {
    signedIn();
    await start();
    const random = document.querySelector("[data-channel='random']")!.closest(".channel-row")!;
    fireEvent.click(random.querySelector(".more")!);
    fireEvent.click(random.querySelector(".channel-topic-edit")!);
    fireEvent.change(document.getElementById("topic-input")!, { target: { value: " Off-topic chat\nBe kind " } });
    const withTopic = channel("01900000-0000-7000-8000-000000000015", "random", "text", "cat");
    withTopic.channel.topic = "Off-topic chat\nBe kind";
    bridge.channels.mockResolvedValue([channel("cat", "Text Channels", "category", null), channel(GENERAL, "general", "text", "cat"), withTopic]);
    await act(async () => {
      fireEvent.click(document.getElementById("topic-save")!);
    });
    expect(bridge.setChannelTopic).toHaveBeenCalledWith("01900000-0000-7000-8000-000000000015", "Off-topic chat\nBe kind");
    await act(async () => {
      fireEvent.click(document.querySelector("[data-channel='random']")!);
    });
    expect(document.querySelector(".topbar .channel-topic")!.textContent).toBe("Off-topic chat");
    // The description, from the server settings.
    fireEvent.click(document.getElementById("server-menu-button")!);
    await act(async () => {
      fireEvent.click(document.getElementById("menu-settings")!);
    });
    fireEvent.change(document.getElementById("server-description")!, { target: { value: "Reading together" } });
    await act(async () => {
      fireEvent.click(document.getElementById("server-description-save")!);
    });
    expect(bridge.setServerDescription).toHaveBeenCalledWith(SERVER, "Reading together");
  });

  it("rearranges channels by dragging: before another, or into a category", async () => {
    signedIn();
    await start();
    const store: Record<string, string> = {};
    const dataTransfer = {
      types: [] as string[],
      effectAllowed: "",
      setData(k: string, v: string) {
        store[k] = v;
        this.types.push(k);
      },
      getData: (k: string) => store[k] ?? "",
    };
    const row = (name: string) => document.querySelector(`[data-channel='${name}']`)!.closest(".channel-row")!;
    fireEvent.dragStart(row("random"), { dataTransfer });
    fireEvent.dragOver(row("general"), { dataTransfer });
    expect(row("general").classList.contains("drop-target")).toBe(true);
    await act(async () => {
      fireEvent.drop(row("general"), { dataTransfer });
    });
    expect(bridge.placeChannels).toHaveBeenLastCalledWith(SERVER, [
      { id: "01900000-0000-7000-8000-000000000015", parent_id: "cat", position: 0 },
      { id: GENERAL, parent_id: "cat", position: 1 },
    ]);
    expect(row("general").classList.contains("drop-target")).toBe(false);
  });

  it("makes a channel private to a role and a person", async () => {
    signedIn();
    await start();
    const random = document.querySelector("[data-channel='random']")!.closest(".channel-row")!;
    expect(random.querySelector(".lock")).toBeNull();
    fireEvent.click(random.querySelector(".more")!);
    await act(async () => {
      fireEvent.click(random.querySelector(".channel-access")!);
    });
    expect(document.querySelector(".modal h2")!.textContent).toBe("Who can see #random");
    expect(document.querySelector(".modal")!.textContent).toContain("Everyone in the server sees it.");
    fireEvent.click(document.getElementById("access-private")!);
    fireEvent.click(document.querySelector("[data-access-role='Mods']")!);
    fireEvent.click(document.querySelector("[data-access-user='Bob']")!);
    // The owner is not on the list: she always sees it.
    expect(document.querySelector("[data-access-user='Minji']")).toBeNull();
    bridge.channels.mockResolvedValue([
      channel("cat", "Text Channels", "category", null),
      channel(GENERAL, "general", "text", "cat"),
      { ...channel("01900000-0000-7000-8000-000000000015", "random", "text", "cat"), channel: { ...channel("01900000-0000-7000-8000-000000000015", "random", "text", "cat").channel, private: true } },
    ]);
    await act(async () => {
      fireEvent.click(document.getElementById("access-save")!);
    });
    expect(bridge.setChannelAccess).toHaveBeenCalledWith("01900000-0000-7000-8000-000000000015", { private: true, roles: [MODS], users: [BOB] });
    expect(document.querySelector(".modal")).toBeNull();
    expect(document.querySelector("[data-channel='random'] .lock")).toBeTruthy();
  });

  it("shows only what a member's permissions allow", async () => {
    signedIn();
    // Bob owns it; I hold Mods (remove members), ranked above @everyone only.
    bridge.servers.mockResolvedValue([
      { ...server, server: { ...server.server, owner_id: BOB }, my_roles: [MODS], permissions: [...EVERYONE, "kick_members"] },
    ]);
    const CAROL = "01900000-0000-7000-8000-000000000003";
    bridge.members.mockResolvedValue([
      { ...members[0], roles: [MODS] },
      members[1],
      { user: { id: CAROL, display_name: "Carol", avatar_url: null }, roles: [], presence: "online", joined_at: "2026-11-25T00:00:00.000Z" },
    ]);
    await start();
    fireEvent.click(document.getElementById("server-menu-button")!);
    expect(document.getElementById("menu-settings")).toBeNull();
    expect(document.getElementById("menu-create-channel")).toBeNull();
    expect(document.getElementById("menu-invite")).toBeTruthy();
    fireEvent.click(document.getElementById("server-menu-button")!);
    // Carol ranks below me: I may remove her, not ban her or change her roles.
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Carol']")!);
    });
    expect(document.getElementById("card-kick")).toBeTruthy();
    expect(document.getElementById("card-ban")).toBeNull();
    expect(document.querySelector("[data-give-role]")).toBeNull();
    // Bob owns it: nothing to do to him.
    await act(async () => {
      fireEvent.click(document.querySelector("[data-member='Bob']")!);
    });
    expect(document.querySelector(".member-actions")).toBeNull();
    expect(document.querySelector("#profile-card .role")!.textContent).toBe("Owner");
  });

  it("leaves a server I do not own, confirmed", async () => {
    signedIn();
    bridge.servers.mockResolvedValue([{ ...server, server: { ...server.server, owner_id: BOB }, permissions: EVERYONE }]);
    await start();
    fireEvent.click(document.getElementById("server-menu-button")!);
    expect(document.getElementById("menu-settings")).toBeNull();
    fireEvent.click(document.getElementById("menu-leave")!);
    bridge.servers.mockResolvedValue([]);
    await act(async () => {
      fireEvent.click(document.getElementById("leave-confirm")!);
    });
    expect(bridge.leaveServer).toHaveBeenCalledWith(SERVER);
    expect(screen.getByText("You are in no server yet.")).toBeTruthy();
  });

  it("changes my username in Settings, checked as I type", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    const input = document.getElementById("username") as HTMLInputElement;
    const save = document.getElementById("save-username") as HTMLButtonElement;
    expect(input.value).toBe("minji");
    expect(save.disabled).toBe(true);
    fireEvent.change(input, { target: { value: "민지" } });
    expect(save.disabled).toBe(true);
    bridge.setUsername.mockRejectedValueOnce({ kind: "api", message: "The username minji.k is taken." });
    fireEvent.change(input, { target: { value: "@Minji.K" } });
    await act(async () => {
      fireEvent.click(save);
    });
    expect(bridge.setUsername).toHaveBeenCalledWith("minji.k");
    expect(document.getElementById("username-error")!.textContent).toBe("The username minji.k is taken.");
    const renamed = info(true);
    renamed.me!.username = "minji.kim";
    bridge.appInfo.mockResolvedValue(renamed);
    fireEvent.change(input, { target: { value: "minji.kim" } });
    await act(async () => {
      fireEvent.keyDown(input, { key: "Enter" });
    });
    expect(bridge.setUsername).toHaveBeenLastCalledWith("minji.kim");
    expect(document.getElementById("username-saved")).toBeTruthy();
  });

  it("edits my about text in Settings", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    const about = document.getElementById("about-me") as HTMLTextAreaElement;
    const save = document.getElementById("save-about") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(about, { target: { value: "a".repeat(191) } });
    expect(save.disabled).toBe(true);
    const written = info(true);
    written.me!.about = "Guitar and tea";
    bridge.appInfo.mockResolvedValue(written);
    fireEvent.change(about, { target: { value: "Guitar and tea" } });
    await act(async () => {
      fireEvent.click(save);
    });
    expect(bridge.setAbout).toHaveBeenCalledWith("Guitar and tea");
    expect(document.getElementById("about-saved")).toBeTruthy();
  });

  it("leaves acceleration to the webview where pq cannot choose it", async () => {
    signedIn();
    bridge.appInfo.mockResolvedValue(info(true, "en", null));
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    expect(screen.getByText("Theme")).toBeTruthy();
    expect(document.getElementById("acceleration")).toBeNull();
  });

  it("says in Settings which pq and which server this is, and when the server cannot be reached", async () => {
    signedIn();
    await start();
    fireEvent.click(document.getElementById("open-settings")!);
    expect(await screen.findByText("pq 0.1.0 (commit abc1234def), protocol v1")).toBeTruthy();
    expect(await screen.findByText("Server http://127.0.0.1:8080: pq-server 0.1.0, protocol v1")).toBeTruthy();
    fireEvent.click(screen.getByText("Close"));
    bridge.serverVersion.mockRejectedValueOnce({ code: "network", message: "offline" });
    fireEvent.click(document.getElementById("open-settings")!);
    expect(await screen.findByText("Server http://127.0.0.1:8080: not reachable now")).toBeTruthy();
  });

  it("opens the first channel with one start-up call, and offers a signed update found at start", async () => {
    signedIn();
    bridge.checkUpdate.mockResolvedValueOnce({ version: "9.0.0", notes: "Faster start" } as never);
    await start();
    expect(bridge.startup).toHaveBeenCalledTimes(1);
    expect(bridge.appInfo).toHaveBeenCalledTimes(1); // inside the start-up stand-in, not again
    expect(bridge.setActiveChannel).toHaveBeenCalled();
    // After the first frame: the member list, and the shell told (its tray).
    await waitFor(() => expect(bridge.firstFrameDrawn).toHaveBeenCalledTimes(1));
    expect(bridge.members).toHaveBeenCalled();
    fireEvent.click(document.getElementById("open-settings")!);
    expect(await screen.findByText("pq 9.0.0 is available.")).toBeTruthy();
    // A download whose signature does not match: said, nothing to restart into.
    bridge.downloadUpdate.mockRejectedValueOnce({ code: "update", message: "this update is not signed by pq's publisher: it was not installed" } as never);
    await act(async () => {
      fireEvent.click(document.getElementById("download-update")!);
    });
    expect(await screen.findByText("this update is not signed by pq's publisher: it was not installed")).toBeTruthy();
    expect(document.getElementById("restart-update")).toBeNull();
    // Again, signed: progress, then "Restart to update".
    let finish: () => void = () => {};
    bridge.downloadUpdate.mockImplementationOnce(() => new Promise((r) => (finish = () => r(null))) as never);
    await act(async () => {
      fireEvent.click(document.getElementById("download-update")!);
    });
    await act(async () => {
      onEvent({ kind: "update_progress", data: { received: 50, total: 100 } });
    });
    expect((document.querySelector(".update-progress") as HTMLProgressElement).value).toBe(50);
    await act(async () => finish());
    // The system refuses the install (its password prompt dismissed): said,
    // and offered again.
    bridge.restartToUpdate.mockRejectedValueOnce({ code: "update", message: "the update could not be installed" } as never);
    const restart = await screen.findByText("Restart to update");
    await act(async () => {
      fireEvent.click(restart);
    });
    expect(await screen.findByText("the update could not be installed")).toBeTruthy();
    // Again: "Installing…" (not clickable twice) until pq starts again.
    bridge.restartToUpdate.mockImplementationOnce(() => new Promise(() => {}) as never);
    fireEvent.click(screen.getByText("Restart to update"));
    expect(await screen.findByText("Installing…")).toBeTruthy();
    expect((document.getElementById("restart-update") as HTMLButtonElement).disabled).toBe(true);
    expect(bridge.restartToUpdate).toHaveBeenCalled();
    // Nothing newer: said so.
    bridge.checkUpdate.mockResolvedValueOnce(null as never);
    await act(async () => {
      fireEvent.click(document.getElementById("check-update")!);
    });
    expect(await screen.findByText("pq is up to date.")).toBeTruthy();
  });

  it("speaks Korean", async () => {
    signedIn("ko");
    await start();
    expect(screen.getByPlaceholderText("#general에 메시지 보내기")).toBeTruthy();
    expect(screen.getByText("멤버 — 2")).toBeTruthy();
  });
});

describe("shortcodes", () => {
  it("finds the :name being typed at the caret", () => {
    expect(shortcodeAt("hi :smi", 7)).toEqual({ start: 3, query: "smi" });
    expect(shortcodeAt(":+1", 3)).toEqual({ start: 0, query: "+1" });
    expect(shortcodeAt("hi :s", 5)).toBeNull();
    expect(shortcodeAt("at 10:30", 8)).toBeNull();
    expect(shortcodeAt("hi smile", 8)).toBeNull();
  });
});

describe("mentions", () => {
  it("finds the @name being typed at the caret", () => {
    expect(mentionAt("hi @mi", 6)).toEqual({ start: 3, query: "mi" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("mail me@home", 12)).toBeNull();
    expect(mentionAt("hi @minji and", 13)).toBeNull();
    expect(mentionAt("hi @mi and", 6)).toEqual({ start: 3, query: "mi" });
  });

  it("offers members by any word of their name, names first, not me", () => {
    const people = [
      { id: ME, display_name: "Minji", avatar_url: null },
      { id: BOB, display_name: "Bob Kim", avatar_url: null },
      { id: "3", display_name: "Kim Minsu", avatar_url: null },
      { id: "4", display_name: "김민지", avatar_url: null },
    ];
    expect(mentionChoices(people, "kim", ME)).toEqual(["Kim Minsu", "Bob Kim"]);
    expect(mentionChoices(people, "min", ME)).toEqual(["Kim Minsu"]);
    expect(mentionChoices(people, "김", ME)).toEqual(["김민지"]);
    expect(mentionChoices(people, "e", ME)).toEqual(["everyone"]);
    expect(mentionChoices(people, "", ME, 3)).toEqual(["Bob Kim", "Kim Minsu", "김민지"]);
  });
});

describe("dates and rows", () => {
  it("formats Korean days and times the seed's way", () => {
    const at = "2026-11-25T06:04:00.000Z";
    const local = new Date(at);
    expect(formatDay("ko", at)).toMatch(new RegExp(`^2026년 11월 ${local.getDate()}일 \\(.\\)$`));
    expect(formatTime("ko", "2026-11-25T15:04:00")).toBe("오후 3:04");
    expect(translate("ko", "msg.unreadBy", { n: 2 })).toBe("2명 안 읽음");
  });

  it("says one member, two members", () => {
    expect(translate("en", "accept.members", { n: 1, online: 0 })).toBe("1 member · 0 online");
    expect(translate("en", "accept.members", { n: 2, online: 1 })).toBe("2 members · 1 online");
    expect(translate("ko", "accept.members", { n: 1, online: 0 })).toBe("멤버 1명 · 온라인 0명");
  });

  it("groups one person's messages and divides days", () => {
    const rows = buildRows("en", [msg(1, BOB, "a", "2026-11-24T10:00:00Z"), msg(2, BOB, "b", "2026-11-24T10:01:00Z"), msg(3, BOB, "c", "2026-11-24T10:30:00Z")], [], ME);
    expect(rows.map((r) => r.kind)).toEqual(["day", "message", "message", "message"]);
    expect(rows.filter((r) => r.kind === "message").map((r) => (r as { head: boolean }).head)).toEqual([true, false, true]);
  });
});

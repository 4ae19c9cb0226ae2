// What the person does, as calls to the bridge and updates of the state.

import * as bridge from "../bridge/commands";
import type {
  AppInfo,
  Timeline,
  Attachment,
  StagedFile,
  CachedChannel,
  CachedDm,
  ChannelAccess,
  ChannelId,
  CommandError,
  CustomStatus,
  EventSpec,
  InviteSent,
  Message,
  NotifyLevel,
  PurgeWindow,
  Relationship,
  RoleId,
  ServerId,
  ServerRole,
  Settings,
  StatusChoice,
  UiEvent,
  UpdateRole,
  UserId,
} from "../bindings";
import { resolveLang, translate } from "../i18n";
import { getState, patchTimeline, presenceMark, presenceNewer, setState, themeOf } from "./store";
import { onEvent } from "./events";
import { forgetPictures, onPicture } from "./video";
import { dropSnapshot, keepSnapshot } from "../snapshot";

/// A command's failure in words.
export function reason(e: unknown): string {
  const c = e as Partial<CommandError>;
  return c?.message ?? String(e);
}

/// Runs a change, then (only when it worked) `after`; the refusal in words,
/// or null. Every change the person makes from a form goes through here.
export async function attempt(run: () => Promise<unknown>, after?: () => Promise<unknown> | void): Promise<string | null> {
  try {
    await run();
  } catch (e) {
    return reason(e);
  }
  await after?.();
  return null;
}

function fail(e: unknown) {
  setState({ error: reason(e) });
}

/// Starts the UI: first frame from the cache, then events.
export async function boot() {
  await bridge.subscribe((e: UiEvent) => onEvent(e));
  // One call for the first frame: info, servers, the first channel and its
  // messages (all from the cache).
  performance.mark("pq:startup-asked");
  const st = await bridge.startup();
  performance.mark("pq:startup-answered");
  applyInfo(st.info);
  if (st.info.me) {
    setState({ servers: st.servers });
    if (st.server_id) {
      const serverId = st.server_id;
      setState((s) => ({ serverId, home: false, channels: { ...s.channels, [serverId]: st.channels } }));
      if (st.channel_id && st.timeline) {
        setState({ channelId: st.channel_id });
        showTimeline(st.channel_id, st.timeline);
        markFirstChannel();
      }
    }
  }
  // The rest after the first frame, which each answer would otherwise hold
  // up (each one renders again): the member list and voice rooms, friends,
  // conversations, invites, events; and what the shell keeps for after it
  // (the tray icon, registering for pq:// links).
  await afterNextFrame();
  // The live app is drawn: the restored last screen goes; from now on the
  // screen is saved for the next start (signed out: forgotten).
  dropSnapshot();
  if (!st.info.me) void bridge.saveSnapshot(null).catch(() => null);
  keepSnapshot();
  if (st.info.me) {
    if (st.server_id) {
      void loadMembers(st.server_id);
      void loadVoice(st.server_id);
    }
    void loadRelationships();
    void loadDms();
    void loadInvites();
    void loadUpcoming();
  }
  void bridge.firstFrameDrawn().catch(() => null);
  const invite = await bridge.takePendingInvite().catch(() => null);
  if (invite) setState({ dialog: { type: "accept", code: invite } });
  // Quietly: is a newer pq published? (Settings → About says so.)
  void checkUpdate(true);
}

/// Resolves once the next frame is drawn (half a second at most: a hidden
/// window draws none).
function afterNextFrame(): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, 500);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        done();
      }, 0),
    );
  });
}

/// Marks `pq:first-channel` at the first frame with the channel's messages
/// on screen (what the desktop benchmark times a start to; a performance
/// mark, so it costs nothing unless someone reads it).
function markFirstChannel() {
  let frames = 0;
  const tick = () => {
    if (document.querySelector(".message[data-body]")) performance.mark("pq:first-channel");
    else if (++frames < 120) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/// The latest paid events (kept current by `paid_event_changed` after).
export async function loadPaidEvents() {
  const list = await bridge.paidEvents().catch(() => null);
  if (list) setState({ paidEvents: list });
}

/// Asks the server whether a newer pq is published; `quiet` keeps errors
/// to itself (the check at start).
export async function checkUpdate(quiet = false): Promise<boolean> {
  try {
    const found = await bridge.checkUpdate();
    setState({ update: found ? { version: found.version, notes: found.notes, phase: "available", received: 0, total: null, error: null } : null });
    return found !== null;
  } catch (e) {
    if (!quiet) throw e;
    return false;
  }
}

/// Downloads the update found (its signature checked); then it is ready.
export async function downloadUpdate() {
  const u = getState().update;
  if (!u) return;
  setState({ update: { ...u, phase: "downloading", received: 0, error: null } });
  try {
    await bridge.downloadUpdate();
    setState((s) => ({ update: s.update && { ...s.update, phase: "ready" } }));
  } catch (e) {
    setState((s) => ({ update: s.update && { ...s.update, phase: "failed", error: reason(e) } }));
  }
}

export async function refreshInfo() {
  applyInfo(await bridge.appInfo());
}

function applyInfo(info: AppInfo) {
  setState({
    info,
    connection: info.connection,
    lang: resolveLang(info.settings.language),
    theme: themeOf(info.settings),
  });
}

export async function signIn(provider: string | null) {
  setState({ signingIn: true, signInError: null });
  try {
    await bridge.signIn(provider);
    await refreshInfo();
    await loadServers();
    void loadRelationships();
    void loadDms();
    void loadInvites();
  } catch (e) {
    const c = e as Partial<CommandError>;
    setState({ signInError: c.kind === "cancelled" ? null : reason(e) });
  } finally {
    setState({ signingIn: false });
  }
}

export async function cancelSignIn() {
  await bridge.cancelSignIn().catch(() => false);
}

export async function signOut() {
  await bridge.signOut().catch(fail);
  setState({
    servers: [],
    channels: {},
    timelines: {},
    serverId: null,
    channelId: null,
    dialog: null,
    relationships: [],
    home: false,
    dms: [],
    dmId: null,
  });
  await refreshInfo();
}

export async function rebuildCache() {
  await bridge.rebuildCache().catch(fail);
  await refreshInfo();
  await loadServers();
}

export async function loadServers() {
  const servers = await bridge.servers().catch(() => []);
  setState({ servers });
  const s = getState();
  const current = servers.find((x) => x.server.id === s.serverId) ?? servers[0];
  // On Home the open channel is a conversation: the server waits in the background.
  if (current && current.server.id !== s.serverId) {
    if (s.home) setState({ serverId: current.server.id });
    else await selectServer(current.server.id);
  }
  if (!current) setState({ serverId: null, ...(s.home ? {} : { channelId: null }) });
}

/// Opens Home: friends, requests, blocks.
export function openHome() {
  setState((s) => ({ home: true, dmId: null, card: null, search: null, callView: false, channelId: s.dmId ? null : s.channelId }));
  void bridge.setActiveChannel(null).catch(() => null);
  void loadRelationships();
}

export async function loadDms() {
  const dms = await bridge.dms().catch(() => null);
  if (!dms) return;
  setState((s) => {
    const users = { ...s.users };
    for (const d of dms) for (const u of d.channel.members) users[u.id] = users[u.id] ?? u;
    // A conversation I left (or was removed from) closes.
    const gone = s.dmId !== null && !dms.some((d) => d.channel.id === s.dmId);
    return { dms, users, ...(gone ? { dmId: null, channelId: null } : {}) };
  });
}

/// Opens a direct-message channel on Home.
export async function openDm(channelId: ChannelId) {
  setState({ home: true, dmId: channelId, channelId, replyTo: null, editing: null, card: null, search: null, callView: false });
  await bridge.setActiveChannel(channelId).catch(() => null);
  await loadTimeline(channelId);
}

/// Opens (or starts) the conversation with someone, or a group with several;
/// the error in words when refused, or null.
export async function startDm(userIds: UserId[], name: string | null = null): Promise<string | null> {
  try {
    const dm = await bridge.openDm(userIds, name && name.trim() ? name.trim() : null);
    setState((s) => ({ dms: [dm, ...s.dms.filter((d) => d.channel.id !== dm.channel.id)], dialog: null }));
    await openDm(dm.channel.id);
    return null;
  } catch (e) {
    return reason(e);
  }
}

/// Who is in a conversation's call now.
export async function loadDmCall(channelId: ChannelId) {
  const states = await bridge.dmCall(channelId).catch(() => null);
  if (!states) return;
  setState((s) => {
    const dmCalls = { ...s.dmCalls };
    if (states.length) dmCalls[channelId] = states;
    else delete dmCalls[channelId];
    // A call that is over rings no more.
    const over = states.length === 0 && s.ringing?.channelId === channelId;
    return { dmCalls, ...(over ? { ringing: null } : {}) };
  });
}

const RING_MS = 45_000;

/// Someone else started a call in a conversation: it rings (for 45 s at most).
export function ring(channelId: ChannelId, caller: UserId) {
  setState({ ringing: { channelId, caller } });
  setTimeout(() => setState((s) => (s.ringing?.channelId === channelId && s.ringing.caller === caller ? { ringing: null } : {})), RING_MS);
}

/// Declines the ringing call: it stops here and on my other devices.
export async function declineCall(channelId: ChannelId) {
  setState((s) => (s.ringing?.channelId === channelId ? { ringing: null } : {}));
  await bridge.declineCall(channelId).catch(fail);
}

/// Group changes; each answers with the error in words, or null.
const changeDm = (run: () => Promise<unknown>) => attempt(run, loadDms);

export const renameDm = (channelId: ChannelId, name: string) => changeDm(() => bridge.renameDm(channelId, name));
export const addToDm = (channelId: ChannelId, userId: UserId) => changeDm(() => bridge.addToDm(channelId, userId));
export const removeFromDm = (channelId: ChannelId, userId: UserId) => changeDm(() => bridge.removeFromDm(channelId, userId));
export async function leaveDm(channelId: ChannelId) {
  const me = getState().info?.me?.id;
  if (!me) return;
  const error = await removeFromDm(channelId, me);
  if (error) setState({ error });
  else openHome();
}

/// A direct-message channel's title: its name, or the others' names.
export function dmTitle(dm: CachedDm, me: UserId | undefined, users: Record<UserId, { display_name: string }> = {}): string {
  if (dm.channel.name) return dm.channel.name;
  const others = dm.channel.members.filter((u) => u.id !== me);
  return (others.length ? others : dm.channel.members).map((u) => users[u.id]?.display_name ?? u.display_name).join(", ");
}

export async function loadRelationships() {
  const relationships = await bridge.relationships().catch(() => null);
  if (!relationships) return;
  setState((s) => {
    const users = { ...s.users };
    for (const r of relationships) users[r.user.id] = r.user;
    return { relationships, users };
  });
}

/// Puts one relationship in the list (an event or my own change).
export function rememberRelationship(r: Relationship) {
  setState((s) => ({
    relationships: [r, ...s.relationships.filter((x) => x.user.id !== r.user.id)],
    users: { ...s.users, [r.user.id]: r.user },
  }));
}

export function forgetRelationship(userId: UserId) {
  setState((s) => ({ relationships: s.relationships.filter((x) => x.user.id !== userId) }));
}

/// Friend actions; each answers with the error in words, or null.
const relate = (run: () => Promise<Relationship | null>) =>
  attempt(async () => {
    const r = await run();
    if (r) rememberRelationship(r);
  });

export const addFriendBy = (to: string) => relate(() => bridge.addFriendBy(to));
export const addFriend = (userId: UserId) => relate(() => bridge.addFriend(userId));
export const block = (userId: UserId) => relate(() => bridge.block(userId));
export const removeRelationship = (userId: UserId) =>
  relate(async () => {
    await bridge.removeRelationship(userId);
    forgetRelationship(userId);
    return null;
  });

export async function loadChannels(serverId: ServerId) {
  const channels = await bridge.channels(serverId).catch(() => []);
  setState((s) => ({ channels: { ...s.channels, [serverId]: channels } }));
  return channels;
}

let callPoll: ReturnType<typeof setInterval> | null = null;
let videoSubscribed = false;

/// Pictures come over their own channel, opened with the first call (not at
/// start: nothing to show before, and start-up stays one call shorter).
async function subscribeVideo() {
  if (videoSubscribed) return;
  videoSubscribed = true;
  await bridge.subscribeVideo(onPicture).catch(() => {
    videoSubscribed = false;
  });
}

/// Joins a voice room (or, already in it, shows it); the call's state is
/// then read twice a second.
export async function joinVoice(channelId: ChannelId) {
  // Answering: the ringing stops.
  setState((st) => (st.ringing?.channelId === channelId ? { ringing: null } : {}));
  const s = getState();
  if (s.call?.channel_id === channelId) {
    setState({ callView: true });
    return;
  }
  await subscribeVideo();
  try {
    const joined = await bridge.voiceJoin(channelId);
    forgetPictures();
    setState({ call: joined.info, callView: true });
    if (joined.notice) toast(translate(s.lang, "call.noticeTitle"), joined.notice);
  } catch (e) {
    fail(e);
    return;
  }
  if (callPoll) clearInterval(callPoll);
  callPoll = setInterval(() => {
    void bridge
      .callInfo()
      .then((call) => {
        if (call && call.state.state === "left" && call.state.reason !== "left") {
          toast(translate(getState().lang, "call.ended"), call.state.reason);
        }
        const live = call && call.state.state !== "left" ? call : null;
        setState((s) => ({ call: live, callView: s.callView && live !== null }));
        if (!live && callPoll) {
          clearInterval(callPoll);
          callPoll = null;
        }
      })
      .catch(() => null);
  }, 500);
}

export async function leaveVoice() {
  if (callPoll) clearInterval(callPoll);
  callPoll = null;
  setState({ call: null, callView: false });
  forgetPictures();
  await bridge.voiceLeave().catch(() => null);
}

async function refreshCall() {
  const call = await bridge.callInfo().catch(() => null);
  if (call && call.state.state !== "left") setState({ call });
}

/// Turns my camera on or off (an error, such as no camera, is shown).
export async function setCamera(on: boolean) {
  try {
    await bridge.voiceCamera(on);
  } catch (e) {
    toast(translate(getState().lang, "call.noCamera"), reason(e));
    return;
  }
  if (!on) forgetPictures(getState().info?.me?.id);
  await refreshCall();
}

/// My own settings for someone in the call.
export async function setPeer(userId: UserId, change: { volume?: number; muted?: boolean; videoHidden?: boolean }) {
  await bridge.voicePeer(userId, change.volume ?? null, change.muted ?? null, change.videoHidden ?? null).catch(fail);
  if (change.videoHidden) forgetPictures(userId);
  await refreshCall();
}

/// An admin's hand on someone in the room: muted for everyone, or shown out.
export async function moderate(userId: UserId, action: { serverMute: boolean } | "disconnect") {
  const call = getState().call;
  if (!call) return;
  try {
    if (action === "disconnect") await bridge.voiceDisconnect(call.channel_id, userId);
    else await bridge.voiceServerMute(call.channel_id, userId, action.serverMute);
  } catch (e) {
    fail(e);
  }
  await refreshCall();
}

/// Picks a device ("" for the system's default); null leaves one as it is.
export async function setDevices(microphone: string | null, speakers: string | null, camera: string | null) {
  try {
    const notice = await bridge.voiceDevices(microphone, speakers, camera);
    if (notice) toast(translate(getState().lang, "call.noticeTitle"), notice);
  } catch (e) {
    fail(e);
  }
  await refreshInfo();
}

export async function setPushToTalk(enabled: boolean) {
  await bridge.voicePushToTalk(enabled).catch(fail);
  await refreshInfo();
  await refreshCall();
}

/// The push-to-talk key (or button) went down or up.
export async function setTalking(talking: boolean) {
  await bridge.voiceTalking(talking).catch(() => null);
}

export async function setVoice(muted: boolean | null, deafened: boolean | null) {
  await bridge.voiceSet(muted, deafened).catch(fail);
  const call = await bridge.callInfo().catch(() => null);
  if (call) setState({ call });
}

export async function loadVoice(serverId: ServerId) {
  const states = await bridge.voiceStates(serverId).catch(() => []);
  setState((s) => ({ voice: { ...s.voice, [serverId]: states } }));
}

export async function loadMembers(serverId: ServerId) {
  const mark = presenceMark();
  const members = await bridge.members(serverId).catch(() => []);
  setState((s) => {
    const users = { ...s.users };
    const presence = { ...s.presence };
    for (const m of members) {
      users[m.user.id] = m.user;
      // A list read before someone's latest presence event must not take it back.
      if (!presenceNewer(m.user.id, mark)) presence[m.user.id] = m.presence;
    }
    return { members: { ...s.members, [serverId]: members }, users, presence };
  });
}

export async function selectServer(serverId: ServerId) {
  setState({ serverId, search: null, home: false, dmId: null });
  const channels = await loadChannels(serverId);
  void loadMembers(serverId);
  void loadVoice(serverId);
  const s = getState();
  const keep = channels.find((c) => c.channel.id === s.channelId);
  const first = keep ?? channels.find((c) => c.channel.kind === "text");
  if (first) await selectChannel(first.channel.id);
  else setState({ channelId: null });
}

export async function selectChannel(channelId: ChannelId) {
  setState({ channelId, replyTo: null, editing: null, callView: false });
  await bridge.setActiveChannel(channelId).catch(() => null);
  await loadTimeline(channelId);
}

export async function loadTimeline(channelId: ChannelId) {
  const t = await bridge.timeline(channelId, 200).catch(() => null);
  if (t) showTimeline(channelId, t);
}

/// Puts a channel's newest messages on screen and marks them seen.
function showTimeline(channelId: ChannelId, t: Timeline) {
  setState((s) => ({
    timelines: {
      ...s.timelines,
      [channelId]: { messages: t.messages, mentions: t.mentions, pending: t.pending, hasOlder: t.has_older, loadingOlder: false },
    },
  }));
  markSeen(channelId);
}

/// Marks what is on screen read (when the window has focus).
export function markSeen(channelId: ChannelId) {
  const s = getState();
  if (s.channelId !== channelId || (typeof document !== "undefined" && !document.hasFocus())) return;
  const last = s.timelines[channelId]?.messages.at(-1);
  const channel = Object.values(s.channels).flat().find((c) => c.channel.id === channelId) ?? s.dms.find((d) => d.channel.id === channelId);
  if (last && channel && last.seq > channel.last_read_seq) {
    void bridge.markRead(channelId, last.seq).catch(() => null);
  }
}

export async function loadOlder(channelId: ChannelId) {
  const t = getState().timelines[channelId];
  if (!t || t.loadingOlder || !t.hasOlder || t.messages.length === 0) return;
  patchTimeline(channelId, () => ({ loadingOlder: true }));
  const first = t.messages[0].seq;
  const page = await bridge.older(channelId, first, 100).catch(() => null);
  const older = page?.messages ?? [];
  patchTimeline(channelId, (cur) => ({
    messages: [...older.filter((m) => m.seq < first), ...cur.messages],
    mentions: [...(page?.mentions ?? []), ...cur.mentions],
    hasOlder: page?.has_older ?? false,
    loadingOlder: false,
  }));
}

export async function send(body: string, files: StagedFile[] = []) {
  const s = getState();
  if (!s.channelId || (!body.trim() && files.length === 0)) return;
  const replyTo = s.replyTo?.id ?? null;
  setState({ replyTo: null });
  try {
    // The engine announces the pending entry (an `outbox` event) and then
    // the delivered message; the answer here may come after either, so it
    // is not shown from here (that left a ghost "Sending…" behind).
    if (files.length > 0) {
      await bridge.sendFiles(s.channelId, body, replyTo, files.map((f) => f.id));
    } else {
      await bridge.send(s.channelId, body, replyTo);
    }
  } catch (e) {
    fail(e);
  }
}

/// Keeps picked, dropped or pasted files for the composer (copied by the
/// engine, so the originals may go). Over the plan's size: refused here
/// with the reason (the server would refuse it too).
export async function stageFiles(files: File[], limitBytes: number): Promise<StagedFile[]> {
  const staged: StagedFile[] = [];
  for (const f of files) {
    if (f.size === 0) {
      toast(translate(getState().lang, "file.empty", { name: f.name }), "");
      continue;
    }
    if (f.size > limitBytes) {
      const s = getState();
      toast(translate(s.lang, "file.tooLarge", { name: f.name, max: formatSize(limitBytes) }), "");
      continue;
    }
    try {
      staged.push(await bridge.stageFile(f.name || "pasted.png", await bytesOf(f)));
    } catch (e) {
      fail(e);
    }
  }
  return staged;
}
/// A file's bytes (`Blob.arrayBuffer`, or a FileReader where there is none).
function bytesOf(f: File): Promise<ArrayBuffer> {
  if (typeof f.arrayBuffer === "function") return f.arrayBuffer();
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as ArrayBuffer);
    r.onerror = () => reject(r.error);
    r.readAsArrayBuffer(f);
  });
}
export const unstage = (id: string) => bridge.unstage(id).catch(() => null);
export const cancelSend = (clientId: string) => bridge.cancelSend(clientId).catch(fail);

/// Saves an attachment in the downloads folder (progress in `downloads`).
export async function download(a: Attachment) {
  setState((s) => ({ downloads: { ...s.downloads, [a.id]: { received: 0, total: a.size, done: null, error: null } } }));
  await bridge.downloadAttachment(a.id, a.filename).catch(() => null);
}
export const showDownload = (path: string) => bridge.showDownload(path).catch(fail);

/// Opens the picture viewer on `a`, among the open channel's pictures.
export function openViewer(a: Attachment) {
  const s = getState();
  const t = s.channelId ? s.timelines[s.channelId] : undefined;
  const items = (t?.messages ?? []).flatMap((m) => (m.deleted ? [] : m.attachments.filter(isPicture)));
  const index = items.findIndex((x) => x.id === a.id);
  setState({ viewer: index >= 0 ? { items, index } : { items: [a], index: 0 } });
}

/// Pictures the window draws (what the server made a preview of, or could size).
export const isPicture = (a: Attachment) => a.width !== null && a.height !== null && /^image\/(png|jpeg|gif|webp)$/.test(a.content_type);

/// "1.5 MB", "320 KB", "12 bytes" (powers of 1,024, as file managers show).
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let n = bytes / 1024;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n >= 10 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}

export const retry = (clientId: string, body: string | null = null) => bridge.retry(clientId, body).catch(fail);
export const discard = (clientId: string) => bridge.discard(clientId).catch(fail);
export const edit = (m: Message, body: string) =>
  bridge.edit(m.channel_id, m.id, body).then(() => setState({ editing: null })).catch(fail);
export const remove = (m: Message) => bridge.deleteMessage(m.channel_id, m.id).catch(fail);
export const toggleReaction = (m: Message, emoji: string) => {
  const mine = m.reactions.find((r) => r.emoji === emoji)?.me;
  return (mine ? bridge.unreact(m.channel_id, m.id, emoji) : bridge.react(m.channel_id, m.id, emoji)).catch(fail);
};
export const typing = (channelId: ChannelId) => bridge.typing(channelId).catch(() => null);
/// Who gave a reaction (asked of the server).
export const reactors = (channelId: ChannelId, messageId: string, emoji: string) => bridge.reactors(channelId, messageId, emoji);

export async function search(query: string) {
  if (!query.trim()) {
    setState({ search: null });
    return;
  }
  const results = await bridge.search(query, null, null).catch(() => []);
  setState({ search: { query, results } });
}

export async function openSearchHit(serverId: ServerId | null, channelId: ChannelId) {
  setState({ search: null });
  if (serverId === null) return openDm(channelId);
  if (getState().serverId !== serverId || getState().home) await selectServer(serverId);
  await selectChannel(channelId);
}

export async function createServer(name: string, image: File | null) {
  const state = await bridge.createServer(name);
  if (image) {
    const bytes = Array.from(new Uint8Array(await image.arrayBuffer()));
    await bridge.setServerIcon(state.server.id, bytes).catch(fail);
  }
  setState({ dialog: null });
  await loadServers();
  await selectServer(state.server.id);
}

export async function acceptInvite(code: string) {
  const state = await bridge.acceptInvite(code);
  setState((s) => ({ dialog: null, invites: s.invites.filter((i) => i.preview.code !== code) }));
  await loadServers();
  await selectServer(state.server.id);
}

/// Opens the pinned messages panel of a channel (asked of the server).
export async function openPins(channelId: ChannelId) {
  try {
    const messages = await bridge.pins(channelId);
    setState({ pins: { channelId, messages }, search: null });
  } catch (e) {
    setState({ error: reason(e) });
  }
}

/// Pins a message or unpins it; the panel, if open on its channel, follows.
export async function pinMessage(m: Message, on: boolean) {
  const error = await attempt(() => bridge.pinMessage(m.channel_id, m.id, on));
  if (error) {
    setState({ error });
    return;
  }
  if (getState().pins?.channelId === m.channel_id) await openPins(m.channel_id);
}

/// Every server's events to come, soonest first.
export async function loadUpcoming() {
  const upcoming = await bridge.upcomingEvents().catch(() => null);
  if (upcoming) setState({ upcoming });
}

/// Schedules an event; the error in words, or null.
export const createEvent = (serverId: ServerId, spec: EventSpec) =>
  attempt(async () => {
    await bridge.createEvent(serverId, spec);
    await loadUpcoming();
  });

/// Changes an event, whole; the error in words, or null.
export const updateEvent = (eventId: string, spec: EventSpec) =>
  attempt(async () => {
    await bridge.updateEvent(eventId, spec);
    await loadUpcoming();
  });

/// Cancels an event; the error in words, or null.
export const deleteEvent = (serverId: ServerId, eventId: string) =>
  attempt(async () => {
    await bridge.deleteEvent(serverId, eventId);
    await loadUpcoming();
  });

/// Marks me interested in an event, or not; the error in words, or null.
export const setEventInterest = (eventId: string, on: boolean) =>
  attempt(async () => {
    await bridge.setEventInterest(eventId, on);
    await loadUpcoming();
  });

/// The invites sent to me that wait for my answer.
export async function loadInvites() {
  const invites = await bridge.pendingInvites().catch(() => null);
  if (invites) setState({ invites });
}

/// Accepts an invite sent to me (opening its server); the error in words, or null.
export const acceptSentInvite = (code: string) => attempt(() => acceptInvite(code));

/// Declines an invite sent to me; the error in words, or null.
export const declineInvite = (code: string) =>
  attempt(async () => {
    await bridge.declineInvite(code);
    setState((s) => ({ invites: s.invites.filter((i) => i.preview.code !== code) }));
  });

/// Invites someone by username or email; what became of it, or the error in words.
export async function sendInvite(serverId: ServerId, to: string): Promise<InviteSent | string> {
  try {
    return await bridge.sendInvite(serverId, to.trim());
  } catch (e) {
    return reason(e);
  }
}

export const renameServer = (serverId: ServerId, name: string) =>
  attempt(async () => {
    await bridge.renameServer(serverId, name.trim());
    await loadServers();
  });

export const setServerIcon = (serverId: ServerId, image: File) =>
  attempt(async () => {
    await bridge.setServerIcon(serverId, Array.from(new Uint8Array(await image.arrayBuffer())));
    await loadServers();
  });

/// Deletes or leaves a server: it goes from the rail, and the next one opens.
async function forgetServer(serverId: ServerId, run: () => Promise<unknown>) {
  return attempt(async () => {
    await run();
    setState((s) => ({ serverId: s.serverId === serverId ? null : s.serverId, channelId: s.serverId === serverId ? null : s.channelId }));
    await loadServers();
  });
}

export const deleteServer = (serverId: ServerId) => forgetServer(serverId, () => bridge.deleteServer(serverId));
export const leaveServer = (serverId: ServerId) => forgetServer(serverId, () => bridge.leaveServer(serverId));

export const kickMember = (serverId: ServerId, userId: UserId) =>
  attempt(async () => {
    await bridge.kick(serverId, userId);
    setState({ card: null });
    await loadMembers(serverId);
  });

/// What this server's messages notify of on this device.
export async function setServerNotify(serverId: ServerId, level: NotifyLevel) {
  await bridge.setServerNotify(serverId, level).catch(fail);
  await loadServers();
}

export const banMember = (serverId: ServerId, userId: UserId, purge: PurgeWindow | null) =>
  attempt(async () => {
    await bridge.ban(serverId, userId, purge);
    setState({ card: null });
    await loadMembers(serverId);
  });

/// Gives someone a role or takes it away; the error in words, or null.
export const setMemberRole = (serverId: ServerId, userId: UserId, roleId: RoleId, give: boolean) =>
  attempt(async () => {
    await bridge.setMemberRole(serverId, userId, roleId, give);
    await Promise.all([loadMembers(serverId), loadServers()]);
  });

/// Hands a server over; the error in words, or null.
export const transferServer = (serverId: ServerId, userId: UserId) =>
  attempt(async () => {
    await bridge.transferServer(serverId, userId);
    await Promise.all([loadMembers(serverId), loadServers()]);
  });

/// Creates a role; the new role, or the error in words.
export async function createRole(serverId: ServerId, name: string): Promise<ServerRole | string> {
  try {
    const role = await bridge.createRole(serverId, { name, permissions: [] });
    await loadServers();
    return role;
  } catch (e) {
    return reason(e);
  }
}

/// Changes a role; the error in words, or null.
export const updateRole = (serverId: ServerId, roleId: RoleId, change: UpdateRole) =>
  attempt(async () => {
    await bridge.updateRole(serverId, roleId, change);
    await Promise.all([loadMembers(serverId), loadServers()]);
  });

/// Deletes a role; the error in words, or null.
export const deleteRole = (serverId: ServerId, roleId: RoleId) =>
  attempt(async () => {
    await bridge.deleteRole(serverId, roleId);
    await Promise.all([loadMembers(serverId), loadServers()]);
  });

/// Creates a channel or category; the error in words, or null.
export async function createChannel(serverId: ServerId, name: string, kind: "text" | "voice" | "category", parentId: ChannelId | null) {
  const error = await attempt(() => bridge.createChannel(serverId, name, kind, parentId));
  await loadChannels(serverId);
  return error;
}

/// Makes a channel private to some roles and people, or public; the error in words, or null.
export const setChannelAccess = (serverId: ServerId, channelId: ChannelId, access: ChannelAccess) =>
  attempt(async () => {
    await bridge.setChannelAccess(channelId, access);
    await loadChannels(serverId);
  });

/// Sets a channel's topic (empty removes it); the error in words, or null.
export const setChannelTopic = (serverId: ServerId, channelId: ChannelId, topic: string) =>
  attempt(async () => {
    await bridge.setChannelTopic(channelId, topic.trim());
    await loadChannels(serverId);
  });

/// Sets the server's description (empty removes it); the error in words, or null.
export const setServerDescription = (serverId: ServerId, description: string) =>
  attempt(async () => {
    await bridge.setServerDescription(serverId, description.trim());
    await loadServers();
  });

export async function renameChannel(serverId: ServerId, channelId: ChannelId, name: string) {
  await bridge.renameChannel(channelId, name).catch(fail);
  await loadChannels(serverId);
}

/// A channel's siblings in display order: channels under the same category
/// (or at the top), or the categories.
function siblings(c: CachedChannel): CachedChannel[] {
  const all = getState().channels[c.channel.server_id] ?? [];
  const category = c.channel.kind === "category";
  return all
    .filter((x) =>
      category ? x.channel.kind === "category" : x.channel.kind !== "category" && x.channel.parent_id === c.channel.parent_id,
    )
    .sort((a, b) => a.channel.position - b.channel.position || a.channel.name.localeCompare(b.channel.name));
}

/// Moves a channel (or category) one place up (-1) or down (1).
export async function moveChannel(c: CachedChannel, by: -1 | 1) {
  const list = siblings(c);
  const at = list.findIndex((x) => x.channel.id === c.channel.id);
  const to = at + by;
  if (at < 0 || to < 0 || to >= list.length) return;
  [list[at], list[to]] = [list[to], list[at]];
  const placements = list.map((x, i) => ({ id: x.channel.id, parent_id: x.channel.parent_id, position: i }));
  await bridge.placeChannels(c.channel.server_id, placements).catch(fail);
  await loadChannels(c.channel.server_id);
}

/// A channel (or category) dropped on another: it takes the target's place
/// (the target and those after it move down), under the target's category
/// — or, dropped on a category, last in it. A category dropped on a
/// category takes its place among categories.
export async function dropChannel(serverId: ServerId, draggedId: ChannelId, targetId: ChannelId) {
  if (draggedId === targetId) return;
  const all = getState().channels[serverId] ?? [];
  const dragged = all.find((x) => x.channel.id === draggedId);
  const target = all.find((x) => x.channel.id === targetId);
  if (!dragged || !target) return;
  if (dragged.channel.kind !== "category" && target.channel.kind === "category") {
    await moveChannelTo(dragged, target.channel.id);
    return;
  }
  if (dragged.channel.kind === "category" && target.channel.kind !== "category") return;
  const parent = dragged.channel.kind === "category" ? null : target.channel.parent_id;
  const list = siblings(target).filter((x) => x.channel.id !== draggedId);
  list.splice(
    list.findIndex((x) => x.channel.id === targetId),
    0,
    dragged,
  );
  const placements = list.map((x, i) => ({ id: x.channel.id, parent_id: x.channel.kind === "category" ? null : parent, position: i }));
  await bridge.placeChannels(serverId, placements).catch(fail);
  await loadChannels(serverId);
}

/// Moves a channel under another category (or to the top: null), last there.
export async function moveChannelTo(c: CachedChannel, parentId: ChannelId | null) {
  if (parentId === c.channel.parent_id) return;
  const all = getState().channels[c.channel.server_id] ?? [];
  const position = all.filter((x) => x.channel.kind !== "category" && x.channel.parent_id === parentId).length;
  await bridge.placeChannels(c.channel.server_id, [{ id: c.channel.id, parent_id: parentId, position }]).catch(fail);
  await loadChannels(c.channel.server_id);
}

export async function deleteChannel(serverId: ServerId, channelId: ChannelId) {
  await bridge.deleteChannel(channelId).catch(fail);
  await loadChannels(serverId);
}

export async function setMuted(serverId: ServerId, channelId: ChannelId, muted: boolean) {
  await bridge.setMuted(channelId, muted).catch(fail);
  await loadChannels(serverId);
}

/// Changes something of mine, then re-reads my account; the error in words
/// when it is refused, or null.
const changeMine = (run: () => Promise<unknown>) => attempt(run, refreshInfo);

/// Changes my display name.
export const saveDisplayName = (name: string) => changeMine(() => bridge.updateProfile(name));
/// Changes my username.
export const saveUsername = (username: string) => changeMine(() => bridge.setUsername(username));
/// Changes my "about me".
export const saveAbout = (about: string) => changeMine(() => bridge.setAbout(about));
/// Sets (or removes, with null) my custom status.
export const saveCustomStatus = (status: CustomStatus | null) => changeMine(() => bridge.setCustomStatus(status));
/// Whether people who only share a server with me may write to me directly.
export const saveAllowServerDms = (allow: boolean) => changeMine(() => bridge.setAllowServerDms(allow));
/// Chooses my status.
export const saveStatus = (status: StatusChoice) => changeMine(() => bridge.setStatus(status));

/// Uploads `image` (PNG bytes) as my picture, or removes it (null).
export const saveAvatar = (image: number[] | null) =>
  changeMine(() => (image ? bridge.setAvatar(image) : bridge.removeAvatar()));

export async function saveSettings(settings: Settings) {
  await bridge.setSettings(settings).catch(fail);
  await refreshInfo();
}

export function toggleCollapsed(categoryId: ChannelId) {
  setState((s) => ({ collapsed: { ...s.collapsed, [categoryId]: !s.collapsed[categoryId] } }));
}

/// Opens a link from a message in the system browser; a masked link (its
/// text is not its address) asks first.
export function followLink(url: string, masked: boolean) {
  if (masked) setState({ dialog: { type: "open-link", url } });
  else void bridge.openLink(url).catch(fail);
}

/// Scrolls to a message of the open channel (a reply's original), loading
/// older pages until it is there, and highlights it for a moment.
export async function jumpTo(channelId: ChannelId, messageId: string) {
  for (;;) {
    const t = getState().timelines[channelId];
    if (!t || getState().channelId !== channelId) return;
    if (t.messages.some((m) => m.id === messageId)) break;
    if (!t.hasOlder) {
      toast(translate(getState().lang, "msg.originalGone"), "");
      return;
    }
    if (t.loadingOlder) await new Promise((r) => setTimeout(r, 50));
    else await loadOlder(channelId);
  }
  setState({ highlight: messageId });
  setTimeout(() => setState((s) => (s.highlight === messageId ? { highlight: null } : {})), 2500);
}

let nextToast = 1;
export function toast(title: string, body: string) {
  const id = nextToast++;
  setState((s) => ({ toasts: [...s.toasts, { id, title, body }].slice(-4) }));
  setTimeout(() => setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 6000);
}

/// Lets the composer's caret rest after 10 s without input, the way GTK's
/// own text fields stop blinking (gtk-cursor-blink-timeout, which WebKitGTK
/// does not apply): a blinking caret repaints the window twice a second
/// forever, the largest cost of an idle pq under software rendering. The
/// composer gives up focus; the next key typed anywhere outside another
/// field brings it back, with the text and selection as they were, and the
/// key goes into it.
export function watchCaret(doc: Document = document, stillMs = 10_000) {
  let rested: HTMLElement | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const editable = (el: Element | null) =>
    !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el as HTMLElement).isContentEditable);
  const rest = () => {
    const el = doc.activeElement as HTMLElement | null;
    if (el?.id === "composer") {
      rested = el;
      el.blur();
    }
  };
  const active = (e: Event) => {
    if (e.type === "keydown" && rested && doc.activeElement === rested) rested = null;
    if (e.type === "keydown" && rested && rested.isConnected && !editable(doc.activeElement)) {
      const k = e as KeyboardEvent;
      if (!k.ctrlKey && !k.metaKey && !k.altKey && (k.key.length === 1 || k.key === "Enter" || k.key === "Backspace")) {
        rested.focus();
      }
    }
    if (e.type === "mousedown") rested = null;
    clearTimeout(timer);
    timer = setTimeout(rest, stillMs);
  };
  for (const e of ["keydown", "mousedown", "focusin"]) doc.defaultView?.addEventListener(e, active, { capture: true, passive: true });
  timer = setTimeout(rest, stillMs);
  return () => {
    clearTimeout(timer);
    for (const e of ["keydown", "mousedown", "focusin"]) doc.defaultView?.removeEventListener(e, active, { capture: true });
  };
}

/// Reports idleness: 5 minutes without input.
export function watchIdle() {
  const IDLE_MS = 5 * 60 * 1000;
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const active = () => {
    if (idle) {
      idle = false;
      void bridge.setIdle(false).catch(() => null);
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      void bridge.setIdle(true).catch(() => null);
    }, IDLE_MS);
  };
  for (const e of ["keydown", "mousedown", "mousemove", "wheel", "focus"]) addEventListener(e, active, { passive: true });
  active();
}

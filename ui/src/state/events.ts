// The one place engine and shell events change the UI's state.

import type { EngineEvent, UiEvent } from "../bindings";
import { translate } from "../i18n";
import {
  loadChannels,
  loadDmCall,
  loadDms,
  ring,
  openDm,
  loadMembers,
  loadServers,
  loadTimeline,
  loadVoice,
  forgetRelationship,
  markSeen,
  openHome,
  refreshInfo,
  rememberRelationship,
  loadInvites,
  loadUpcoming,
  selectChannel,
  selectServer,
  toast,
} from "./actions";
import { getState, notePresence, patchTimeline, setState, themeOf, upsertMessage } from "./store";

const TYPING_MS = 8000;

/// Reloads the DM list once a burst of events has passed.
let dmReload: ReturnType<typeof setTimeout> | null = null;
function reloadDmsSoon() {
  if (dmReload) return;
  dmReload = setTimeout(() => {
    dmReload = null;
    void loadDms();
  }, 100);
}

/// Reloads a server's channels once a burst of events has passed.
const reloads = new Map<string, ReturnType<typeof setTimeout>>();
function reloadSoon(serverId: string) {
  if (reloads.has(serverId)) return;
  reloads.set(
    serverId,
    setTimeout(() => {
      reloads.delete(serverId);
      void loadChannels(serverId);
    }, 150),
  );
}

export function onEvent(e: UiEvent) {
  switch (e.kind) {
    case "core":
      return onCore(e.data);
    case "resync":
      void loadServers();
      return;
    case "open_invite":
      setState({ dialog: { type: "accept", code: e.data.code } });
      return;
    case "update_progress":
      setState((s) => ({ update: s.update && { ...s.update, received: e.data.received, total: e.data.total } }));
      return;
    case "payment_result": {
      const s = getState();
      const { ok, order_id, reason } = e.data;
      setState({ checkout: { orderId: order_id, result: ok ? "paid" : "failed", reason } });
      if (ok) toast(translate(s.lang, "pay.thanks"), translate(s.lang, "pay.thanksBody"));
      else toast(translate(s.lang, "pay.failed"), reason ?? "");
      return;
    }
    case "open_channel":
      void (async () => {
        if (getState().serverId !== e.data.server_id) await selectServer(e.data.server_id);
        await selectChannel(e.data.channel_id);
      })();
      return;
    case "open_friends":
      openHome();
      return;
    case "open_schedule":
      void selectServer(e.data.server_id).then(() => setState({ dialog: { type: "schedule", serverId: e.data.server_id } }));
      return;
    case "open_dm":
      void openDm(e.data.channel_id);
      return;
    case "settings":
      setState((s) => ({ info: s.info && { ...s.info, settings: e.data }, theme: themeOf(e.data) }));
      return;
    case "download": {
      const { attachment_id, received, total, done, error } = e.data;
      setState((s) => ({ downloads: { ...s.downloads, [attachment_id]: { received, total, done, error } } }));
      return;
    }
  }
}

function onCore(e: EngineEvent) {
  const s = getState();
  switch (e.type) {
    case "connection":
      setState({ connection: e.state });
      if (e.state.state === "online") {
        void refreshInfo();
        void loadServers();
        void loadDms();
        if (s.channelId) void loadTimeline(s.channelId);
      }
      return;
    case "servers_changed":
      void loadServers();
      return;
    case "dms_changed":
      reloadDmsSoon();
      return;
    case "dm_call_changed":
      void loadDmCall(e.channel_id);
      return;
    case "ringing":
      ring(e.channel_id, e.caller);
      void loadDmCall(e.channel_id);
      reloadDmsSoon();
      return;
    case "call_declined": {
      if (e.user_id === s.info?.me?.id) {
        if (s.ringing?.channelId === e.channel_id) setState({ ringing: null });
      } else if (s.call?.channel_id === e.channel_id) {
        const name = s.users[e.user_id]?.display_name ?? "…";
        toast(translate(s.lang, "call.declined", { name }), "");
      }
      return;
    }
    case "channels_changed":
      if (s.channels[e.server_id] || s.serverId === e.server_id) void loadChannels(e.server_id);
      return;
    case "voice_changed":
      if (s.serverId === e.server_id) void loadVoice(e.server_id);
      return;
    case "member_joined": {
      const server = s.servers.find((x) => x.server.id === e.server_id);
      if (server) toast(translate(s.lang, "toast.joined", { name: e.user.display_name, server: server.server.name }), "");
      return;
    }
    case "plans_changed":
      // New limits from the server's configuration: the counter follows.
      void refreshInfo();
      return;
    case "plan_changed":
      // The shell knows the new plan's limit: read it, then say so.
      void refreshInfo().then(() => {
        const st = getState();
        const limit = st.info?.message_limit ?? 0;
        toast(translate(st.lang, "toast.plan", { plan: translate(st.lang, `plan.${e.plan}`) }), translate(st.lang, "toast.planBody", { limit }));
      });
      return;
    case "membership_changed":
      setState({ membership: e.membership });
      return;
    case "paid_event_changed":
      setState((s) => {
        const list = s.paidEvents ?? [];
        const known = list.some((x) => x.id === e.event.id);
        return { paidEvents: known ? list.map((x) => (x.id === e.event.id ? e.event : x)) : [e.event, ...list] };
      });
      return;
    case "schedule_changed":
      void loadUpcoming();
      return;
    case "event_reminder":
      toast(
        e.minutes === 0 ? translate(s.lang, "events.started", { title: e.event.title }) : translate(s.lang, "events.soon", { title: e.event.title, n: e.minutes }),
        "",
      );
      return;
    case "invites_changed":
      void loadInvites();
      return;
    case "invite_received":
      toast(
        translate(s.lang, "invites.toast", { name: e.invite.preview.inviter.display_name, server: e.invite.preview.server_name }),
        translate(s.lang, "invites.toastBody"),
      );
      return;
    case "relationship_changed":
      rememberRelationship(e.relationship);
      if (e.live && e.relationship.kind === "incoming") {
        toast(translate(s.lang, "friends.requestToast", { name: e.relationship.user.display_name }), "");
      }
      return;
    case "relationship_removed":
      forgetRelationship(e.user_id);
      return;
    case "status_changed":
      // Chosen here or on another device: the menu and my dot follow.
      void refreshInfo();
      return;
    case "members_changed":
      if (s.serverId === e.server_id) void loadMembers(e.server_id);
      return;
    case "message": {
      const m = e.message;
      patchTimeline(m.channel_id, (t) => upsertMessage(t, m, e.mentions_me));
      if (e.live) {
        setState((st) => {
          const typing = { ...st.typing };
          if (typing[m.channel_id]) {
            typing[m.channel_id] = { ...typing[m.channel_id] };
            delete typing[m.channel_id][m.author_id];
          }
          return { typing };
        });
        markSeen(m.channel_id);
      }
      return;
    }
    case "message_deleted":
      patchTimeline(e.channel_id, (t) => ({
        messages: t.messages.map((m) => (m.id === e.message_id ? { ...m, deleted: true, body: "", reactions: [], attachments: [] } : m)),
      }));
      return;
    case "timeline_changed":
      if (s.timelines[e.channel_id]) void loadTimeline(e.channel_id);
      return;
    case "outbox":
      patchTimeline(e.entry.channel_id, (t) => {
        const i = t.pending.findIndex((p) => p.client_id === e.entry.client_id);
        const pending = t.pending.slice();
        if (i >= 0) pending[i] = e.entry;
        else pending.push(e.entry);
        return { pending };
      });
      return;
    case "outbox_removed":
      patchTimeline(e.channel_id, (t) => ({ pending: t.pending.filter((p) => p.client_id !== e.client_id) }));
      if (s.uploads[e.client_id]) {
        setState((st) => {
          const uploads = { ...st.uploads };
          delete uploads[e.client_id];
          return { uploads };
        });
      }
      return;
    case "upload_progress":
      setState((st) => ({ uploads: { ...st.uploads, [e.client_id]: { file: e.file, sent: e.sent, total: e.total } } }));
      return;
    case "read_state":
      setState((st) => {
        const channels = { ...st.channels };
        for (const [sid, list] of Object.entries(channels)) {
          if (list.some((c) => c.channel.id === e.channel_id)) {
            channels[sid] = list.map((c) =>
              c.channel.id === e.channel_id
                ? { ...c, last_read_seq: e.last_read_seq, unread_count: e.unread_count, mention_count: e.unread_count === 0 ? 0 : c.mention_count }
                : c,
            );
            // The core counts mentions among the unread: ask it again.
            if (e.unread_count > 0) reloadSoon(sid);
          }
        }
        const dms = st.dms.map((d) =>
          d.channel.id === e.channel_id
            ? { ...d, last_read_seq: e.last_read_seq, unread_count: e.unread_count, mention_count: e.unread_count === 0 ? 0 : d.mention_count }
            : d,
        );
        if (e.unread_count > 0 && dms.some((d) => d.channel.id === e.channel_id)) reloadDmsSoon();
        return { channels, dms };
      });
      return;
    case "typing": {
      const until = Date.now() + TYPING_MS;
      setState((st) => ({
        typing: { ...st.typing, [e.channel_id]: { ...(st.typing[e.channel_id] ?? {}), [e.user_id]: until } },
      }));
      setTimeout(() => setState({}), TYPING_MS + 50);
      return;
    }
    case "presence":
      notePresence(e.user_id);
      setState((st) => ({ presence: { ...st.presence, [e.user_id]: e.presence } }));
      return;
    case "user_updated":
      // Mine (here or from another device): my footer and Settings follow.
      if (e.user.id === s.info?.me?.id) void refreshInfo();
      // A new name or picture: everywhere they are drawn, the member lists too.
      setState((st) => ({
        users: { ...st.users, [e.user.id]: e.user },
        members: Object.fromEntries(
          Object.entries(st.members).map(([server, list]) => [
            server,
            list.some((m) => m.user.id === e.user.id) ? list.map((m) => (m.user.id === e.user.id ? { ...m, user: e.user } : m)) : list,
          ]),
        ),
        dms: st.dms.map((d) =>
          d.channel.members.some((u) => u.id === e.user.id)
            ? { ...d, channel: { ...d.channel, members: d.channel.members.map((u) => (u.id === e.user.id ? e.user : u)) } }
            : d,
        ),
      }));
      return;
    case "toast":
      toast(translate(s.lang, "toast.admin", { name: e.toast.from.display_name }), e.toast.text);
      return;
    case "error":
      setState({ error: e.message });
      return;
  }
}

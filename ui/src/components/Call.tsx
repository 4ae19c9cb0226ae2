// The call view: a grid of everyone in the room (video, or their picture),
// who is speaking, muted or deafened, how each connection is doing, my own
// settings per person (volume, mute for me, hide video), and the controls
// (microphone, camera, deafen, devices, push-to-talk, leave).

import { useEffect, useRef, useState } from "react";
import type { CallInfo, MediaDevices, Participant, VoiceState } from "../bindings";
import * as bridge from "../bridge/commands";
import { leaveVoice, moderate, setCamera, setDevices, setPeer, setPushToTalk, setTalking, setVoice } from "../state/actions";
import { can } from "../state/roles";
import { setState, useStore } from "../state/store";
import { drawPicture, latestPicture, watchPictures } from "../state/video";
import { Avatar, Icon, useT } from "./common";

/// How a connection is doing, from its state, the share of audio lost, how
/// unevenly it arrives, and the gaps heard in it lately.
export function quality(p: Participant): "good" | "fair" | "poor" | "connecting" | "lost" {
  if (p.connection === "new" || p.connection === "connecting") return "connecting";
  if (p.connection !== "connected") return "lost";
  const loss = lostShare(p);
  const jitter = p.jitter_ms ?? 0;
  const gaps = p.gaps_lately ?? 0;
  if (loss >= 0.1 || jitter >= 60 || gaps >= 3) return "poor";
  return loss < 0.02 && jitter < 20 && gaps === 0 ? "good" : "fair";
}

/// The share of their audio lost on the way (concealed), 0–1.
function lostShare(p: Participant): number {
  const total = p.packets + p.concealed;
  return total === 0 ? 0 : p.concealed / total;
}

export function CallView() {
  const t = useT();
  const call = useStore((s) => s.call);
  const me = useStore((s) => s.info?.me);
  const [devices, setDevicesOpen] = useState(false);
  usePushToTalkKey(call);
  if (!call || !me) return null;
  const tiles = 1 + call.participants.length;
  const muted = call.me?.self_mute ?? false;
  const deafened = call.me?.self_deaf ?? false;
  const camera = call.me?.camera ?? false;
  return (
    <section className="call-view" aria-label={t("call.title")}>
      <div className="call-grid" style={{ gridTemplateColumns: `repeat(${tiles <= 1 ? 1 : tiles <= 4 ? 2 : 3}, minmax(0, 1fr))` }}>
        <Tile userId={me.id} name={me.display_name} avatar={me.avatar_url} state={call.me} level={call.my_level} self />
        {call.participants.map((p) => (
          <ParticipantTile key={p.state.user_id} p={p} />
        ))}
      </div>
      <div className="call-controls">
        <button id="call-view-mute" className={`round${muted ? " off" : ""}`} aria-pressed={muted} title={muted ? t("call.unmute") : t("call.mute")} onClick={() => void setVoice(!muted, null)}>
          <Icon name={muted ? "mic-off" : "mic"} label={muted ? t("call.unmute") : t("call.mute")} />
        </button>
        <button id="call-camera" className={`round${camera ? " on" : ""}`} aria-pressed={camera} title={camera ? t("call.cameraOff") : t("call.cameraOn")} onClick={() => void setCamera(!camera)}>
          <Icon name="camera" label={camera ? t("call.cameraOff") : t("call.cameraOn")} />
        </button>
        <button id="call-view-deafen" className={`round${deafened ? " off" : ""}`} aria-pressed={deafened} title={deafened ? t("call.undeafen") : t("call.deafen")} onClick={() => void setVoice(null, !deafened)}>
          <Icon name="deafened" label={deafened ? t("call.undeafen") : t("call.deafen")} />
        </button>
        {call.push_to_talk && (
          <button
            id="call-talk"
            className={`round wide${call.talking ? " on" : ""}`}
            onMouseDown={() => void setTalking(true)}
            onMouseUp={() => void setTalking(false)}
            onMouseLeave={() => call.talking && void setTalking(false)}
          >
            {t("call.holdToTalk")}
          </button>
        )}
        <button id="call-devices" className={`round${devices ? " on" : ""}`} title={t("call.devices")} onClick={() => setDevicesOpen(!devices)}>
          <Icon name="settings" label={t("call.devices")} />
        </button>
        <button id="call-view-leave" className="round danger" title={t("call.leave")} onClick={() => void leaveVoice()}>
          <Icon name="leave" label={t("call.leave")} />
        </button>
      </div>
      {devices && <DevicePicker onClose={() => setDevicesOpen(false)} />}
    </section>
  );
}

/// Holding the backquote key (outside text fields) talks, when push-to-talk is on.
function usePushToTalkKey(call: CallInfo | null) {
  const enabled = call?.push_to_talk ?? false;
  useEffect(() => {
    if (!enabled) return;
    const typing = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.isContentEditable);
    };
    const down = (e: KeyboardEvent) => e.code === "Backquote" && !e.repeat && !typing(e) && void setTalking(true);
    const up = (e: KeyboardEvent) => e.code === "Backquote" && void setTalking(false);
    // Letting go outside the window (or switching away) stops talking.
    const blur = () => void setTalking(false);
    addEventListener("keydown", down);
    addEventListener("keyup", up);
    addEventListener("blur", blur);
    return () => {
      removeEventListener("keydown", down);
      removeEventListener("keyup", up);
      removeEventListener("blur", blur);
    };
  }, [enabled]);
}

function ParticipantTile({ p }: { p: Participant }) {
  const user = useStore((s) => s.users[p.state.user_id]);
  return <Tile userId={p.state.user_id} name={user?.display_name ?? "…"} avatar={user?.avatar_url} state={p.state} level={p.level} participant={p} />;
}

function Tile({
  userId,
  name,
  avatar,
  state,
  level,
  participant,
  self = false,
}: {
  userId: string;
  name: string;
  avatar?: string | null;
  state: VoiceState | null;
  level: number;
  participant?: Participant;
  self?: boolean;
}) {
  const t = useT();
  const [menu, setMenu] = useState(false);
  const hidden = participant?.video_hidden ?? false;
  const cameraOn = (state?.camera ?? false) && !hidden;
  const hasPicture = useHasPicture(userId, cameraOn);
  const speaking = state?.speaking ?? level > 0.02;
  const muted = (state?.self_mute ?? false) || (state?.server_mute ?? false) || (participant?.locally_muted ?? false);
  const q = participant ? quality(participant) : null;
  return (
    <div className={`tile${speaking ? " speaking" : ""}`} data-user={name} data-self={self || undefined}>
      {cameraOn && hasPicture ? <VideoCanvas userId={userId} mirrored={self} /> : <Avatar name={name} url={avatar} size={72} />}
      {hidden && <span className="tile-note">{t("call.videoHidden")}</span>}
      <div className="tile-label">
        <button
          className="tile-name"
          onClick={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            setState({ card: { userId, top: Math.max(8, r.top - 300), left: r.left } });
          }}
        >
          {self ? t("call.you", { name }) : name}
        </button>
        {muted && <Icon name="mic-off" size={14} label={participant?.locally_muted ? t("call.mutedForMe") : t("voice.muted")} />}
        {state?.self_deaf && <Icon name="deafened" size={14} label={t("voice.deafened")} />}
        {q && <span className={`quality ${q}`} role="img" aria-label={t("call.quality", { q: t(`call.q.${q}`) })} title={t("call.quality", { q: t(`call.q.${q}`) })} />}
      </div>
      {participant && (
        <button className="icon small tile-more" aria-label={t("call.personMenu", { name })} onClick={() => setMenu(!menu)}>
          ⋯
        </button>
      )}
      {participant && menu && <PeerMenu p={participant} onClose={() => setMenu(false)} />}
    </div>
  );
}

/// Whether a picture from `userId` has arrived (re-checked as they come).
function useHasPicture(userId: string, watching: boolean) {
  const [has, setHas] = useState(() => !!latestPicture(userId));
  useEffect(() => {
    if (!watching) return;
    setHas(!!latestPicture(userId));
    return watchPictures(userId, () => setHas(true));
  }, [userId, watching]);
  return has && watching;
}

/// Draws `userId`'s newest picture, at most once per display frame.
function VideoCanvas({ userId, mirrored }: { userId: string; mirrored: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let queued = 0;
    const draw = () => {
      queued = 0;
      const p = latestPicture(userId);
      if (p && ref.current) drawPicture(ref.current, p);
    };
    draw();
    const stop = watchPictures(userId, () => {
      if (!queued) queued = requestAnimationFrame(draw);
    });
    return () => {
      stop();
      if (queued) cancelAnimationFrame(queued);
    };
  }, [userId]);
  return <canvas ref={ref} className={`tile-video${mirrored ? " mirrored" : ""}`} data-video={userId} />;
}

function PeerMenu({ p, onClose }: { p: Participant; onClose: () => void }) {
  const t = useT();
  const user = p.state.user_id;
  const server = useStore((s) => s.servers.find((sv) => sv.server.id === p.state.server_id));
  const mute = can(server, "mute_members");
  const disconnect = can(server, "move_members");
  return (
    <div className="menu tile-menu" role="menu" onMouseLeave={onClose}>
      <label className="volume">
        {t("call.volume")} <span className="muted">{Math.round(p.volume * 100)}%</span>
        <input type="range" min={0} max={200} step={5} value={Math.round(p.volume * 100)} onChange={(e) => void setPeer(user, { volume: Number(e.target.value) / 100 })} />
      </label>
      <label className="check">
        <input type="checkbox" checked={p.locally_muted} onChange={(e) => void setPeer(user, { muted: e.target.checked })} />
        {t("call.muteForMe")}
      </label>
      <label className="check">
        <input type="checkbox" checked={p.video_hidden} onChange={(e) => void setPeer(user, { videoHidden: e.target.checked })} />
        {t("call.hideVideo")}
      </label>
      <PeerStats p={p} />
      {mute && (
        <label className="check">
          <input type="checkbox" checked={p.state.server_mute} onChange={(e) => void moderate(user, { serverMute: e.target.checked })} />
          {t("call.muteForEveryone")}
        </label>
      )}
      {disconnect && (
        <button className="danger" onClick={() => (onClose(), void moderate(user, "disconnect"))}>
          {t("call.disconnect")}
        </button>
      )}
    </div>
  );
}

/// How their audio reaches me: what arrived and was lost, how unevenly, how
/// much waits to be played, and the times it ran out (heard as a gap, or
/// covered with their voice continued).
function PeerStats({ p }: { p: Participant }) {
  const t = useT();
  const loss = 100 * lostShare(p);
  return (
    <dl className="peer-stats" aria-label={t("call.stats")}>
      <dt>{t("call.stats")}</dt>
      <dd className="stats-received">{t("call.stats.received", { n: p.packets, loss: loss.toFixed(loss > 0 && loss < 1 ? 1 : 0) })}</dd>
      <dd className="stats-timing">{t("call.stats.timing", { jitter: Math.round(p.jitter_ms), buffer: Math.round(p.buffer_ms) })}</dd>
      <dd className="stats-gaps" title={t("call.stats.gapsHint")}>
        {t("call.stats.gaps", { heard: p.underruns, covered: p.underruns_concealed })}
      </dd>
    </dl>
  );
}

/// Microphone, speakers and camera, with the microphone's live level.
function DevicePicker({ onClose }: { onClose: () => void }) {
  const t = useT();
  const settings = useStore((s) => s.info?.settings);
  const [devices, setList] = useState<MediaDevices | null>(null);
  const [live, setLive] = useState<CallInfo | null>(null);
  useEffect(() => {
    void bridge.mediaDevices().then(setList).catch(() => setList({ audio: { inputs: [], outputs: [] }, cameras: [] }));
    // The level meter wants more than the call bar's two readings a second.
    const poll = setInterval(() => void bridge.callInfo().then((c) => c && setLive(c)).catch(() => null), 100);
    return () => clearInterval(poll);
  }, []);
  const level = live?.my_level ?? 0;
  // What the devices in use hold, as the system reports it, and the times
  // they fell behind.
  const latency = (id: string, ms: number | null | undefined) =>
    ms != null && (
      <span id={id} className="muted small device-latency">
        {t("call.latency", { ms: Math.round(ms) })}
      </span>
    );
  const xruns = (id: string, n: number | null | undefined) =>
    n != null && (
      <span id={id} className={`small device-xruns${n > 0 ? " warn" : " muted"}`} title={t("call.xrunsHint")}>
        {t("call.xruns", { n })}
      </span>
    );
  if (!settings) return null;
  const select = (id: string, label: string, list: { id: string; name: string }[] | undefined, value: string | null, pick: (v: string) => void) => (
    <label>
      {label}
      <select id={id} value={value ?? ""} onChange={(e) => pick(e.target.value)}>
        <option value="">{t("call.systemDefault")}</option>
        {(list ?? []).map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
      {list && list.length === 0 && <span className="muted small">{t("call.noneFound")}</span>}
    </label>
  );
  return (
    <div className="device-picker" role="dialog" aria-label={t("call.devices")}>
      {select("pick-microphone", t("call.microphone"), devices?.audio.inputs, settings.microphone, (v) => void setDevices(v, null, null))}
      <div className="level" role="meter" aria-label={t("call.inputLevel")} aria-valuemin={0} aria-valuemax={1} aria-valuenow={level}>
        <div style={{ width: `${Math.min(100, Math.sqrt(level) * 140)}%` }} />
      </div>
      <div className="device-stats">
        {latency("microphone-latency", live?.microphone_latency_ms)}
        {xruns("microphone-xruns", live?.microphone_xruns)}
      </div>
      {select("pick-speakers", t("call.speakers"), devices?.audio.outputs, settings.speakers, (v) => void setDevices(null, v, null))}
      <div className="device-stats">
        {latency("speakers-latency", live?.speakers_latency_ms)}
        {xruns("speakers-xruns", live?.speakers_xruns)}
      </div>
      {select("pick-camera", t("call.cameraDevice"), devices?.cameras, settings.camera, (v) => void setDevices(null, null, v))}
      <label className="check">
        <input id="push-to-talk" type="checkbox" checked={settings.push_to_talk} onChange={(e) => void setPushToTalk(e.target.checked)} />
        {t("call.pushToTalk")}
      </label>
      <button onClick={onClose}>{t("common.close")}</button>
    </div>
  );
}

// Files in messages: pictures drawn at their size from the first frame (no
// jump when they load), file cards with download, the files of a message
// still being sent (progress, cancel), the composer's staged files, and the
// picture viewer (zoom, previous/next, save).

import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import type { Attachment, Message, OutboxEntry, StagedFile } from "../bindings";
import { cancelSend, download, formatSize, isPicture, openViewer, showDownload } from "../state/actions";
import { setState, useStore } from "../state/store";
import { Icon, useT } from "./common";

/// The largest a picture is drawn in the timeline.
const MAX_W = 400;
const MAX_H = 300;

/// Where the window loads an attachment's picture (or its thumbnail) from:
/// the app's `pqmedia` scheme, which fetches it with the account's token and
/// keeps it for offline viewing (see src-tauri/src/media.rs).
export function attachmentSrc(id: string, thumbnail: boolean): string {
  const windows = typeof navigator !== "undefined" && /Windows/.test(navigator.userAgent);
  const base = windows ? "http://pqmedia.localhost/" : "pqmedia://localhost/";
  return `${base}attachment/${encodeURIComponent(id)}${thumbnail ? "/thumbnail" : ""}`;
}

/// The size a picture is drawn at in the timeline: its own, scaled down to
/// fit 400 × 300, keeping its aspect ratio.
export function fitted(width: number, height: number, maxW = MAX_W, maxH = MAX_H): { width: number; height: number } {
  const scale = Math.min(1, maxW / width, maxH / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function Attachments({ m }: { m: Message }) {
  if (m.deleted || m.attachments.length === 0) return null;
  return (
    <div className="attachments">
      {m.attachments.map((a) => (isPicture(a) ? <Picture key={a.id} a={a} /> : <FileCard key={a.id} a={a} />))}
    </div>
  );
}

function Picture({ a }: { a: Attachment }) {
  const t = useT();
  const size = fitted(a.width ?? MAX_W, a.height ?? MAX_H);
  const [failed, setFailed] = useState(false);
  return (
    <button
      className="attachment-picture"
      style={size}
      data-attachment={a.id}
      title={t("file.open", { name: a.filename })}
      aria-label={t("file.open", { name: a.filename })}
      onClick={() => openViewer(a)}
    >
      {failed ? (
        <span className="picture-missing">
          <Icon name="image" size={24} />
          {a.filename}
        </span>
      ) : (
        <img src={attachmentSrc(a.id, a.thumbnail)} alt={a.filename} width={size.width} height={size.height} loading="lazy" draggable={false} onError={() => setFailed(true)} />
      )}
    </button>
  );
}

function FileCard({ a }: { a: Attachment }) {
  const t = useT();
  const d = useStore((s) => s.downloads[a.id]);
  const going = d && !d.done && !d.error;
  const percent = d && d.total ? Math.floor((100 * d.received) / d.total) : 0;
  return (
    <div className="file-card" data-attachment={a.id}>
      <Icon name="file" size={28} />
      <div className="file-info">
        <span className="file-name" title={a.filename}>
          {a.filename}
        </span>
        <span className="file-meta muted">
          {formatSize(a.size)} · {a.content_type}
        </span>
        {going && (
          <span className="file-progress">
            <progress max={100} value={percent} /> {t("file.downloading", { percent })}
          </span>
        )}
        {d?.done && (
          <span className="file-done">
            {t("file.saved")}{" "}
            <button className="link" onClick={() => void showDownload(d.done!)}>
              {t("file.show")}
            </button>
          </span>
        )}
        {d?.error && <span className="file-error error">{t("file.failed", { reason: d.error })}</span>}
      </div>
      <button className="icon download" title={t("file.download", { name: a.filename })} aria-label={t("file.download", { name: a.filename })} disabled={going} onClick={() => void download(a)}>
        <Icon name="download" size={18} />
      </button>
    </div>
  );
}

/// The files of a message not sent yet: what is up, what is going (with a
/// bar), and a way to stop.
export function PendingFiles({ e }: { e: OutboxEntry }) {
  const t = useT();
  const progress = useStore((s) => s.uploads[e.client_id]);
  const online = useStore((s) => s.connection.state === "online" || s.connection.state === "syncing");
  if (e.files.length === 0) return null;
  const done = e.files.filter((f) => f.uploaded).length;
  const total = e.files.reduce((n, f) => n + f.size, 0);
  const sent = e.files.reduce((n, f, i) => n + (f.uploaded ? f.size : progress && progress.file === i ? progress.sent : 0), 0);
  const failed = e.state.state === "failed";
  return (
    <div className="pending-files">
      <ul>
        {e.files.map((f, i) => (
          <li key={i} className={f.uploaded ? "up" : ""} data-name={f.name}>
            <Icon name="file" size={16} /> {f.name} <span className="muted">{formatSize(f.size)}</span>
            {!failed && (
              <progress
                className="file-upload"
                max={f.size || 1}
                value={f.uploaded ? f.size : progress && progress.file === i ? progress.sent : 0}
                aria-label={f.name}
              />
            )}
          </li>
        ))}
      </ul>
      {!failed && done < e.files.length && (
        <div className="upload-progress">
          <progress max={total || 1} value={sent} aria-label={t("file.uploading", { done, n: e.files.length })} />
          <span className="muted">{online ? t("file.uploading", { done, n: e.files.length }) : t("file.waiting")}</span>
          <button className="icon small cancel-upload" title={t("file.cancel")} aria-label={t("file.cancel")} onClick={() => void cancelSend(e.client_id)}>
            ✕
          </button>
        </div>
      )}
    </div>
  );
}

/// The composer's files before sending: a preview of pictures, the name and
/// size of anything else, and a way to take each back.
export function StagedFiles({ files, previews, onRemove }: { files: StagedFile[]; previews: Record<string, string>; onRemove: (f: StagedFile) => void }) {
  const t = useT();
  if (files.length === 0) return null;
  return (
    <ul className="staged-files" aria-label={t("file.attach")}>
      {files.map((f) => (
        <li key={f.id} className="staged-file" data-name={f.name}>
          {previews[f.id] ? <img src={previews[f.id]} alt="" /> : <Icon name="file" size={28} />}
          <span className="file-name" title={f.name}>
            {f.name}
          </span>
          <span className="muted">{formatSize(f.size)}</span>
          <button className="icon small remove-staged" title={t("file.remove", { name: f.name })} aria-label={t("file.remove", { name: f.name })} onClick={() => onRemove(f)}>
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}

/// The picture viewer: the picture at the window's size (or its own, or
/// zoomed), previous/next through the channel's pictures, save, close.
export function Viewer() {
  const t = useT();
  const viewer = useStore((s) => s.viewer);
  const [zoom, setZoom] = useState<number | null>(null);
  const a = viewer?.items[viewer.index];
  const go = (d: number) =>
    setState((s) => (s.viewer ? { viewer: { ...s.viewer, index: Math.min(s.viewer.items.length - 1, Math.max(0, s.viewer.index + d)) } } : {}));
  const close = () => setState({ viewer: null });
  useEffect(() => setZoom(null), [a?.id]);
  useEffect(() => {
    if (!viewer) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close();
      else if (e.key === "ArrowLeft") go(-1);
      else if (e.key === "ArrowRight") go(1);
      else if (e.key === "+" || e.key === "=") setZoom((z) => Math.min(8, (z ?? 1) * 1.5));
      else if (e.key === "-") setZoom((z) => Math.max(0.1, (z ?? 1) / 1.5));
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [viewer]);
  if (!viewer || !a) return null;
  const style =
    zoom === null
      ? { maxWidth: "100%", maxHeight: "100%" }
      : { width: Math.round((a.width ?? MAX_W) * zoom), height: Math.round((a.height ?? MAX_H) * zoom), maxWidth: "none", maxHeight: "none" };
  return createPortal(
    <div className="viewer" role="dialog" aria-modal="true" aria-label={t("viewer.title", { n: viewer.index + 1, count: viewer.items.length })} onClick={close}>
      <div className="viewer-bar" onClick={(e) => e.stopPropagation()}>
        <span className="viewer-name">{a.filename}</span>
        <span className="muted">
          {t("viewer.title", { n: viewer.index + 1, count: viewer.items.length })} · {a.width}×{a.height} · {formatSize(a.size)}
        </span>
        <span className="spacer" />
        <button className="icon zoom-out" title={t("viewer.zoomOut")} aria-label={t("viewer.zoomOut")} onClick={() => setZoom((z) => Math.max(0.1, (z ?? 1) / 1.5))}>
          −
        </button>
        <button className="icon zoom-fit" title={t("viewer.fit")} aria-label={t("viewer.fit")} onClick={() => setZoom(null)}>
          ⤢
        </button>
        <button className="icon zoom-in" title={t("viewer.zoomIn")} aria-label={t("viewer.zoomIn")} onClick={() => setZoom((z) => Math.min(8, (z ?? 1) * 1.5))}>
          +
        </button>
        <button className="icon save" title={t("viewer.save")} aria-label={t("viewer.save")} onClick={() => void download(a)}>
          <Icon name="download" size={18} />
        </button>
        <button className="icon close" title={t("viewer.close")} aria-label={t("viewer.close")} onClick={close}>
          ✕
        </button>
      </div>
      <div className={`viewer-stage${zoom !== null ? " zoomed" : ""}`}>
        <img
          className="viewer-picture"
          src={attachmentSrc(a.id, false)}
          alt={a.filename}
          style={style}
          onClick={(e) => {
            e.stopPropagation();
            setZoom((z) => (z === null ? 1 : null));
          }}
          onWheel={(e) => {
            if (!e.ctrlKey) return;
            e.preventDefault();
            setZoom((z) => Math.min(8, Math.max(0.1, (z ?? 1) * (e.deltaY < 0 ? 1.1 : 1 / 1.1))));
          }}
        />
      </div>
      {viewer.index > 0 && (
        <button className="viewer-nav previous" title={t("viewer.previous")} aria-label={t("viewer.previous")} onClick={(e) => (e.stopPropagation(), go(-1))}>
          ‹
        </button>
      )}
      {viewer.index < viewer.items.length - 1 && (
        <button className="viewer-nav next" title={t("viewer.next")} aria-label={t("viewer.next")} onClick={(e) => (e.stopPropagation(), go(1))}>
          ›
        </button>
      )}
    </div>,
    document.body,
  );
}

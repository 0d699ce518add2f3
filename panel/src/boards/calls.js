// Every bridge call the Board view makes, in one place, through the panel's bridge client.
// (When the generated client lands, only this file changes.)

import { qs } from "../api.js";
import { getBridge } from "../sync.js";

const b = () => getBridge();
const enc = encodeURIComponent;

export const listBoards = () => b().get("/boards");
export const getBoard = (id) => b().get(`/boards/${enc(id)}`);
export const createBoard = (body) => b().post("/boards", body);
export const patchBoard = (id, body) => b().patch(`/boards/${enc(id)}`, body);
export const addShots = (id, body) => b().post(`/boards/${enc(id)}/shots`, body);
export const patchShot = (id, body) => b().patch(`/shots/${enc(id)}`, body);
export const deleteShot = (id) => b().del(`/shots/${enc(id)}`);
export const splitShot = (id) => b().post(`/shots/${enc(id)}/split`, {});
export const fillSong = (id, bars) => b().post(`/boards/${enc(id)}/fill`, { bars_per_shot: bars });
export const markersToCuts = (id, seconds) => b().post(`/boards/${enc(id)}/markers`, { seconds });
export const generate = (id, body) => b().post(`/boards/${enc(id)}/generate`, body);
export const assemble = (id, body) => b().post(`/boards/${enc(id)}/assemble`, body);
export const shotTakes = (shotId) => b().get(`/takes${qs({ shot_id: shotId, sort: "created", limit: 200 })}`);
export const timelineBytes = (id, fmt) => b().bytes(`/timelines/${enc(id)}/${fmt}`);

/** Multipart upload (a song, or a shot-list file) under /api/v1. */
export async function upload(path, file, fields = {}) {
  const bridge = b();
  const form = new FormData();
  form.append("file", file, file.name);
  for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
  const headers = bridge.token ? { Authorization: `Bearer ${bridge.token}` } : {};
  const res = await fetch(bridge.url(path), { method: "POST", body: form, headers });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (body && body.error) || {};
    const e = new Error(err.message || `The bridge answered ${res.status}.`);
    /** @type {any} */ (e).field = err.field;
    throw e;
  }
  return body;
}

/** Whether a take's file is still there (the bridge serves it; a HEAD answers 404 if not). */
export async function mediaExists(take) {
  if (!take || !take.media_url) return false;
  const url = take.media_url.startsWith("http") ? take.media_url : `${b().base}${take.media_url}`;
  try {
    const res = await fetch(url, { method: "HEAD", cache: "no-store" });
    return res.ok;
  } catch {
    return false;
  }
}

export function absolute(url) {
  return !url || url.startsWith("http") ? url : `${b().base}${url}`;
}

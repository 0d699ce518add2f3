// A host that records every call instead of touching an editor (selected with ?host=test).
// Tests read window.__promptcutHostCalls and set window.__promptcutPlayhead.

import { framesToTicks } from "./ticks.js";

export const name = "test";
export const capabilities = {
  label: "Test host",
  timeline: true,
  exportSequence: true,
  reveal: true,
  pairing: false,
};

function record(method, args) {
  const w = /** @type {any} */ (window);
  w.__promptcutHostCalls = w.__promptcutHostCalls || [];
  w.__promptcutHostCalls.push({ method, args: JSON.parse(JSON.stringify(args)) });
}

export async function readToken() {
  return null;
}

export async function importFile(path) {
  record("importFile", { path });
  return { path };
}

export async function insertAtPlayhead(path, opts = {}) {
  const time = opts.time ?? (await getPlayhead());
  record("insertAtPlayhead", { path, track: opts.track, overwrite: !!opts.overwrite, time });
  return { path, track: opts.track, time };
}

export async function importTimeline(source) {
  record("importTimeline", { name: source.name, size: source.bytes ? source.bytes.length : 0, path: source.path || null });
  return { name: source.name };
}

export async function exportActiveSequence(format) {
  record("exportActiveSequence", { format });
  return { path: `/tmp/sequence.${format}` };
}

export async function getPlayhead() {
  const w = /** @type {any} */ (window);
  return typeof w.__promptcutPlayhead === "number" ? w.__promptcutPlayhead : 12.5;
}

export async function getVideoTrackCount() {
  return 3;
}

export async function saveFile(source, suggestedName) {
  record("saveFile", { name: suggestedName, kind: typeof source === "string" ? "url" : "bytes" });
  return { saved: suggestedName };
}

export async function revealFile(path) {
  record("revealFile", { path });
  return { revealed: path };
}

/** Hosts with a working <input type=file> answer null: the page's own file input is used. */
export async function openTextFile() {
  return null;
}

/** A file the editor picks, as {name, bytes}; null here: the page's own file input is used.
 * @param {string[]} [_types] */
export async function openFile(_types) {
  return null;
}

// Boards. Tests set window.__promptcutSequence, __promptcutMarkers (seconds) and
// __promptcutGap ({startTicks, endTicks}); placements are recorded in exact ticks.

export async function getSequenceInfo() {
  const w = /** @type {any} */ (window);
  return w.__promptcutSequence || { name: "Test sequence", fps: 25, width: 1920, height: 1080,
    videoTracks: 3 };
}

export async function getSequenceMarkers() {
  const w = /** @type {any} */ (window);
  return (w.__promptcutMarkers || []).map((s, i) => ({ seconds: s, name: `Marker ${i + 1}` }));
}

export async function findGap(opts = {}) {
  const w = /** @type {any} */ (window);
  const gap = w.__promptcutGap;
  if (!gap) return null;
  record("findGap", { track: opts.track || 0 });
  return { ...gap, track: opts.track || 0 };
}

function placement(method, path, opts) {
  const startTicks = framesToTicks(opts.startFrame, opts.fps);
  const endTicks = framesToTicks(opts.startFrame + opts.frames, opts.fps);
  record(method, { path, track: opts.track || 0, startTicks, endTicks, label: opts.label || null });
  return { track: opts.track || 0, startTicks, endTicks };
}

export async function placeTrimmed(path, opts) {
  return placement("placeTrimmed", path, opts);
}

export async function swapTake(path, opts) {
  return placement("swapTake", path, opts);
}

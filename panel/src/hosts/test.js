// @ts-check
// A host that records every call instead of touching an editor (selected with ?host=test).
// Tests read window.__promptcutHostCalls and set window.__promptcutPlayhead.

import { framesToTicks } from "./ticks.js";

/** @typedef {import("./host").Host} Host */

export const name = "test";
export const capabilities = {
  label: "Test host",
  timeline: true,
  exportSequence: true,
  reveal: true,
  pairing: false,
  playheadFrame: true,
};

/** @param {string} method @param {object} args */
function record(method, args) {
  const w = window;
  w.__promptcutHostCalls = w.__promptcutHostCalls || [];
  w.__promptcutHostCalls.push({ method, args: JSON.parse(JSON.stringify(args)) });
}

/** @type {Host["readToken"]} */
export async function readToken() {
  return null;
}

/** @type {Host["importFile"]} */
export async function importFile(path) {
  record("importFile", { path });
  return { path };
}

/** @type {Host["insertAtPlayhead"]} */
export async function insertAtPlayhead(path, opts = {}) {
  const time = opts.time ?? (await getPlayhead());
  record("insertAtPlayhead", { path, track: opts.track, overwrite: !!opts.overwrite, time });
  return { path, track: opts.track, time };
}

/** @type {Host["importTimeline"]} */
export async function importTimeline(source) {
  record("importTimeline", { name: source.name, size: source.bytes ? source.bytes.byteLength : 0, path: source.path || null });
  return { name: source.name };
}

/** @type {Host["exportActiveSequence"]} */
export async function exportActiveSequence(format) {
  record("exportActiveSequence", { format });
  return { path: `/tmp/sequence.${format}` };
}

/** @type {Host["getPlayhead"]} */
export async function getPlayhead() {
  const w = window;
  return typeof w.__promptcutPlayhead === "number" ? w.__promptcutPlayhead : 12.5;
}

/** @type {Host["getVideoTrackCount"]} */
export async function getVideoTrackCount() {
  return 3;
}

/** @type {Host["saveFile"]} */
export async function saveFile(source, suggestedName) {
  record("saveFile", { name: suggestedName, kind: typeof source === "string" ? "url" : "bytes" });
  return { saved: suggestedName };
}

/** @type {Host["revealFile"]} */
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

/** @type {Host["getSequenceInfo"]} */
export async function getSequenceInfo() {
  const w = window;
  return w.__promptcutSequence || { name: "Test sequence", fps: 25, width: 1920, height: 1080,
    videoTracks: 3 };
}

/** @type {Host["getSequenceMarkers"]} */
export async function getSequenceMarkers() {
  const w = window;
  return (w.__promptcutMarkers || []).map((s, i) => ({ seconds: s, name: `Marker ${i + 1}` }));
}

/** @type {Host["findGap"]} */
export async function findGap(opts = {}) {
  const w = window;
  const gap = w.__promptcutGap;
  if (!gap) return null;
  record("findGap", { track: opts.track || 0 });
  return { ...gap, track: opts.track || 0 };
}

/** @param {string} method @param {string} path @param {import("./host").TrimOptions} opts */
function placement(method, path, opts) {
  const startTicks = framesToTicks(opts.startFrame, opts.fps);
  const endTicks = framesToTicks(opts.startFrame + opts.frames, opts.fps);
  record(method, { path, track: opts.track || 0, startTicks, endTicks, label: opts.label || null });
  return { track: opts.track || 0, startTicks, endTicks };
}

/** @type {Host["placeTrimmed"]} */
export async function placeTrimmed(path, opts) {
  return placement("placeTrimmed", path, opts);
}

/** @type {Host["swapTake"]} */
export async function swapTake(path, opts) {
  return placement("swapTake", path, opts);
}

/** The "frame under the playhead": a PNG of one colour (window.__promptcutPlayheadColour,
 * default teal), drawn here so a test can tell it arrived.
 * @type {Host["playheadFrame"]} */
export async function playheadFrame() {
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 18;
  const g = canvas.getContext("2d");
  if (!g) return null;
  g.fillStyle = window.__promptcutPlayheadColour || "#208070";
  g.fillRect(0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) return null;
  record("playheadFrame", { time: await getPlayhead() });
  return { name: "playhead.png", bytes: new Uint8Array(await /** @type {Blob} */ (blob).arrayBuffer()) };
}

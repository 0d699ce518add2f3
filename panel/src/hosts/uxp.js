// @ts-check
// Premiere Pro UXP plugin (25.6+): the host interface. It and uxp_project.js (the only file
// that calls require("premierepro")) are checked by tsc against Adobe's @adobe/premierepro
// types. It follows these facts, recorded from a live Premiere 26.3: find imported items
// by listing the bin (findItemsMatchingMediaPath returned nothing), pass the raw ProjectItem
// to edit actions (a cast wrapper throws "Invalid parameter"), 0-based video track indices
// below getVideoTrackCount(), actions created inside lockedAccess and run through
// executeTransaction as one undo step, and an edit confirmed by reading the track's items
// back. Never feature-detect by arity: Function.length is always 0.

import {
  activeProject, activeSequence, baseName, confirmOnTrack, importAndFind, ppro, transact, uxp,
} from "./uxp_project.js";
import { fpsOfTimebase, framesToTicks } from "./ticks.js";

export const name = "uxp";
export const capabilities = {
  label: "Premiere (UXP)",
  timeline: true,
  exportSequence: true,
  reveal: false, // shell.openPath needs a launchProcess permission this plugin does not ask for
  nativeOpen: true, // no <input type=file> in UXP: openTextFile() and openFile() use its picker
  pairing: true,
  playheadFrame: true, // Exporter.exportSequenceFrame (Premiere 25.0+)
};

export async function readToken() {
  return null;
}

/** @param {string} path */
export async function importFile(path) {
  const project = await activeProject();
  const item = await importAndFind(project, path);
  return { name: item.name };
}

/** The active sequence, checked to have video track `track` (0-based), and the take's
 * project item (imported once, found again after). Shared by every placing command.
 * @param {string} path @param {number} track */
async function onTrack(path, track) {
  const project = await activeProject();
  const seq = await activeSequence(project);
  const count = await seq.getVideoTrackCount();
  if (track < 0 || track >= count) {
    throw new Error(`This sequence has ${count} video tracks: choose V1 to V${count}.`);
  }
  return { project, seq, item: await importAndFind(project, path) };
}

/**
 * @param {string} path the take's local media file
 * @param {{track?: number, overwrite?: boolean, time?: number | null}} opts track: 0-based
 */
export async function insertAtPlayhead(path, opts = {}) {
  const p = ppro();
  const track = opts.track || 0;
  const { project, seq, item } = await onTrack(path, track);
  // The player position as Premiere's own TickTime (exact ticks), unless told otherwise.
  const at = typeof opts.time === "number"
    ? p.TickTime.createWithSeconds(opts.time)
    : await seq.getPlayerPosition();
  const editor = p.SequenceEditor.getEditor(seq);
  const label = opts.overwrite ? "Promptcut: overwrite take" : "Promptcut: insert take";
  transact(project, label, () => [
    opts.overwrite
      ? editor.createOverwriteItemAction(item, at, track, 0)
      : editor.createInsertProjectItemAction(item, at, track, 0, false),
  ]);
  await confirmOnTrack(seq, track, at.seconds);
  return { track, time: at.seconds };
}

export async function getPlayhead() {
  const seq = await activeSequence(await activeProject());
  return (await seq.getPlayerPosition()).seconds;
}

/** The frame under the playhead, exported by Premiere as a PNG at the sequence's size into
 * the plugin's temporary folder (a file this call makes; the OS clears that folder) and
 * read back as bytes. Follows Adobe's reference for Exporter.exportSequenceFrame (a file
 * name and the folder it goes in); not yet run in a live Premiere.
 * @type {import("./host").Host["playheadFrame"]} */
export async function playheadFrame() {
  const p = ppro();
  const seq = await activeSequence(await activeProject());
  const time = await seq.getPlayerPosition();
  const size = await seq.getFrameSize();
  const { localFileSystem, formats } = uxp().storage;
  const folder = await localFileSystem.getTemporaryFolder();
  const name = `promptcut-playhead-${Date.now()}.png`;
  const ok = await p.Exporter.exportSequenceFrame(seq, time, name, folder.nativePath, size.width,
    size.height);
  if (!ok) throw new Error("Premiere could not export the frame under the playhead.");
  const file = await folder.getEntry(name);
  const data = await file.read({ format: formats.binary });
  return { name, bytes: new Uint8Array(/** @type {ArrayBuffer} */ (data)) };
}

export async function getVideoTrackCount() {
  try {
    const seq = await (await activeProject()).getActiveSequence();
    return seq ? await seq.getVideoTrackCount() : null;
  } catch {
    return null;
  }
}

/**
 * Writes a timeline file to the plugin's temporary folder and imports it (.otio import
 * makes a new sequence, Premiere 25.6+).
 * @param {{bytes?: Uint8Array, url?: string, name: string, path?: string}} source
 */
export async function importTimeline(source) {
  const project = await activeProject();
  let path = source.path;
  if (!path) {
    const bytes = source.bytes || (await fetchBytes(String(source.url)));
    path = await writeTemp(source.name, bytes);
  }
  const ok = await project.importFiles([path], true, await project.getInsertionBin(), false);
  if (!ok) throw new Error(`Premiere could not import ${source.name}.`);
  return { path };
}

/** @param {string} format otio or fcp7xml */
export async function exportActiveSequence(format) {
  const p = ppro();
  const project = await activeProject();
  const seq = await activeSequence(project);
  const ext = format === "otio" ? "otio" : "xml";
  const file = await uxp().storage.localFileSystem.getFileForSaving(`${seq.name}.${ext}`, { types: [ext] });
  if (!file) return { cancelled: true };
  const path = file.nativePath;
  const ok = format === "otio"
    ? await p.ProjectConverter.exportAsOpenTimelineIO(seq, path, true)
    : await p.ProjectConverter.exportAsFinalCutProXML(seq, path, true);
  if (!ok) throw new Error(`Premiere could not export the sequence as ${format}.`);
  return { path };
}

/** @param {Uint8Array | ArrayBuffer | string} source @param {string} suggestedName */
export async function saveFile(source, suggestedName) {
  const bytes = typeof source === "string" ? await fetchBytes(source) : new Uint8Array(source);
  const ext = suggestedName.split(".").pop() || "";
  const file = await uxp().storage.localFileSystem.getFileForSaving(suggestedName, { types: [ext] });
  if (!file) return { cancelled: true };
  await file.write(bytes, { format: uxp().storage.formats.binary });
  return { saved: file.nativePath };
}

/** UXP has no <input type=file>: the shot list is opened through UXP's own file picker. */
export async function openTextFile() {
  const { localFileSystem, formats } = uxp().storage;
  const file = await localFileSystem.getFileForOpening({ types: ["txt", "csv"] });
  if (!file) return null;
  return String(await file.read({ format: formats.utf8 }));
}

/** UXP has no <input type=file>: a timeline (or any file) is opened through UXP's picker.
 * @param {string[]} types extensions without the dot @returns {Promise<{name: string, bytes: Uint8Array} | null>} */
export async function openFile(types) {
  const { localFileSystem, formats } = uxp().storage;
  const file = await localFileSystem.getFileForOpening({ types });
  if (!file) return null;
  const data = await file.read({ format: formats.binary });
  return { name: file.name, bytes: new Uint8Array(/** @type {ArrayBuffer} */ (data)) };
}

/** @param {string} path */
export async function revealFile(path) {
  throw new Error(`Revealing files is not available in the UXP panel. The file is ${path}`);
}

/** @param {string} url */
async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not read ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The panel cannot use os.tmpdir() (missing in Premiere's UXP); use the plugin temp folder. */
async function writeTemp(/** @type {string} */ name, /** @type {Uint8Array} */ bytes) {
  const { localFileSystem, formats } = uxp().storage;
  const folder = await localFileSystem.getTemporaryFolder();
  const file = await folder.createFile(name, { overwrite: true });
  await file.write(bytes, { format: formats.binary });
  return file.nativePath;
}

// ---------------------------------------------------------------- boards

/** The active sequence's rate, size and tracks (a new board's defaults). */
export async function getSequenceInfo() {
  try {
    const seq = await (await activeProject()).getActiveSequence();
    if (!seq) return null;
    const size = await seq.getFrameSize();
    return { name: seq.name, fps: fpsOfTimebase(await seq.getTimebase()), width: size.width,
      height: size.height, videoTracks: await seq.getVideoTrackCount() };
  } catch {
    return null;
  }
}

/** Sequence markers (an editor taps M on the beat) as seconds, in time order. */
export async function getSequenceMarkers() {
  const seq = await activeSequence(await activeProject());
  const markers = (await ppro().Markers.getMarkers(seq)).getMarkers();
  return markers.map((m) => ({ seconds: m.getStart().seconds, name: m.getName() }))
    .sort((a, b) => a.seconds - b.seconds);
}

/**
 * The span to fill: the sequence's in/out points when set, else the empty span under the
 * playhead on `track` (between the clips either side of it).
 * @param {{track?: number}} opts
 */
export async function findGap(opts = {}) {
  const p = ppro();
  const track = opts.track || 0;
  const seq = await activeSequence(await activeProject());
  const inPoint = await seq.getInPoint();
  const outPoint = await seq.getOutPoint();
  if (outPoint.ticksNumber > inPoint.ticksNumber && inPoint.ticksNumber >= 0) {
    return { startTicks: inPoint.ticks, endTicks: outPoint.ticks, track, from: "in/out" };
  }
  const at = (await seq.getPlayerPosition()).ticksNumber;
  const vt = await seq.getVideoTrack(track);
  let start = 0;
  let end = Infinity;
  /** @type {string} */
  let startTicks = "0";
  /** @type {string | null} */
  let endTicks = null;
  for (const it of vt.getTrackItems(p.Constants.TrackItemType.CLIP, false)) {
    const a = await it.getStartTime();
    const b = await it.getEndTime();
    if (a.ticksNumber <= at && at < b.ticksNumber) return null; // a clip is there: no gap
    if (b.ticksNumber <= at && b.ticksNumber >= start) {
      start = b.ticksNumber;
      startTicks = b.ticks;
    }
    if (a.ticksNumber > at && a.ticksNumber < end) {
      end = a.ticksNumber;
      endTicks = a.ticks;
    }
  }
  return endTicks ? { startTicks, endTicks, track, from: "playhead" } : null;
}

/**
 * Overwrite `frames` sequence frames from `startFrame` on video track `track` with the take
 * at `path`, trimmed (the take's in point at its start, its out point after `frames`): one
 * undo step, nothing after it shifts (the song stays in sync). The take keeps its own rate:
 * Premiere plays it at real-time speed and samples its frames to the sequence's.
 * @param {string} path
 * @param {{track?: number, startFrame: number, frames: number, fps: number, label?: string}} opts
 */
export async function placeTrimmed(path, opts) {
  const p = ppro();
  const track = opts.track || 0;
  const { project, seq, item } = await onTrack(path, track);
  const clip = p.ClipProjectItem.cast(item);
  const at = p.TickTime.createWithTicks(framesToTicks(opts.startFrame, opts.fps));
  const length = p.TickTime.createWithTicks(framesToTicks(opts.frames, opts.fps));
  const editor = p.SequenceEditor.getEditor(seq);
  transact(project, opts.label || "Promptcut: place take", () => [
    clip.createSetInOutPointsAction(p.TickTime.TIME_ZERO, length),
    editor.createOverwriteItemAction(item, at, track, 0),
  ]);
  await confirmOnTrack(seq, track, at.seconds);
  return { track, startTicks: at.ticks,
    endTicks: framesToTicks(opts.startFrame + opts.frames, opts.fps) };
}

/** Replace a shot's clip with another take of the shot: same place, same length.
 * @param {string} path
 * @param {{track?: number, startFrame: number, frames: number, fps: number}} opts */
export async function swapTake(path, opts) {
  return placeTrimmed(path, { ...opts, label: "Promptcut: swap take" });
}

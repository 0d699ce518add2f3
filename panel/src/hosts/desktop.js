// @ts-check
// Desktop window (`promptcut desktop`, pywebview): the page is the browser panel, and
// bridge/desktop.py exposes a small js_api for native save dialogs and revealing files.
// Timeline actions become file exports the editor imports into any NLE.

import { baseName, toBase64, toBytes } from "./common.js";
export {
  exportActiveSequence, findGap, getPlayhead, getSequenceInfo, getSequenceMarkers,
  getVideoTrackCount, placeTrimmed, swapTake,
} from "./common.js";

/** @typedef {import("./host").Host} Host */

export const name = "desktop";
export const capabilities = {
  label: "Desktop",
  timeline: false,
  exportSequence: false,
  reveal: true,
  pairing: false, // desktop.py injects the token into the URL fragment
};

/**
 * pywebview injects window.pywebview.api asynchronously; wait briefly for it.
 * @returns {Promise<DesktopApi>}
 */
async function api() {
  for (let i = 0; i < 50; i++) {
    const pv = window.pywebview;
    // All of bridge/desktop.py's js_api arrives at once: save_file there means the rest is.
    if (pv && pv.api && pv.api.save_file) return /** @type {DesktopApi} */ (pv.api);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("The desktop window's file API is not available.");
}

/** @type {Host["readToken"]} */
export async function readToken() {
  return null;
}

/** @type {Host["importFile"]} */
export async function importFile(path) {
  const saved = await (await api()).save_copy(path, baseName(path));
  return saved ? { saved } : { cancelled: true };
}

/** @type {Host["insertAtPlayhead"]} */
export async function insertAtPlayhead(path) {
  return importFile(path);
}

/** @type {Host["importTimeline"]} */
export async function importTimeline(source) {
  const data = source.bytes || source.url;
  if (!data) throw new Error(`Nothing to save for ${source.name}: the timeline came with no bytes and no URL.`);
  return saveFile(data, source.name);
}

/** @type {Host["saveFile"]} */
export async function saveFile(source, suggestedName) {
  const bytes = await toBytes(source);
  const saved = await (await api()).save_file(suggestedName, toBase64(bytes));
  return saved ? { saved } : { cancelled: true };
}

/** @type {Host["revealFile"]} */
export async function revealFile(path) {
  await (await api()).reveal(path);
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

/** No playhead to take a frame from here (capabilities.playheadFrame is off): the Premiere
 * panel (UXP) hands one over; CEP's ExtendScript has no reliable frame export.
 * @type {Host["playheadFrame"]} */
export async function playheadFrame() {
  return null;
}

// @ts-check
// Browser tab (served by the bridge at /panel/): no editor to talk to, so timeline actions
// become downloads the editor imports by hand.

import { baseName, clickLink, downloadBytes, toBytes } from "./common.js";
export {
  exportActiveSequence, findGap, getPlayhead, getSequenceInfo, getSequenceMarkers,
  getVideoTrackCount, placeTrimmed, swapTake,
} from "./common.js";

/** @typedef {import("./host").Host} Host */

export const name = "browser";
export const capabilities = {
  label: "Browser",
  timeline: false, // no NLE: insert/overwrite become downloads
  exportSequence: false,
  reveal: false,
  pairing: false, // the token arrives in the URL fragment
};

/** @type {Host["readToken"]} */
export async function readToken() {
  return null;
}

/** @type {Host["importFile"]} */
export async function importFile(path, opts = {}) {
  if (opts.url) clickLink(opts.url, baseName(path));
  return { downloaded: baseName(path) };
}

/** @type {Host["insertAtPlayhead"]} */
export async function insertAtPlayhead(path, opts = {}) {
  return importFile(path, opts);
}

/** @type {Host["importTimeline"]} */
export async function importTimeline(source) {
  if (source.bytes) downloadBytes(source.bytes, source.name);
  else if (source.url) clickLink(source.url, source.name);
  return { downloaded: source.name };
}

/** @type {Host["saveFile"]} */
export async function saveFile(source, suggestedName) {
  if (typeof source === "string") clickLink(source, suggestedName);
  else downloadBytes(await toBytes(source), suggestedName);
  return { downloaded: suggestedName };
}

/** @type {Host["revealFile"]} */
export async function revealFile(path) {
  try {
    await navigator.clipboard.writeText(path);
    return { copied: path };
  } catch {
    return { path };
  }
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

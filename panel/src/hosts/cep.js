// @ts-check
// Premiere Pro CEP extension (older Premiere; CEP retires about a year after 25.6). Calls the
// ExtendScript functions in cep/jsx/promptcut.jsx through the CEP bridge that every CEP panel
// has (window.__adobe_cep__, the object CSInterface.js wraps), and uses cep.fs for files.
// Assembled cuts travel as FCP7 XML: CEP-era Premiere cannot import .otio.

import { baseName, toBase64, toBytes } from "./common.js";
import { framesToTicks } from "./ticks.js";

/** @typedef {import("./host").Host} Host */
/** @typedef {import("./host").Gap} Gap */

export const name = "cep";
export const capabilities = {
  label: "Premiere (CEP)",
  timeline: true,
  exportSequence: true,
  reveal: true,
  pairing: true,
  timelineFormat: "fcp7xml",
};

/** @returns {CepNativeBridge} */
function cepBridge() {
  const w = window;
  if (!w.__adobe_cep__) throw new Error("Not running inside a CEP panel.");
  return w.__adobe_cep__;
}

/** CEP's file API and its encodings (every CEP panel has window.cep). */
function cep() {
  if (!window.cep) throw new Error("Not running inside a CEP panel.");
  return window.cep;
}

function cepFs() {
  return cep().fs;
}

/**
 * Runs one ExtendScript call; every promptcut_* function answers a JSON string. The callers
 * below name the shape each function of cep/jsx/promptcut.jsx answers (JSON: unchecked here).
 * @param {string} fn @param {...(string | number | boolean)} args
 * @returns {Promise<unknown>}
 */
function evalScript(fn, ...args) {
  const script = `${fn}(${args.map((a) => JSON.stringify(a)).join(",")})`;
  return new Promise((resolve, reject) => {
    cepBridge().evalScript(script, (out) => {
      if (out === "EvalScript error." || out === undefined) {
        reject(new Error(`ExtendScript failed in ${fn}.`));
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(out);
      } catch {
        reject(new Error(`ExtendScript answered: ${out}`));
        return;
      }
      if (parsed && parsed.error) reject(new Error(parsed.error));
      else resolve(parsed);
    });
  });
}

function isWindows() {
  return /^Win/i.test(navigator.platform || "");
}

/** %LOCALAPPDATA% on Windows (CEP's userData is Roaming), ~/Library/Application Support on macOS. */
function dataDir() {
  const userData = cepBridge().getSystemPath("userData");
  const dir = isWindows() ? String(userData).replace(/[\\/]Roaming$/i, "\\Local") : userData;
  return `${dir}${isWindows() ? "\\" : "/"}Promptcut`;
}

/** The bridge's token file, read straight from its data dir, so pairing is needed only when
 *  the bridge runs with another --data-dir. */
/** @type {Host["readToken"]} */
export async function readToken() {
  try {
    const sep = isWindows() ? "\\" : "/";
    const res = cepFs().readFile(`${dataDir()}${sep}token`);
    return res && res.err === 0 && res.data ? String(res.data).trim() : null;
  } catch {
    return null;
  }
}

/** @type {Host["importFile"]} */
export async function importFile(path) {
  return evalScript("promptcut_importFile", path);
}

/** @type {Host["insertAtPlayhead"]} */
export async function insertAtPlayhead(path, opts = {}) {
  return evalScript("promptcut_placeClip", path, opts.track || 0, !!opts.overwrite,
    typeof opts.time === "number" ? opts.time : -1);
}

/** Writes the (FCP7 XML) timeline next to the token file and imports it as a sequence. */
/** @type {Host["importTimeline"]} */
export async function importTimeline(source) {
  let path = source.path;
  if (!path) {
    const sep = isWindows() ? "\\" : "/";
    const dir = `${dataDir()}${sep}panel-timelines`;
    cepFs().makedir(dir);
    path = `${dir}${sep}${baseName(source.name)}`;
    // An ArrayBuffer becomes bytes too (toBase64 reads a Uint8Array).
    const bytes = await toBytes(source.bytes || String(source.url));
    const res = cepFs().writeFile(path, toBase64(bytes), cep().encoding.Base64);
    if (res.err) throw new Error(`Could not write ${path} (error ${res.err}).`);
  }
  return evalScript("promptcut_importFiles", path);
}

/** @type {Host["exportActiveSequence"]} */
export async function exportActiveSequence(format) {
  if (format !== "fcp7xml") throw new Error("From CEP, Premiere exports FCP7 XML only.");
  const res = cepFs().showSaveDialogEx("Export sequence", "", ["xml"], "sequence.xml");
  if (!res || res.err || !res.data) return { cancelled: true };
  return evalScript("promptcut_exportSequence", res.data);
}

/** @type {Host["getPlayhead"]} */
export async function getPlayhead() {
  const r = /** @type {{seconds: number}} */ (await evalScript("promptcut_playhead"));
  return r.seconds;
}

/** @type {Host["getVideoTrackCount"]} */
export async function getVideoTrackCount() {
  try {
    return /** @type {{count: number}} */ (await evalScript("promptcut_videoTrackCount")).count;
  } catch {
    return null;
  }
}

/** @type {Host["saveFile"]} */
export async function saveFile(source, suggestedName) {
  const ext = suggestedName.split(".").pop() || "";
  const res = cepFs().showSaveDialogEx("Save", "", [ext], suggestedName);
  if (!res || res.err || !res.data) return { cancelled: true };
  const bytes = await toBytes(source);
  const out = cepFs().writeFile(res.data, toBase64(bytes), cep().encoding.Base64);
  if (out.err) throw new Error(`Could not write ${res.data} (error ${out.err}).`);
  return { saved: res.data };
}

/** @type {Host["revealFile"]} */
export async function revealFile(path) {
  return evalScript("promptcut_reveal", path);
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

// ---------------------------------------------------------------- boards

/** @type {Host["getSequenceInfo"]} */
export async function getSequenceInfo() {
  try {
    return /** @type {{name: string, fps: number, width: number, height: number}} */ (
      await evalScript("promptcut_sequenceInfo"));
  } catch {
    return null;
  }
}

/** @type {Host["getSequenceMarkers"]} */
export async function getSequenceMarkers() {
  return /** @type {{markers: {seconds: number, name: string}[]}} */ (await evalScript("promptcut_markers")).markers;
}

/** @type {Host["findGap"]} */
export async function findGap(opts = {}) {
  return /** @type {{gap: Gap | null}} */ (await evalScript("promptcut_findGap", opts.track || 0)).gap;
}

/** Overwrite `frames` frames from `startFrame`, the take trimmed; exact ticks. */
/** @type {Host["placeTrimmed"]} */
export async function placeTrimmed(path, opts) {
  return evalScript("promptcut_placeTrimmed", path, opts.track || 0,
    framesToTicks(opts.startFrame, opts.fps), framesToTicks(opts.frames, opts.fps));
}

/** @type {Host["swapTake"]} */
export async function swapTake(path, opts) {
  return placeTrimmed(path, opts);
}

/** No playhead to take a frame from here (capabilities.playheadFrame is off): the Premiere
 * panel (UXP) hands one over; CEP's ExtendScript has no reliable frame export.
 * @type {Host["playheadFrame"]} */
export async function playheadFrame() {
  return null;
}

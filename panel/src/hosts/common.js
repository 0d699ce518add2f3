// @ts-check
// Helpers the browser-side hosts share. No host API here: only the web platform.

/** @typedef {import("./host").Host} Host */

/**
 * Saves bytes through an <a download> click (browsers and webviews without a dialog).
 * @param {Uint8Array | ArrayBuffer} bytes @param {string} name @param {string} [type]
 */
export function downloadBytes(bytes, name, type = "application/octet-stream") {
  // The bytes come from fetch (never a SharedArrayBuffer view, which a Blob refuses).
  const url = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (bytes)], { type }));
  clickLink(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** @param {string} url @param {string} [name] */
export function clickLink(url, name) {
  const a = document.createElement("a");
  a.href = url;
  a.download = name || "";
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/**
 * Bytes from a Uint8Array/ArrayBuffer or a (signed) URL.
 * @param {Uint8Array | ArrayBuffer | string} source @returns {Promise<Uint8Array>}
 */
export async function toBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const res = await fetch(String(source));
  if (!res.ok) throw new Error(`Could not read ${source}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** @param {Uint8Array} bytes */
export function toBase64(bytes) {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + chunk)));
  }
  return btoa(s);
}

/** The file name of a path, either slash. @param {string} path */
export function baseName(path) {
  return String(path).split(/[\\/]/).pop() || "file";
}

// Hosts outside Premiere (browser tab, desktop window) have no sequence and no playhead.

/** @type {Host["exportActiveSequence"]} */
export async function exportActiveSequence() {
  throw new Error("Exporting Premiere's sequence needs the panel inside Premiere.");
}

/** @type {Host["getPlayhead"]} */
export async function getPlayhead() {
  return null;
}

/** @type {Host["getVideoTrackCount"]} */
export async function getVideoTrackCount() {
  return null;
}

// Boards: the sequence, its markers and placing a take trimmed to a shot need Premiere.

/** @type {Host["getSequenceInfo"]} */
export async function getSequenceInfo() {
  return null;
}

/** @type {Host["getSequenceMarkers"]} */
export async function getSequenceMarkers() {
  return [];
}

/** @type {Host["findGap"]} */
export async function findGap() {
  return null;
}

/** @type {Host["placeTrimmed"]} */
export async function placeTrimmed() {
  throw new Error("Placing a take on the timeline needs the panel inside Premiere.");
}

/** @type {Host["swapTake"]} */
export async function swapTake() {
  throw new Error("Swapping a take on the timeline needs the panel inside Premiere.");
}

// Helpers the browser-side hosts share. No host API here: only the web platform.

/** Saves bytes through an <a download> click (browsers and webviews without a dialog). */
export function downloadBytes(bytes, name, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  clickLink(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function clickLink(url, name) {
  const a = document.createElement("a");
  a.href = url;
  a.download = name || "";
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Bytes from a Uint8Array/ArrayBuffer or a (signed) URL. */
export async function toBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const res = await fetch(String(source));
  if (!res.ok) throw new Error(`Could not read ${source}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function toBase64(bytes) {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + chunk)));
  }
  return btoa(s);
}

export function baseName(path) {
  return String(path).split(/[\\/]/).pop() || "file";
}

// Hosts outside Premiere (browser tab, desktop window) have no sequence and no playhead.

export async function exportActiveSequence() {
  throw new Error("Exporting Premiere's sequence needs the panel inside Premiere.");
}

export async function getPlayhead() {
  return null;
}

export async function getVideoTrackCount() {
  return null;
}

// Boards: the sequence, its markers and placing a take trimmed to a shot need Premiere.

export async function getSequenceInfo() {
  return null;
}

export async function getSequenceMarkers() {
  return [];
}

export async function findGap() {
  return null;
}

export async function placeTrimmed() {
  throw new Error("Placing a take on the timeline needs the panel inside Premiere.");
}

export async function swapTake() {
  throw new Error("Swapping a take on the timeline needs the panel inside Premiere.");
}

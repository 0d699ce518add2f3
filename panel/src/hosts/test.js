// A host that records every call instead of touching an editor (selected with ?host=test).
// Tests read window.__promptcutHostCalls and set window.__promptcutPlayhead.

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

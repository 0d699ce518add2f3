// @ts-check
// What the editor does with takes: place them in Premiere (through the host interface
// only), re-roll, continue, compare, assemble a cut and export it.

import { continueBody, rerollBody } from "../requests.js";
import { clearSelection, emit, on, putJob, selectedTakes, set, state, targetTakes, time } from "../store.js";
import { getBridge } from "../sync.js";
import { openCompare } from "./compare.js";
import { fmtTime, guard, h, option, toast } from "./dom.js";
import { deleteTakes, undo } from "./culling.js";
import { SHORTCUTS } from "./keyboard.js";
import { boardCut } from "./board_sequence.js";
import { askFinish } from "./direct_finish.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {import("../hosts/host").Host} Host */
/** @typedef {S["TakeOut"]} Take */

// The timeline formats come from the bridge (GET /timelines/formats): name, label, extension.
/** @type {Map<string, S["FormatList"]["formats"][number]>} */
let formats = new Map();

/** @param {HTMLSelectElement} select */
async function loadFormats(select) {
  const r = /** @type {S["FormatList"]} */ (await getBridge().timelineFormats());
  formats = new Map((r.formats || []).filter((f) => f.write && !f.bundles_media).map((f) => [f.name, f]));
  select.replaceChildren(...[...formats.values()].map((f) => option(f.name, f.label)));
}

/** @type {Host} */
let host = /** @type {any} */ (null);

/** @param {HTMLElement} root @param {Host} theHost */
export function mountActions(root, theHost) {
  host = theHost;
  const caps = host.capabilities;
  const track = h("select#track", { "aria-label": "Video track", title: "Video track for insert and overwrite" });
  const fmt = h("select#export-format", { "aria-label": "Export format" });
  // Once the bridge answers (it may need pairing first), and again should that ever fail.
  on((/** @type {string} */ w) => { if (w === "conn" && state.conn === "online" && !formats.size) loadFormats(fmt).catch(() => {}); });
  const selInfo = h("span.hint#selection-info");
  const finishBox = h("div.finish-box#finish-box");
  const btn = (/** @type {string} */ id, /** @type {string} */ label, /** @type {string} */ title, /** @type {() => unknown} */ fn) => h(`button.small#${id}`, { type: "button", title, onclick: fn }, label);
  const placeLabel = caps.timeline ? "Insert" : "Download";
  // pboard: when the takes of a cut all belong to one board, its cut (picks trimmed to their
  // shots, the song, a marker per shot) is offered beside the plain list of takes.
  const boardCutBtn = btn("export-board-cut", "Board's cut instead",
    "The cut of the board these takes belong to: each shot's pick trimmed to its shot, the song, a marker per shot",
    () => exportBoardCut(fmt.value));
  boardCutBtn.hidden = true;
  const bar = h("div.actionbar#actions", null,
    h("div.row.wrap", null,
      track,
      btn("insert", placeLabel, caps.timeline ? "Insert at the playhead (Enter)" : "Download the take file (Enter)", () => place(false)),
      caps.timeline ? btn("overwrite", "Overwrite", "Overwrite at the playhead", () => place(true)) : null,
      btn("reroll", "Re-roll", "Same settings, new seed", reroll),
      btn("continue", "Continue", "New take for the same shot, holding on this take's last frames (the last frame where the model cannot)", extend),
      btn("compare", "Compare", "Compare 2 to 4 selected takes side by side (C)", compare),
      btn("finish", "Finish…", "Re-render this take (a pick) at delivery quality from the same seed; the estimate comes first",
        () => guard(async () => {
          const [take] = need(targetTakes());
          await askFinish(finishBox, take.id, `seed ${take.seed}`, (m) => toast(m, "ok"));
        }))),
    finishBox,
    h("div.row.wrap", null,
      btn("assemble", "Assemble", "Selected takes (or all picks) in order into a new sequence (A)", assemble),
      fmt,
      btn("export-cut", "Export cut", "The selected takes (or every pick), whole and untrimmed, one after another, oldest first, as an editor file: no song, no shot markers", () => exportCut(fmt.value)),
      boardCutBtn,
      caps.exportSequence ? btn("export-sequence", "Export sequence", "Export Premiere's active sequence", exportSequence) : null,
      caps.reveal ? btn("reveal", "Reveal", "Show the take's file", reveal) : null,
      h("span.grow"),
      selInfo,
      btn("clear-selection", "Clear", "Clear the selection (Esc)", clearSelection),
      btn("delete", "Delete", "Move the selected takes to the trash", remove),
      btn("undo", "Undo", "Undo the last rating, pick, reject or delete (Ctrl+Z)", () => undo()),
      h("details.keys#shortcuts", null, h("summary", null, "Keys"),
        h("dl", null, SHORTCUTS.map(([k, what]) => [h("dt", null, k), h("dd", null, what)])))));
  root.appendChild(bar);

  async function renderTracks() {
    const n = (await host.getVideoTrackCount().catch(() => null)) || 3;
    const keep = state.track;
    track.replaceChildren(...Array.from({ length: n }, (_, i) => option(String(i), `V${i + 1}`, i === keep)));
    track.style.display = caps.timeline ? "" : "none";
  }
  track.addEventListener("change", () => set({ track: Number(track.value) }, "track"));
  track.addEventListener("focus", renderTracks);
  renderTracks();

  const renderSel = () => {
    const n = state.selection.size;
    selInfo.textContent = n ? `${n} selected` : "";
    boardCutBtn.hidden = !oneBoard();
    bar.classList.toggle("has-selection", n > 0);
  };
  on((/** @type {string} */ w) => { if (w === "selection" || w === "takes") renderSel(); });
  renderSel();
}

/** @param {Take[]} takes @param {number} [min] */
function need(takes, min = 1) {
  if (takes.length < min) throw new Error(min > 1 ? `Select at least ${min} takes.` : "Select a take first.");
  return takes;
}

/** Insert or overwrite the cursor take at the playhead on the chosen track.
 * @param {boolean} overwrite */
export function place(overwrite) {
  return guard(async () => {
    const [take] = need(targetTakes());
    // The adapter reads the playhead itself (Premiere's exact ticks); this copy is for the message.
    const time = await host.getPlayhead();
    const r = /** @type {{ cancelled?: boolean } | null} */ (await host.insertAtPlayhead(take.media_path, {
      track: state.track, overwrite, url: take.media_url, name: fileName(take),
    }));
    if (!host.capabilities.timeline) return `Saved ${fileName(take)}.`;
    if (r && r.cancelled) return "Cancelled.";
    return `${overwrite ? "Overwrote" : "Inserted"} on V${state.track + 1} at ${fmtTime(time)}.`;
  }, (/** @type {string} */ msg) => msg);
}

/** @param {Take} take */
function fileName(take) {
  return String(take.media_path || `${take.id}.mp4`).split(/[\\/]/).pop();
}

/** @param {S["JobSubmit"]} body */
async function postJobs(body) {
  const r = await getBridge().submit(body);
  for (const j of r.jobs || []) putJob(j);
  emit("jobs");
  return r;
}

export function reroll() {
  return guard(async () => {
    const takes = need(targetTakes());
    for (const t of takes) await postJobs(rerollBody(t));
    return takes.length;
  }, (/** @type {number} */ n) => `Re-rolling ${n} take${n === 1 ? "" : "s"} with new seeds.`);
}

export function extend() {
  return guard(async () => {
    const takes = need(targetTakes());
    let frames = 0;
    for (const t of takes) {
      const r = await postJobs(continueBody(t));
      const video = r.jobs && r.jobs[0] && r.jobs[0].request && r.jobs[0].request.video;
      frames = Math.max(frames, video && video.frames ? video.frames.length : 1);
    }
    return { n: takes.length, frames };
  }, (/** @type {{ n: number, frames: number }} */ { n, frames }) => `Continuing ${n} take${n === 1 ? "" : "s"} from ${frames > 1
    ? `the last ${frames} frames` : "the last frame"}.`);
}

export function compare() {
  const takes = selectedTakes();
  if (takes.length < 2 || takes.length > 4) {
    toast("Select 2 to 4 takes to compare.", "error");
    return;
  }
  openCompare(takes);
}

/** The takes of a cut: the selection, else every pick in view; oldest first (shot order). */
function cutTakes() {
  let takes = selectedTakes();
  if (!takes.length) {
    takes = state.takeOrder.map((id) => state.takes.get(id))
      .filter(/** @returns {t is Take} */ (t) => !!t && t.status === "picked");
  }
  if (!takes.length) throw new Error("Select takes or pick some (P) to assemble a cut.");
  return [...takes].sort((a, b) => time(a) - time(b));
}

/** @param {string} format @param {string} name */
async function buildTimeline(format, name) {
  const takes = cutTakes();
  const tl = await getBridge().timeline({ takes: takes.map((t) => t.id), name, formats: [format] });
  const bytes = await getBridge().timelineBytes(tl, format);
  // The bridge keeps no path of its own to hand the host: the host imports these bytes.
  const path = null;
  const extension = (formats.get(format) || { extension: `.${format}` }).extension;
  return { tl, bytes, path, count: takes.length, file: `${safeName(name)}${extension}` };
}

function cutName() {
  const d = new Date();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `Promptcut ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}${pad(d.getMinutes())}`;
}

/** @param {string} name */
function safeName(name) {
  return name.replace(/[\\/:*?"<>|]+/g, "-");
}

export function assemble() {
  return guard(async () => {
    const format = host.capabilities.timelineFormat || "otio";
    const name = cutName();
    const { bytes, path, count, file } = await buildTimeline(format, name);
    await host.importTimeline({ bytes, path, name: file });
    return host.capabilities.timeline
      ? `Assembled ${count} takes into the sequence "${name}".`
      : `Assembled ${count} takes: saved ${file}.`;
  }, (/** @type {string} */ m) => m);
}

/** @param {string} format */
export function exportCut(format) {
  return guard(async () => {
    const { bytes, file, count } = await buildTimeline(format, cutName());
    const r = /** @type {{ cancelled?: boolean } | null} */ (await host.saveFile(bytes, file));
    const what = `${count} take${count === 1 ? "" : "s"}, untrimmed, in order (oldest first)`;
    const board = oneBoard() ? " These takes are a board's: Board's cut instead exports its cut." : "";
    return r && r.cancelled ? "Cancelled." : `Exported ${file}: the ${what}.${board}`;
  }, (/** @type {string} */ m) => m);
}

/** The one board every take of the cut belongs to, or null. @returns {string | null} */
function oneBoard() {
  /** @type {Take[]} */
  let takes;
  try {
    takes = cutTakes();
  } catch {
    return null;
  }
  const ids = new Set(takes.map((t) => t.board_id));
  const [id] = ids;
  return ids.size === 1 && id ? id : null;
}

/** @param {string} format */
export function exportBoardCut(format) {
  return guard(async () => {
    const id = oneBoard();
    if (!id) throw new Error("Select takes of one board to export its cut.");
    const board = await getBridge().board(id);
    return boardCut(host, board, format);
  }, (/** @type {string} */ m) => m);
}

export function exportSequence() {
  return guard(async () => {
    const fmt = host.capabilities.timelineFormat || "otio";
    const r = /** @type {{ path?: string } | null} */ (await host.exportActiveSequence(fmt));
    return r && r.path ? `Exported the active sequence to ${r.path}.` : "Cancelled.";
  }, (/** @type {string} */ m) => m);
}

function reveal() {
  guard(async () => {
    const [take] = need(targetTakes());
    await host.revealFile(take.media_path);
  });
}

function remove() {
  const ids = selectedTakes().map((t) => t.id);
  if (!ids.length) {
    toast("Select takes to delete.", "error");
    return;
  }
  const n = `${ids.length} take${ids.length === 1 ? "" : "s"}`;
  if (!globalThis.confirm(`Move ${n} to the trash? Ctrl+Z (or Undo) brings them back.`)) return;
  guard(() => deleteTakes(ids), `Moved ${n} to the trash (Ctrl+Z brings them back).`);
}

// Keys the editor's hands already know: 1-5 rate (0 clears), P pick, X reject, arrows move,
// Space plays in place, Enter inserts at the playhead, Esc clears or closes.

import { emit, set, state } from "../store.js";
import { getData } from "./dom.js";
import { place } from "./actions.js";
import { closeCompare, compareToggle, isComparing } from "./compare.js";
import { rate, setStatus, undo } from "./culling.js";
import { togglePlay } from "./selection.js";
import { displayOrder } from "./take_groups.js";

function typing(el) {
  const tag = el && el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable);
}

/**
 * The take in the row above (-1) or below (+1) the cursor, nearest it across: found on screen,
 * so it is right whether the grid is flat or in sections per shot of any length.
 * @param {number} dir
 */
function rowNeighbour(dir) {
  const here = state.cursor && document.querySelector(`#gallery .take[data-take-id="${state.cursor}"]`);
  if (!here) return null;
  const r = here.getBoundingClientRect();
  const x = r.left + r.width / 2;
  let best = null;
  let bestKey = null;
  for (const c of document.querySelectorAll("#gallery .take")) {
    const b = c.getBoundingClientRect();
    const beyond = dir > 0 ? b.top - r.bottom : r.top - b.bottom;
    if (beyond < -2) continue; // the same row, or the wrong way
    const key = [Math.round(beyond), Math.abs(b.left + b.width / 2 - x)];
    if (!bestKey || key[0] < bestKey[0] - 2 || (Math.abs(key[0] - bestKey[0]) <= 2 && key[1] < bestKey[1])) {
      best = c;
      bestKey = key;
    }
  }
  return best ? getData(best, "takeId") : null;
}

function moveCursor(delta, extend) {
  const order = displayOrder(); // grouped by shot, the sections' order
  if (!order.length) return;
  const i = Math.max(0, order.indexOf(state.cursor));
  moveTo(order[Math.min(order.length - 1, Math.max(0, i + delta))], extend);
}

function moveTo(next, extend) {
  if (!next) return;
  if (extend) state.selection.add(next);
  else {
    state.selection.clear();
    state.selection.add(next);
  }
  set({ cursor: next }, "selection");
  const el = document.querySelector(`#gallery .take[data-take-id="${next}"]`);
  if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
}

export function mountKeyboard() {
  document.addEventListener("keydown", (ev) => {
    if (!typing(ev.target) && (ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === "z" || ev.key === "Z")) {
      ev.preventDefault();
      undo();
      return;
    }
    if (typing(ev.target) || ev.altKey || ev.metaKey || ev.ctrlKey) return;
    if (state.tab !== "gallery" && !document.documentElement.classList.contains("wide") && !isComparing()) return;
    const id = state.cursor;
    const k = ev.key;
    const onButton = ev.target && /** @type {HTMLElement} */ (ev.target).tagName === "BUTTON";
    if (onButton && (k === " " || k === "Enter")) return; // the button's own click wins
    let handled = true;
    if (k >= "0" && k <= "5" && id) rate(id, Number(k));
    else if ((k === "p" || k === "P") && id) setStatus(id, "picked");
    else if ((k === "x" || k === "X") && id) setStatus(id, "rejected");
    else if (k === "ArrowRight") moveCursor(1, ev.shiftKey);
    else if (k === "ArrowLeft") moveCursor(-1, ev.shiftKey);
    else if (k === "ArrowDown") moveTo(rowNeighbour(1) || state.cursor, ev.shiftKey);
    else if (k === "ArrowUp") moveTo(rowNeighbour(-1) || state.cursor, ev.shiftKey);
    else if (k === " " || k === "Spacebar") {
      if (!compareToggle() && id) togglePlay(id);
    } else if (k === "Enter" && id) place(false);
    else if (k === "Escape") {
      if (isComparing()) closeCompare();
      else {
        state.selection.clear();
        emit("selection");
      }
    } else handled = false;
    if (handled) ev.preventDefault();
  });
}

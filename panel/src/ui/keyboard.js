// @ts-check
// Keys the editor's hands already know, acting only on what has focus and is on screen:
// on a focused take card 1-5 rate (0 clears), P pick, X reject, arrows move (Shift extends),
// Space plays in place, Enter inserts at the playhead, C compares the selection, A assembles,
// Esc clears the selection. In Compare: Space plays or pauses, Esc closes, and 0-5, P, X act
// on the take whose cell has focus. The Board has its own keys (ui/board_keys.js).

import { clearSelection, selectTakes, set, state } from "../store.js";
import { getData } from "./dom.js";
import { assemble, compare, place } from "./actions.js";
import { closeCompare, compareToggle, isComparing } from "./compare.js";
import { rate, setStatus, undo } from "./culling.js";
import { togglePlay } from "./selection.js";
import { displayOrder } from "./take_groups.js";
import { revealTake } from "./gallery.js";

/** The shortcuts, as the panel lists them (ui/actions.js). */
export const SHORTCUTS = [
  ["Tab", "to the take grid, then its cursor card's controls"],
  ["← → ↑ ↓", "move between takes (Shift extends the selection)"],
  ["1–5, 0", "rate the focused take, clear its rating"],
  ["P / X", "pick / reject the focused take"],
  ["Space", "play the focused take in place"],
  ["Enter", "insert at the playhead (download outside Premiere)"],
  ["C", "compare the 2–4 selected takes"],
  ["A", "assemble the selection (or the picks)"],
  ["Ctrl+Z", "undo the last rating, pick, reject or delete"],
  ["Esc", "clear the selection; close Compare"],
  ["Board: ← → ↑ ↓", "move between shots; Enter opens a shot's takes"],
  ["Board: V", "play the pick of the focused shot in place (again: stop)"],
  ["Board: K", "play / stop the board (the song and the picks)"],
  ["Board: M", "click track on / off"],
  ["Board: L", "loop the selected shot"],
  ["Board: Ctrl+Z / Ctrl+Shift+Z", "undo / redo the board's last edit (Ctrl+Y redoes too)"],
  ["Board takes: ← →", "move between takes; Space previews, P picks"],
];

// A key event's target is an element, or the document when nothing has focus: each use below
// checks for the element's members before it reads them.

/** @param {EventTarget | null} target */
function typing(target) {
  const el = /** @type {HTMLElement | null} */ (target);
  const tag = el && el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable);
}

/** The take card that holds `target`, when it is on screen. @param {EventTarget | null} target */
function focusedCard(target) {
  const el = /** @type {HTMLElement | null} */ (target);
  const card = /** @type {HTMLElement | null} */ (el && el.closest ? el.closest("#gallery .take") : null);
  return card && card.offsetParent !== null ? card : null;
}

/** @param {string} id @returns {HTMLElement | null} */
function cardOf(id) {
  return document.querySelector(`#gallery .take[data-take-id="${id}"]`);
}

/**
 * The take in the row above (-1) or below (+1) `from`, nearest it across: found on screen,
 * so it is right whether the grid is flat or in sections per shot of any length.
 * @param {string} from @param {number} dir
 */
function rowNeighbour(from, dir) {
  const here = cardOf(from);
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

/** The take `delta` places from `from` in the grid's order (clamped to its ends). @param {string} from @param {number} delta */
function step(from, delta) {
  const order = displayOrder(); // grouped by shot, the sections' order
  if (!order.length) return null;
  const i = Math.max(0, order.indexOf(from));
  return order[Math.min(order.length - 1, Math.max(0, i + delta))];
}

/** Moves the cursor (and focus) to `next`; the selection follows unless extended. @param {string | null | undefined} next */
export function moveTo(next, extend = false) {
  if (!next) return;
  selectTakes([next], { extend, cursor: next });
  if (!cardOf(next)) revealTake(next); // a block not yet filled (off screen)
  const el = cardOf(next);
  if (el) {
    el.focus({ preventScroll: true });
    if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }
}

/** Keys in Compare: the dialog holds focus, so they act on it alone. @param {KeyboardEvent} ev */
function compareKey(ev) {
  const k = ev.key;
  const target = /** @type {HTMLElement | null} */ (ev.target);
  const cell = target && target.closest ? target.closest(".cmp-cell") : null;
  const id = cell && getData(cell, "takeId");
  const onButton = target && target.tagName === "BUTTON";
  if (k === "Escape") closeCompare();
  else if ((k === " " || k === "Spacebar") && !onButton) compareToggle();
  else if (k >= "0" && k <= "5" && id) rate(id, Number(k));
  else if ((k === "p" || k === "P") && id) setStatus(id, "picked");
  else if ((k === "x" || k === "X") && id) setStatus(id, "rejected");
  else return;
  ev.preventDefault();
}

export function mountKeyboard() {
  document.addEventListener("keydown", (ev) => {
    if (!typing(ev.target) && (ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === "z" || ev.key === "Z")) {
      ev.preventDefault();
      undo();
      return;
    }
    if (typing(ev.target) || ev.altKey || ev.metaKey || ev.ctrlKey) return;
    if (isComparing()) {
      compareKey(ev);
      return;
    }
    const card = focusedCard(ev.target);
    if (!card) {
      // Esc clears the selection from anywhere in the Takes view or its action bar.
      const target = /** @type {HTMLElement} */ (ev.target);
      const where = /** @type {HTMLElement | null} */ (target && target.closest ? target.closest("#view-gallery, .actions-host") : null);
      if (ev.key === "Escape" && where && where.offsetParent !== null && state.selection.size) {
        clearSelection();
        ev.preventDefault();
      }
      return;
    }
    const id = getData(card, "takeId");
    if (!id) return; // every card carries its take's id
    const k = ev.key;
    const onButton = ev.target !== card && /** @type {HTMLElement} */ (ev.target).tagName === "BUTTON";
    if (onButton && (k === " " || k === "Enter")) return; // the button's own click wins
    if (id !== state.cursor) set({ cursor: id }, "selection");
    let handled = true;
    if (k >= "0" && k <= "5") rate(id, Number(k));
    else if (k === "p" || k === "P") setStatus(id, "picked");
    else if (k === "x" || k === "X") setStatus(id, "rejected");
    else if (k === "c" || k === "C") compare();
    else if (k === "a" || k === "A") assemble();
    else if (k === "ArrowRight") moveTo(step(id, 1), ev.shiftKey);
    else if (k === "ArrowLeft") moveTo(step(id, -1), ev.shiftKey);
    else if (k === "ArrowDown") moveTo(rowNeighbour(id, 1) || id, ev.shiftKey);
    else if (k === "ArrowUp") moveTo(rowNeighbour(id, -1) || id, ev.shiftKey);
    else if (k === "Home") moveTo(step(id, -Infinity), ev.shiftKey);
    else if (k === "End") moveTo(step(id, Infinity), ev.shiftKey);
    else if (k === " " || k === "Spacebar") togglePlay(id);
    else if (k === "Enter") place(false);
    else if (k === "Escape") clearSelection();
    else handled = false;
    if (handled) ev.preventDefault();
  });
}

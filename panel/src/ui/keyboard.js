// Keys the editor's hands already know: 1-5 rate (0 clears), P pick, X reject, arrows move,
// Space plays in place, Enter inserts at the playhead, Esc clears or closes.

import { emit, set, state } from "../store.js";
import { place } from "./actions.js";
import { closeCompare, compareToggle, isComparing } from "./compare.js";
import { rate, setStatus, undo } from "./culling.js";
import { togglePlay } from "./selection.js";
import { displayOrder } from "./take_groups.js";

function typing(el) {
  const tag = el && el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable);
}

/** How many cards fit in a row of the grid, so Up/Down move by a row. */
function perRow() {
  const cards = document.querySelectorAll("#gallery .take");
  if (cards.length < 2) return 1;
  const top = cards[0].getBoundingClientRect().top;
  let n = 0;
  for (const c of cards) {
    if (Math.abs(c.getBoundingClientRect().top - top) > 2) break;
    n++;
  }
  return Math.max(1, n);
}

function moveCursor(delta, extend) {
  const order = displayOrder(); // grouped by shot, the sections' order
  if (!order.length) return;
  const i = Math.max(0, order.indexOf(state.cursor));
  const next = order[Math.min(order.length - 1, Math.max(0, i + delta))];
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
    else if (k === "ArrowDown") moveCursor(perRow(), ev.shiftKey);
    else if (k === "ArrowUp") moveCursor(-perRow(), ev.shiftKey);
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

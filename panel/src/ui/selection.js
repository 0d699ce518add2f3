// @ts-check
// Which takes are selected and which one the keyboard acts on: click, Shift+click (a range in
// the order the grid shows, grouped or not), Ctrl/Cmd+click, the checkbox, play in place.

import { selectTakes, set, state, toggleSelected } from "../store.js";
import { displayOrder } from "./take_groups.js";

/** @param {string} id @param {MouseEvent} ev */
export function onCardClick(id, ev) {
  if (ev.shiftKey && state.cursor) {
    // Shift+click also extends the page's text selection: a range of cards is meant, not text.
    const text = typeof globalThis.getSelection === "function" ? globalThis.getSelection() : null;
    if (text) text.removeAllRanges();
    const order = displayOrder();
    const a = order.indexOf(state.cursor);
    const b = order.indexOf(id);
    const [lo, hi] = a < b ? [a, b] : [b, a];
    selectTakes(order.slice(lo, hi + 1), { extend: true, cursor: id });
  } else if (ev.metaKey || ev.ctrlKey) {
    toggleSelected(id);
  } else {
    selectTakes([id], { cursor: id });
  }
}

/** @param {string} id */
export function toggleSelect(id) {
  toggleSelected(id);
}

/** @param {string} id */
export function togglePlay(id) {
  set({ playing: state.playing === id ? null : id, cursor: id }, "playing");
}

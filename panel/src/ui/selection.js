// Which takes are selected and which one the keyboard acts on: click, Shift+click (a range in
// the order the grid shows, grouped or not), Ctrl/Cmd+click, the checkbox, play in place.

import { emit, set, state } from "../store.js";
import { displayOrder } from "./take_groups.js";

export function onCardClick(id, ev) {
  if (ev.shiftKey && state.cursor) {
    // Shift+click also extends the page's text selection: a range of cards is meant, not text.
    const text = typeof globalThis.getSelection === "function" ? globalThis.getSelection() : null;
    if (text) text.removeAllRanges();
    const order = displayOrder();
    const a = order.indexOf(state.cursor);
    const b = order.indexOf(id);
    const [lo, hi] = a < b ? [a, b] : [b, a];
    for (const x of order.slice(lo, hi + 1)) state.selection.add(x);
  } else if (ev.metaKey || ev.ctrlKey) {
    toggleSelect(id, false);
  } else {
    state.selection.clear();
    state.selection.add(id);
  }
  set({ cursor: id }, "selection");
}

export function toggleSelect(id, withEmit = true) {
  if (state.selection.has(id)) state.selection.delete(id);
  else state.selection.add(id);
  state.cursor = id;
  if (withEmit) emit("selection");
}

export function togglePlay(id) {
  set({ playing: state.playing === id ? null : id, cursor: id }, "playing");
}

// What the Board view lends its grid editor and animatic (ui/board_play.js): the board it
// shows, a way to show a new one, the bridge, the page's helpers, and the one player.

import type { Bridge } from "../bridge/client.js";
import type { components } from "../bridge/schema";
import type { Player } from "../boards/player.js";

export type S = components["schemas"];
export type Board = S["BoardOut"];
export type Shot = S["ShotOut"];

export interface Ui {
  /** dom.js's h(): "tag.class#id", attributes (on* are listeners), children */
  h(sel: string, attrs?: Record<string, unknown> | null, ...children: unknown[]): any;
  /** dom.js's guard(): the action's error as a toast; an ok message from its answer */
  guard<T>(fn: () => Promise<T>, ok?: string | ((r: T) => string)): Promise<T | undefined>;
  toast(message: string, kind?: string): unknown;
  announce(message: string): void;
}

export interface PlayContext {
  board(): Board | null;
  /** Shows a board the bridge answered (after a grid edit, an undo). */
  setBoard(board: Board): void;
  bridge(): Bridge;
  /** The shot the editor chose on the board, if any. */
  selected(): string | null;
  ui: Ui;
  player: Player;
}

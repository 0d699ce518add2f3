// @ts-check
// The Board view's bridge calls, through the one bridge client (src/bridge/client.js).

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {S["BoardOut"]} Board */
/** @typedef {S["ShotOut"]} Shot */
/** @typedef {S["TimelineOut"]} Timeline */

import { getBridge } from "../sync.js";

/** @returns {import("../bridge/client.js").Bridge} */
const b = () => /** @type {any} */ (getBridge());

export const listBoards = () => b().boards();
/** @param {string} id */
export const getBoard = (id) => b().board(id);
/** @param {S["BoardCreate"]} body */
export const createBoard = (body) => b().createBoard(body);
/** @param {string} id @param {S["BoardFields"]} body */
export const patchBoard = (id, body) => b().patchBoard(id, body);
/** @param {string} id @param {S["ShotsAdd"]} body */
export const addShots = (id, body) => b().addShots(id, body);
/** @param {string} id @param {S["ShotPatch"]} body */
export const patchShot = (id, body) => b().patchShot(id, body);
/** @param {string} id */
export const deleteShot = (id) => b().deleteShot(id);
/** @param {string} id */
export const splitShot = (id) => b().splitShot(id, {});
/** @param {string} id @param {number} bars */
export const fillSong = (id, bars) => b().fillBoard(id, { bars_per_shot: bars });
/** @param {string} id @param {number[]} seconds */
export const markersToCuts = (id, seconds) => b().boardMarkers(id, { seconds });
/** @param {string} id @param {S["GenerateIn"]} body */
export const generate = (id, body) => b().generateBoard(id, body);
/** @param {string} id @param {S["AssembleIn"]} body */
export const assemble = (id, body) => b().assembleBoard(id, body);
/** @param {string} shotId */
export const shotTakes = (shotId) => b().takes({ shot_id: shotId, sort: "created", limit: 200 });
/** @param {Timeline} tl @param {string} fmt */
export const timelineBytes = (tl, fmt) => b().timelineBytes(tl, fmt);
/** @param {Blob & {name?: string}} file */
export const uploadSong = (file) => b().uploadSong(file);
/** @param {string} id */
export const song = (id) => b().song(id);
/** @param {string} boardId @param {Blob & {name?: string}} file */
export const uploadShotList = (boardId, file) => b().uploadShotList(boardId, file);
/** @param {Blob & {name?: string}} file @param {number} [edlFps] */
export const importTimeline = (file, edlFps) => b().importTimeline(file, edlFps);
/** @param {{media_url?: string | null} | null | undefined} take @returns {boolean | Promise<boolean>} */
export const mediaExists = (take) => !!take && !!take.media_url && b().mediaExists(take.media_url);
/** @param {string | null | undefined} url @returns {string} */
export const absolute = (url) => b().mediaUrl(url || "");
/** @param {string} id */
export const deleteBoard = (id) => b().deleteBoard(id);
/** @param {string} id @param {string} [name] */
export const duplicateBoard = (id, name) => b().duplicateBoard(id, name ? { name } : {});
/** @param {string} id */
export const undo = (id) => b().boardHistory(id, "undo");
/** @param {string} id */
export const redo = (id) => b().boardHistory(id, "redo");
/** @param {string} id */
export const boardCsv = (id) => b().boardCsv(id);
/** A take that continues another for a shot (POST /jobs with continue_from). @param {S["JobSubmit"]} body */
export const continueTake = (body) => b().submit(body);

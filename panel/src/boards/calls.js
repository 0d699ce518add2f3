// The Board view's bridge calls, through the one bridge client (src/bridge/client.js).

import { getBridge } from "../sync.js";

const b = () => getBridge();

export const listBoards = () => b().boards();
export const getBoard = (id) => b().board(id);
export const createBoard = (body) => b().createBoard(body);
export const patchBoard = (id, body) => b().patchBoard(id, body);
export const addShots = (id, body) => b().addShots(id, body);
export const patchShot = (id, body) => b().patchShot(id, body);
export const deleteShot = (id) => b().deleteShot(id);
export const splitShot = (id) => b().splitShot(id, {});
export const fillSong = (id, bars) => b().fillBoard(id, { bars_per_shot: bars });
export const markersToCuts = (id, seconds) => b().boardMarkers(id, { seconds });
export const generate = (id, body) => b().generateBoard(id, body);
export const assemble = (id, body) => b().assembleBoard(id, body);
export const shotTakes = (shotId) => b().takes({ shot_id: shotId, sort: "created", limit: 200 });
export const timelineBytes = (tl, fmt) => b().timelineBytes(tl, fmt);
export const upload = (what, file, boardId) => b().upload(what, file, boardId);
export const importTimeline = (file, edlFps) => b().importTimeline(file, edlFps);
export const mediaExists = (take) => !!take && !!take.media_url && b().mediaExists(take.media_url);
export const absolute = (url) => b().mediaUrl(url);
export const deleteBoard = (id) => b().deleteBoard(id);
export const duplicateBoard = (id, name) => b().duplicateBoard(id, name ? { name } : {});
export const undo = (id) => b().boardHistory(id, "undo");
export const redo = (id) => b().boardHistory(id, "redo");
export const boardCsv = (id) => b().boardCsv(id);
/** A take that continues `takeId` for the shot (POST /jobs continue_from). */
export const continueTake = (body) => b().submit(body);

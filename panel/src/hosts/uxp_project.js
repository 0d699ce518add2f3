// @ts-check
// The Premiere project as the UXP panel edits it: the one place that calls
// require("premierepro") and require("uxp"), the one transaction helper, importing a take and
// finding it in the bin, and reading a track back after an edit. Checked by tsc against
// Adobe's @adobe/premierepro types with uxp.js (tsconfig.uxp.json). The facts behind each
// step are in uxp.js's header.

/** @typedef {import("@adobe/premierepro").premierepro} Ppro */
/** @typedef {import("@adobe/premierepro").Project} Project */
/** @typedef {import("@adobe/premierepro").ProjectItem} ProjectItem */
/** @typedef {import("@adobe/premierepro").Sequence} Sequence */
/** @typedef {import("@adobe/premierepro").Action} Action */

const FIND_RETRIES = 15;
const FIND_DELAY_MS = 200;

/** @returns {Ppro} */
export function ppro() {
  return require("premierepro");
}

export function uxp() {
  return require("uxp");
}

export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @returns {Promise<Project>} */
export async function activeProject() {
  const project = await ppro().Project.getActiveProject();
  if (!project) throw new Error("Open a project in Premiere first.");
  return project;
}

/** @param {Project} project @returns {Promise<Sequence>} */
export async function activeSequence(project) {
  const seq = await project.getActiveSequence();
  if (!seq) throw new Error("Open a sequence in Premiere first.");
  return seq;
}

/**
 * The single way this panel edits a project: one undo step, actions created inside
 * lockedAccess (required since 26.3), all added to one compound action.
 * @param {Project} project
 * @param {string} label shown in Edit > Undo
 * @param {() => Action[]} makeActions
 */
export function transact(project, label, makeActions) {
  let ok = false;
  /** @type {unknown} */
  let failure = null;
  project.lockedAccess(() => {
    try {
      ok = project.executeTransaction((compound) => {
        for (const action of makeActions()) compound.addAction(action);
      }, label);
    } catch (e) {
      failure = e;
    }
  });
  if (failure) throw failure;
  if (!ok) throw new Error(`Premiere refused the edit "${label}".`);
}

export function baseName(/** @type {string} */ path) {
  return String(path).split(/[\\/]/).pop() || "";
}

function stem(/** @type {string} */ name) {
  return name.replace(/\.[^.]+$/, "");
}

/** @param {ProjectItem} bin */
async function binChildren(bin) {
  return ppro().FolderItem.cast(bin).getItems();
}

/**
 * Imports a file into the insertion bin and returns the raw ProjectItem for it.
 * @param {Project} project
 * @param {string} path
 * @returns {Promise<ProjectItem>}
 */
export async function importAndFind(project, path) {
  const bin = await project.getInsertionBin();
  const existing = await findByPath(bin, path);
  if (existing) return existing; // the same take placed again: no duplicate in the bin
  const before = new Set((await binChildren(bin)).map((i) => i.getId()));
  const ok = await project.importFiles([path], true, bin, false);
  if (!ok) throw new Error(`Premiere could not import ${baseName(path)}.`);
  const wanted = [baseName(path), stem(baseName(path))];
  for (let attempt = 0; attempt < FIND_RETRIES; attempt++) {
    const items = await binChildren(bin);
    const named = items.filter((i) => wanted.includes(i.name));
    const fresh = named.find((i) => !before.has(i.getId()));
    // Premiere may reuse an item already imported from the same file: accept it after a
    // few tries, checking its media path on the cast item (only the cast has the path).
    if (fresh) return fresh;
    await sleep(FIND_DELAY_MS);
  }
  throw new Error(`Imported ${baseName(path)}, but could not find it in the bin.`);
}

/**
 * An item of the bin already made from `path`. Only items named like the file are asked for
 * their media path, and only the cast item has getMediaFilePath; the raw item is returned.
 * @param {ProjectItem} bin @param {string} path @returns {Promise<ProjectItem | null>}
 */
async function findByPath(bin, path) {
  const wanted = [baseName(path), stem(baseName(path))];
  for (const item of await binChildren(bin)) {
    if (!wanted.includes(item.name)) continue;
    try {
      const media = await ppro().ClipProjectItem.cast(item).getMediaFilePath();
      if (samePath(media, path)) return item;
    } catch {
      /* not a clip (a bin or a sequence of the same name) */
    }
  }
  return null;
}

function samePath(/** @type {string} */ a, /** @type {string} */ b) {
  const norm = (/** @type {string} */ p) => String(p).replace(/\\/g, "/").toLowerCase();
  return norm(a) === norm(b);
}

/** Reads the track back: a transaction that returns true has still been seen to do nothing. */
export async function confirmOnTrack(/** @type {Sequence} */ seq, /** @type {number} */ track,
  /** @type {number} */ seconds) {
  const p = ppro();
  for (let attempt = 0; attempt < 5; attempt++) {
    const vt = await seq.getVideoTrack(track);
    const items = vt.getTrackItems(p.Constants.TrackItemType.CLIP, false);
    for (const it of items) {
      const start = await it.getStartTime();
      if (Math.abs(start.seconds - seconds) < 0.05) return;
    }
    await sleep(100);
  }
  throw new Error(`Premiere reported the edit done, but no clip starts at the playhead on V${track + 1}.`);
}

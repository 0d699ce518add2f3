// ExtendScript side of the CEP panel (Premiere before UXP). ES3: no let/const, no arrow
// functions, no JSON object. Every promptcut_* function answers a JSON string, with
// {"error": "..."} for anything the editor must act on; hosts/cep.js turns that into an Error.
// Type-checked with tsc against npm types-for-adobe (panel/tsconfig.cep.json).

/** @param {string} s */
function pc_quote(s) {
  return '"' + String(s).replace(/\\/g, "\\\\").replace(/"/g, '\\"')
    .replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t") + '"';
}

/** A flat object of strings, numbers and booleans as JSON. @param {Object<string, any>} obj */
function pc_json(obj) {
  var parts = [];
  for (var k in obj) {
    if (!obj.hasOwnProperty(k)) continue;
    var v = obj[k];
    var out = typeof v === "number" || typeof v === "boolean" ? String(v) : v === null ? "null" : pc_quote(v);
    parts.push(pc_quote(k) + ":" + out);
  }
  return "{" + parts.join(",") + "}";
}

/** @param {string} message */
function pc_error(message) {
  return pc_json({ error: message });
}

/** @param {string} p */
function pc_norm(p) {
  return String(p).replace(/\\/g, "/").toLowerCase();
}

/** Depth-first search of the project for the item whose media is `path`.
 *  @param {ProjectItem} bin @param {string} path @returns {ProjectItem | null} */
function pc_findByPath(bin, path) {
  var want = pc_norm(path);
  for (var i = 0; i < bin.children.numItems; i++) {
    var item = bin.children[i];
    if (item.type === ProjectItemType.BIN) {
      var found = pc_findByPath(item, path);
      if (found) return found;
    } else if (item.getMediaPath && pc_norm(item.getMediaPath()) === want) {
      return item;
    }
  }
  return null;
}

/** Imports a file unless the project already has it; returns its project item.
 *  @param {string} path @returns {ProjectItem | null} */
function pc_importItem(path) {
  var existing = pc_findByPath(app.project.rootItem, path);
  if (existing) return existing;
  var bin = app.project.getInsertionBin() || app.project.rootItem;
  if (!app.project.importFiles([path], true, bin, false)) return null;
  return pc_findByPath(app.project.rootItem, path);
}

/** @param {string} path */
function promptcut_importFile(path) {
  try {
    var item = pc_importItem(path);
    if (!item) return pc_error("Premiere could not import " + path);
    return pc_json({ name: item.name });
  } catch (e) {
    return pc_error(String(e));
  }
}

/** Imports files that become sequences (FCP7 XML of an assembled cut). @param {string} path */
function promptcut_importFiles(path) {
  try {
    var bin = app.project.getInsertionBin() || app.project.rootItem;
    if (!app.project.importFiles([path], true, bin, false)) return pc_error("Premiere could not import " + path);
    return pc_json({ path: path });
  } catch (e) {
    return pc_error(String(e));
  }
}

/**
 * Insert or overwrite at the playhead (or `seconds` when >= 0) on a 0-based video track.
 * @param {string} path @param {number} track @param {boolean} overwrite @param {number} seconds
 */
function promptcut_placeClip(path, track, overwrite, seconds) {
  try {
    var seq = app.project.activeSequence;
    if (!seq) return pc_error("Open a sequence in Premiere first.");
    var count = seq.videoTracks.numTracks;
    if (track < 0 || track >= count) {
      return pc_error("This sequence has " + count + " video tracks: choose V1 to V" + count + ".");
    }
    var item = pc_importItem(path);
    if (!item) return pc_error("Premiere could not import " + path);
    var playhead = seq.getPlayerPosition();
    var at = seconds >= 0 ? seconds : playhead.seconds;
    var vt = seq.videoTracks[track];
    var before = vt.clips.numItems;
    // overwriteClip takes the Time itself (exact ticks); insertClip only seconds.
    if (overwrite) vt.overwriteClip(item, seconds >= 0 ? seconds : playhead);
    else vt.insertClip(item, at);
    // Read the track back: the calls return nothing useful on failure.
    for (var i = 0; i < vt.clips.numItems; i++) {
      if (Math.abs(vt.clips[i].start.seconds - at) < 0.05) {
        return pc_json({ track: track, time: at, clips: vt.clips.numItems, before: before });
      }
    }
    return pc_error("Premiere did not place the clip on V" + (track + 1) + ".");
  } catch (e) {
    return pc_error(String(e));
  }
}

function promptcut_playhead() {
  var seq = app.project.activeSequence;
  if (!seq) return pc_error("Open a sequence in Premiere first.");
  return pc_json({ seconds: seq.getPlayerPosition().seconds });
}

function promptcut_videoTrackCount() {
  var seq = app.project.activeSequence;
  if (!seq) return pc_error("Open a sequence in Premiere first.");
  return pc_json({ count: seq.videoTracks.numTracks });
}

/** @param {string} path */
function promptcut_exportSequence(path) {
  try {
    var seq = app.project.activeSequence;
    if (!seq) return pc_error("Open a sequence in Premiere first.");
    if (!seq.exportAsFinalCutProXML(path, 1)) return pc_error("Premiere could not export " + path);
    return pc_json({ path: path });
  } catch (e) {
    return pc_error(String(e));
  }
}

/** Opens the folder holding `path` in Explorer or Finder. @param {string} path */
function promptcut_reveal(path) {
  var folder = new File(path).parent;
  if (!folder || !folder.execute()) return pc_error("Could not open the folder of " + path);
  return pc_json({ revealed: folder.fsName });
}

// ---------------------------------------------------------------- boards

var PC_TICKS = 254016000000;

/** Rate, size and track count of the active sequence (a new board's defaults). */
function promptcut_sequenceInfo() {
  var seq = app.project.activeSequence;
  if (!seq) return pc_error("Open a sequence in Premiere first.");
  var perFrame = Number(seq.timebase);
  return pc_json({ name: seq.name, fps: Math.round(PC_TICKS / perFrame * 1000) / 1000,
    width: seq.frameSizeHorizontal, height: seq.frameSizeVertical,
    videoTracks: seq.videoTracks.numTracks });
}

/** Sequence markers as seconds, in time order. */
function promptcut_markers() {
  var seq = app.project.activeSequence;
  if (!seq) return pc_error("Open a sequence in Premiere first.");
  var out = [];
  var m = seq.markers.getFirstMarker();
  while (m) {
    out.push({ seconds: m.start.seconds, name: m.name });
    m = seq.markers.getNextMarker(m);
  }
  out.sort(function (a, b) { return a.seconds - b.seconds; });
  return pc_json({ markers: out });
}

/** In/out points when set, else the empty span under the playhead on a video track.
 * @param {number} track */
function promptcut_findGap(track) {
  var seq = app.project.activeSequence;
  if (!seq) return pc_error("Open a sequence in Premiere first.");
  var inT = seq.getInPointAsTime(), outT = seq.getOutPointAsTime();
  if (Number(outT.ticks) > Number(inT.ticks) && Number(inT.ticks) >= 0) {
    return pc_json({ gap: { startTicks: inT.ticks, endTicks: outT.ticks, track: track,
      from: "in/out" } });
  }
  var at = Number(seq.getPlayerPosition().ticks);
  var vt = seq.videoTracks[track];
  var start = "0", end = null;
  for (var i = 0; i < vt.clips.numItems; i++) {
    var c = vt.clips[i];
    var a = Number(c.start.ticks), b = Number(c.end.ticks);
    if (a <= at && at < b) return pc_json({ gap: null });
    if (b <= at && b >= Number(start)) start = c.end.ticks;
    if (a > at && (end === null || a < Number(end))) end = c.start.ticks;
  }
  return pc_json({ gap: end === null ? null : { startTicks: start, endTicks: end,
    track: track, from: "playhead" } });
}

/**
 * Overwrite from `startTicks` on a 0-based video track with the take trimmed to
 * `lengthTicks` (its in point at 0, its out point after the shot's length).
 * @param {string} path @param {number} track @param {string} startTicks
 * @param {string} lengthTicks
 */
function promptcut_placeTrimmed(path, track, startTicks, lengthTicks) {
  try {
    var seq = app.project.activeSequence;
    if (!seq) return pc_error("Open a sequence in Premiere first.");
    if (track < 0 || track >= seq.videoTracks.numTracks) {
      return pc_error("This sequence has " + seq.videoTracks.numTracks + " video tracks.");
    }
    var item = pc_importItem(path);
    if (!item) return pc_error("Premiere could not import " + path);
    item.setInPoint(0, 4);
    item.setOutPoint(Number(lengthTicks) / PC_TICKS, 4);
    var at = new Time();
    at.ticks = String(startTicks);
    var vt = seq.videoTracks[track];
    vt.overwriteClip(item, at.seconds);
    for (var i = 0; i < vt.clips.numItems; i++) {
      if (Math.abs(Number(vt.clips[i].start.ticks) - Number(startTicks)) < PC_TICKS / 1000) {
        return pc_json({ track: track, startTicks: vt.clips[i].start.ticks,
          endTicks: vt.clips[i].end.ticks });
      }
    }
    return pc_error("Premiere did not place the clip on V" + (track + 1) + ".");
  } catch (e) {
    return pc_error(String(e));
  }
}

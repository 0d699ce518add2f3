// @ts-check
// A shot list becomes one batch per shot. Two forms: one prompt per line, or CSV with a
// header naming `prompt` and optionally `duration` (seconds). Lines starting with # are notes.

/** @typedef {{prompt: string, duration: number | null}} ShotLine */

/** @param {string} text @returns {ShotLine[]} */
export function parseShotList(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const first = lines.find((l) => l.trim() && !l.trim().startsWith("#")) || "";
  const header = splitCsvLine(first).map((c) => c.trim().toLowerCase());
  if (header.includes("prompt") && first.includes(",")) return parseCsv(lines, header, first);
  return lines
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((prompt) => ({ prompt, duration: null }));
}

/** @param {string[]} lines @param {string[]} header @param {string} headerLine @returns {ShotLine[]} */
function parseCsv(lines, header, headerLine) {
  const pi = header.indexOf("prompt");
  const di = header.findIndex((h) => h === "duration" || h === "duration_s" || h === "seconds");
  const rows = joinQuotedLines(lines.slice(lines.indexOf(headerLine) + 1));
  /** @type {ShotLine[]} */
  const shots = [];
  for (const row of rows) {
    if (!row.trim() || row.trim().startsWith("#")) continue;
    const cells = splitCsvLine(row);
    const prompt = (cells[pi] || "").trim();
    if (!prompt) continue;
    const d = di >= 0 ? parseFloat(cells[di]) : NaN;
    shots.push({ prompt, duration: Number.isFinite(d) && d > 0 ? d : null });
  }
  return shots;
}

/** A quoted CSV field may span lines; glue those lines back together. @param {string[]} lines */
function joinQuotedLines(lines) {
  /** @type {string[]} */
  const out = [];
  /** @type {string | null} */
  let buf = null;
  for (const line of lines) {
    buf = buf === null ? line : `${buf}\n${line}`;
    if ((buf.match(/"/g) || []).length % 2 === 0) {
      out.push(buf);
      buf = null;
    }
  }
  if (buf !== null) out.push(buf);
  return out;
}

/** RFC 4180 fields: commas inside quotes, "" for a quote. @param {string} line */
export function splitCsvLine(line) {
  /** @type {string[]} */
  const cells = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

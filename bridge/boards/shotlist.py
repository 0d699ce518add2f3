"""Shot lists in (CSV, TSV, JSON, a Markdown table) and out (CSV).

An editor's shot list comes from a spreadsheet, a script breakdown or a chat window. Columns
are matched by name (`shot`, `prompt`, `negative`, `duration`, `bars`, `beats`, `notes`,
`model`, `seed`, `takes`, and a few common spellings of them); any other column is kept in
the shot's notes as "Column: value", never dropped. A bad cell is a ShotListError naming the
row (1 = the first row under the header) and the column, so the editor can fix that cell.
The csv module does the quoting; only the Markdown table is split by hand (no library in the
environment reads one, and the format is one line per row).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bridge.boards import cells
from bridge.boards.cells import ShotListError, parse_duration
from bridge.boards.records import Column, Duration, Shot

__all__ = ["ShotListError", "ShotSpec", "parse", "parse_duration", "to_csv"]

MAX_ROWS = 2000
MAX_TAKES = 64
SEED_SPACE = 2**32
COLUMNS = ("shot", "prompt", "negative", "duration", "bars", "beats", "notes", "model",
           "seed", "takes")
ALIASES = {
    "label": "shot", "name": "shot", "shot name": "shot", "title": "shot",
    "negative prompt": "negative", "negative_prompt": "negative",
    "description": "prompt", "length": "duration", "seconds": "duration",
    "takes_target": "takes", "take target": "takes", "comment": "notes", "note": "notes",
}


@dataclass
class ShotSpec:
    """One parsed row: what a shot list can say about a shot."""

    label: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    duration: Duration | None = None
    model: str | None = None
    seed: int | None = None
    takes: int | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # unknown columns, also in notes

    def shot_fields(self) -> dict[str, Any]:
        """The row as the fields of a new shot."""
        out: dict[str, Any] = {"label": self.label, "prompt": self.prompt,
                               "negative_prompt": self.negative_prompt, "notes": self.notes,
                               "duration": self.duration, "model": self.model,
                               "columns": [Column(k, v) for k, v in self.extra.items()]}
        if self.seed is not None:
            out["overrides"] = {"seed": self.seed}
        if self.takes is not None:
            out["takes_target"] = self.takes
        return out


def detect_format(text: str, filename: str = "") -> str:
    name = filename.lower()
    for suffix, fmt in ((".json", "json"), (".tsv", "tsv"), (".tab", "tsv"), (".md", "md"),
                        (".markdown", "md"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    stripped = text.lstrip()
    if stripped[:1] in "[{":
        return "json"
    first = stripped.splitlines()[0] if stripped else ""
    if first.startswith("|"):
        return "md"
    return "tsv" if "\t" in first else "csv"


def parse(data: bytes | str, filename: str = "") -> list[ShotSpec]:
    """Every row of a shot list, or a ShotListError for the first bad cell."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ShotListError("The file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 "
                                "in Excel).") from None
    else:
        text = data.lstrip("\ufeff")
    if "\x00" in text:
        raise ShotListError("The file holds a NUL character; is it a spreadsheet binary? "
                            "Export it as CSV.")
    fmt = detect_format(text, filename)
    rows = _json_rows(text) if fmt == "json" else (
        _markdown_rows(text) if fmt == "md" else _delimited_rows(text, fmt))
    if len(rows) > MAX_ROWS:
        raise ShotListError(f"The list has {len(rows)} rows; at most {MAX_ROWS} are read.")
    specs = [row_to_spec(row, i) for i, row in enumerate(rows, start=1)]
    if not specs:
        raise ShotListError("The list has no shots: a header row and one row per shot.")
    return specs


def _delimited_rows(text: str, fmt: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",")
    try:
        lines = [r for r in reader if any(c.strip() for c in r)]
    except csv.Error as err:
        raise ShotListError(f"The CSV cannot be read: {err}.") from None
    return _table(lines)


def _markdown_rows(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip().replace("\\|", "|")
                 for c in re.split(r"(?<!\\)\|", line.strip("|"))]
        if all(re.fullmatch(r":?-{1,}:?", c) for c in cells if c):
            continue  # the |---|:---:| separator under the header
        lines.append(cells)
    return _table(lines)


def _table(lines: list[list[str]]) -> list[dict[str, Any]]:
    if not lines:
        return []
    header = [h.strip() for h in lines[0]]
    if not any(_canonical(h) in COLUMNS for h in header):
        raise ShotListError("The first row must name the columns, e.g. shot, prompt, "
                            "duration (" + ", ".join(COLUMNS) + ").")
    rows = []
    for number, row_cells in enumerate(lines[1:], start=1):
        if len(row_cells) > len(header) and any(c.strip() for c in row_cells[len(header):]):
            raise ShotListError(f"It has {len(row_cells)} cells but the header names "
                                f"{len(header)} columns.", number)
        rows.append({h: (row_cells[i] if i < len(row_cells) else "") for i, h in enumerate(header)
                     if h})
    return rows


def _json_rows(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ShotListError(f"The JSON cannot be read: {err}.") from None
    if isinstance(data, dict):
        data = data.get("shots")
    if not isinstance(data, list):
        raise ShotListError("A JSON shot list is a list of shots, or {\"shots\": [...]}.")
    for i, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise ShotListError("Each shot must be an object.", i)
    return data


def _canonical(name: str) -> str:
    key = re.sub(r"\s+", " ", str(name).strip().lower())
    return ALIASES.get(key, ALIASES.get(key.replace("_", " "), key))


def row_to_spec(row: dict[str, Any], number: int) -> ShotSpec:
    """One row (column name -> cell) as a ShotSpec; the error names row and column."""
    spec = ShotSpec()
    seen: dict[str, str] = {}
    for raw_name, raw in row.items():
        name = _canonical(raw_name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if name not in COLUMNS:
            spec.extra[str(raw_name).strip()] = cells.read_text(raw, number, str(raw_name), 2000)
            continue
        if name in seen:
            raise ShotListError(f"It repeats column '{seen[name]}'.", number, str(raw_name))
        seen[name] = str(raw_name)
        _apply(spec, name, raw, number, str(raw_name))
    units = [c for c in ("duration", "bars", "beats") if c in seen]
    if len(units) > 1:
        raise ShotListError(f"Give one of duration, bars or beats, not {' and '.join(units)}.",
                            number, seen[units[1]])
    extra = "\n".join(f"{k}: {v}" for k, v in spec.extra.items())
    spec.notes = "\n".join(p for p in (spec.notes, extra) if p)
    return spec


def _apply(spec: ShotSpec, name: str, raw: Any, number: int, column: str) -> None:
    if name == "shot":
        spec.label = cells.read_text(raw, number, column, 200)
    elif name == "prompt":
        spec.prompt = cells.read_text(raw, number, column, 4000)
    elif name == "negative":
        spec.negative_prompt = cells.read_text(raw, number, column, 4000)
    elif name == "notes":
        spec.notes = cells.read_text(raw, number, column, 10_000)
    elif name == "model":
        spec.model = cells.read_text(raw, number, column, 200)
    elif name == "duration":
        spec.duration = cells.parse_duration(raw, number, column)
    elif name in ("bars", "beats"):
        spec.duration = Duration(cells.read_positive(raw, number, column), name)
    elif name == "seed":
        spec.seed = cells.read_whole(raw, number, column, 0, SEED_SPACE - 1)
    elif name == "takes":
        spec.takes = cells.read_whole(raw, number, column, 1, MAX_TAKES)


# A cell a spreadsheet would run as a formula starts with one of these (OWASP's CSV
# injection rule); tab and carriage return are on that list as well.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> str:
    """A text cell made safe to open in a spreadsheet: a leading formula character gets a
    single quote before it (read back without it, see cells.read_text). Numbers we write
    (a seed, a take count) are not text and pass as they are."""
    text = "" if value is None else str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(shots: list[Shot] | list[dict[str, Any]]) -> str:
    """A board's shots as CSV with the import's column names (reads back the same)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["shot", "prompt", "negative", "duration", "model", "seed", "takes",
                     "notes"])
    for shot in shots:
        s = shot.to_dict() if isinstance(shot, Shot) else shot
        duration = s.get("duration")
        if isinstance(duration, dict):
            duration = Duration.from_dict(duration)
        writer.writerow([escape_cell(s.get("label", "")), escape_cell(s.get("prompt", "")),
                         escape_cell(s.get("negative_prompt", "")),
                         cells.format_duration(duration), escape_cell(s.get("model") or ""),
                         (s.get("overrides") or {}).get("seed", ""), s.get("takes_target", ""),
                         escape_cell(s.get("notes", ""))])
    return out.getvalue()

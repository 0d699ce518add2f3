"""Generating a board (one batch per shot, through the same queue and checks as POST /jobs)
and assembling it into a timeline (written like POST /timelines)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bridge.api import board_input as read
from bridge.api.common import services
from bridge.api.jobs import JOB_FIELDS, job_json, parse_submission
from bridge.errors import InvalidRequest, PromptcutError
from bridge.library import board_edits, boards, timelines

GENERATE_FIELDS = (JOB_FIELDS - {"client_key", "takes"}) | {"takes", "only_missing",
                                                             "shot_ids"}


def generate_board(board_id: str, data: dict[str, Any], only_missing: bool) -> dict[str, Any]:
    s = services()
    conn = s.db()
    board = boards.get(conn, board_id)
    read.unknown(data, GENERATE_FIELDS)
    takes = read.takes_count(data)
    wanted = data.get("shot_ids")
    if wanted is not None and (not isinstance(wanted, list) or not all(
            isinstance(w, str) for w in wanted)):
        raise InvalidRequest("'shot_ids' must be a list of shot ids.", field="shot_ids")
    defaults = {k: v for k, v in data.items()
                if k not in ("takes", "only_missing", "shot_ids")}
    placed = boards.layout(conn, board)
    chosen = [(i, p) for i, p in enumerate(placed)
              if (wanted is None or p.shot.id in wanted)
              and not (only_missing and p.shot.selected_take_id)]
    unknown_ids = set(wanted or ()) - {p.shot.id for p in placed}
    if unknown_ids:
        raise InvalidRequest(f"There is no shot {sorted(unknown_ids)[0]!r} on this board.",
                             field="shot_ids")
    # Check every shot before queueing any: one bad shot must not leave half a board queued.
    submissions = []
    for i, p in chosen:
        fields = board_edits.generation_fields(s.settings, board, p, defaults, takes)
        try:
            sub = replace(parse_submission(fields), shot_id=p.shot.id, board_id=board.id)
            s.generator.resolve(sub.request)
        except PromptcutError as err:
            label = p.shot.label or f"Shot {i + 1}"
            raise type(err)(f"{label}: {err.message}", field=f"shots[{i}].{err.field}",
                            code=err.code, details=err.details) from None
        submissions.append((i, p, sub))
    jobs_out, shots_out = [], []
    positions = None
    for i, p, sub in submissions:
        batch_id, jobs, _ = s.queue.submit(sub)
        positions = s.queue.positions()
        jobs_out += [job_json(job, positions) for job in jobs]
        model = sub.request.model
        plan = boards.take_plan(s.settings, board, p.end - p.start, model, sub.request.fps)
        shots_out.append({"shot_id": p.shot.id, "index": i, "batch_id": batch_id,
                          "takes": len(jobs), "plan": plan.to_dict() if plan else None})
    boards.save_json(conn, s.settings, board.id)
    return {"jobs": jobs_out, "shots": shots_out}


def assemble_board(board_id: str, formats: list[str] | None, unpicked: str = "gap"
                   ) -> dict[str, Any]:
    """The board's cut written in each format; the answer is POST /timelines's, plus notes
    on what the editor should know (gaps, short takes, rates Premiere will interpret)."""
    s = services()
    conn = s.db()
    board = boards.get(conn, board_id)
    cut = boards.assemble_board(conn, s.settings, board, unpicked)
    timelines.complete_cut(conn, s.settings, cut)
    meta = timelines.create(conn, s.settings, cut, formats)
    return meta | {"notes": _notes(board, cut)}


def _notes(board, cut) -> list[str]:
    notes = []
    gaps = [m.name for m in cut.markers if m.color == "RED"]
    if gaps:
        notes.append("Gaps in the cut: " + "; ".join(gaps[:20]) + (" ..." if len(gaps) > 20
                                                                   else "") + ".")
    rates = sorted({e.media_fps for e in cut.entries
                    if e.kind == "clip" and e.track.startswith("V") and e.media_fps
                    and abs(float(e.media_fps) - float(board.fps)) > 0.01})
    if rates:
        shown = ", ".join(f"{r:g}" for r in rates)
        notes.append(f"Takes at {shown} fps sit in a {board.fps:g} fps sequence: they are "
                     "interpreted at their own rate (real-time speed), and Premiere repeats "
                     "or drops frames to fill the sequence; nothing is conformed.")
    return notes

"""A board as the API answers it: settings, the song with the corrected beat grid, and each
shot laid out (frames, seconds, beats, bars), with its take count, its pick and what a
take must be to cover it."""

from __future__ import annotations

from typing import Any

from bridge.api.common import services
from bridge.api.takes import take_json
from bridge.boards.records import Board
from bridge.errors import InvalidRequest
from bridge.library import boards, boards_store, chains_store, songs, store


def board_json(board: Board) -> dict[str, Any]:
    s = services()
    conn = s.db()
    song = boards.song_of(conn, board)
    grid = songs.grid_of(song, board.grid)
    out = {k: v for k, v in board.to_dict().items() if k != "shots"}
    out["song"] = songs.song_json(song, board.grid) if song else None
    if song:
        out["song"]["url"] = s.signed(song["path"])
    try:
        placed = boards.layout(conn, board)
        out["layout_error"] = None
    except InvalidRequest as err:
        placed = []
        out["layout_error"] = {"message": err.message, "field": err.field}
    counts = boards_store.take_counts(conn, board.id)
    chains = chains_store.latest_by_shot(conn, board.id)
    rate = float(boards.rate_of(board))
    shots = []
    for i, shot in enumerate(board.shots):
        item = shot.to_dict()
        # A board that cannot be laid out (layout_error says why) still answers every field.
        item.update(start_frame=None, end_frame=None, frames=None, start_s=None, seconds=None,
                    beats=None, bars=None, effective_duration=None, plan=None, model_used=None)
        if placed:
            p = placed[i]
            item.update(start_frame=p.start, end_frame=p.end, frames=p.end - p.start,
                        start_s=round(p.start / rate, 4),
                        seconds=round((p.end - p.start) / rate, 4),
                        effective_duration=p.duration.to_dict())
            if grid is not None:
                a, b = grid.beat_index(p.start / rate), grid.beat_index(p.end / rate)
                item["beats"] = round(b - a, 2)
                item["bars"] = round((b - a) / grid.beats_per_bar, 2)
            model, fps = boards.shot_model(board, shot)
            plan = boards.take_plan(s.settings, board, p.end - p.start, model, fps)
            item["plan"] = plan.to_dict() if plan else None
            item["model_used"] = model
        c = counts.get(shot.id, {})
        item["take_count"], item["pending"] = c.get("takes", 0), c.get("pending", 0)
        item["pick"] = _pick(conn, shot.selected_take_id)
        item["chain"] = chains[shot.id].to_dict() if shot.id in chains else None
        shots.append(item)
    out["shots"] = shots
    out["duration_frames"] = placed[-1].end if placed else 0
    out["duration_s"] = round(out["duration_frames"] / rate, 4)
    return out


def _pick(conn, take_id: str | None) -> dict[str, Any] | None:
    if not take_id:
        return None
    take = store.get_take(conn, take_id)
    if take is None:
        return {"id": take_id, "missing": True}
    full = take_json(take).model_dump(mode="json")
    return {k: full[k] for k in ("id", "prompt", "seed", "fps", "num_frames", "duration_s",
                                 "rating", "status", "poster_url", "media_url",
                                 "filmstrip_url", "media_path", "filmstrip")}


def shot_json(board: Board, shot_id: str) -> dict[str, Any]:
    full = board_json(board)
    return next(s for s in full["shots"] if s["id"] == shot_id)

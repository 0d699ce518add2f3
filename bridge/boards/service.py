"""The board service: every use of a board, for the HTTP handlers and `promptcut board` alike.

It owns what a board edit must get right, in one place:
- **Transactions.** Each edit runs in one `BEGIN IMMEDIATE` transaction (`_edit`): a shot is
  read again inside it, so simultaneous PATCHes of different fields of one shot all keep
  their values, and a board created with its shots is there whole or not at all.
- **The JSON mirror** (bridge.boards.mirror) is written in one place, `_edit`: the new file is
  written under a temporary name before the commit and renamed over the old one after it. A
  full disk therefore fails the edit before anything is committed (507, nothing changed, no
  partial file left), and an acknowledged edit is always in the file too.
- **Layout**: a board is laid out once per call (bridge.boards.layout) and the answer reuses it.
- **Start-up** (`start`): boards whose mirror outlived the database come back, a mirror that
  cannot be read is set aside (named in the log and in `unreadable`), and the chain follower
  starts. Nothing happens on import or when a blueprint is registered.

Field dicts arrive checked by the API schemas (bridge.api.schemas.boards); what needs the
library (a song, a take that exists) is checked here and named by field.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.boards import chains, durations, history, mirror, shotlist, songs
from bridge.boards import store as boards_store
from bridge.boards.layout import (
    DEFAULT_MODEL,
    Placed,
    layout,
    pinned,
    pinned_end,
    rate_of,
    shot_model,
    take_plan,
)
from bridge.boards.records import Board, Duration, RecordError, Shot
from bridge.config import Settings
from bridge.errors import Conflict, InvalidRequest, NotFound, PromptcutError
from bridge.generators.presets import all_presets
from bridge.library import curation, direct, store, timelines
from bridge.library.db import Database
from bridge.library.records import Take, TakeStatus
from bridge.request import Handles
from otio_export import Cut, TimelineError, check_formats
from otio_export.assemble import (
    BoardShot,
    BoardSong,
    ShotCut,
    assemble,
    frames_covered,
    head_handle,
)
from otio_export.rates import exact_rate, media_length_in_seq_frames, rate_label

if TYPE_CHECKING:
    from bridge.engine.events import EventBus
    from bridge.engine.queue import Queue, Submission
    from bridge.generators.base import Generator

log = logging.getLogger("promptcut.boards")
MAX_SHOTS = 2000
GENERATE_CONTROL = ("takes", "only_missing", "shot_ids")

# Turns POST /jobs fields into the engine's Submission (the API's parser, passed by the
# caller: the board service does not parse requests itself).
SubmissionParser = Callable[[dict[str, Any]], "Submission"]


def new_id(prefix: str) -> str:
    """Sortable by creation time (hex milliseconds) and unique (random tail)."""
    return f"{prefix}{int(time.time() * 1000):011x}{secrets.token_hex(4)}"


@dataclass
class Laid:
    """A board with its layout (or why it cannot be laid out), computed once per call."""

    board: Board
    placed: list[Placed]
    error: InvalidRequest | None = None


@dataclass
class _Edit:
    conn: sqlite3.Connection
    boards: set[str] = field(default_factory=set)  # whose mirror to write
    files: list[tuple[Path, Any]] = field(default_factory=list)  # more JSON to write with it


class BoardService:
    """Boards over one library; built once per bridge (or per CLI command)."""

    def __init__(self, settings: Settings, database: Database, *, queue: Queue | None = None,
                 generator: Generator | None = None, events: EventBus | None = None,
                 ready: Callable[[], bool] = lambda: True) -> None:
        self.settings, self.database = settings, database
        self.queue, self.generator, self.events = queue, generator, events
        self.ready = ready
        self.unreadable: list[str] = []  # mirrors and rows set aside, with the reason
        self.follower: chains.ChainFollower | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.database.conn()

    # ------------------------------------------------------------ start and stop

    def start(self, follow_chains: bool = True) -> None:
        """Bring back boards from their mirrors, then follow running chains."""
        restored = self.restore()
        if restored:
            log.info("restored %d board(s) from their JSON files", len(restored))
        if follow_chains and self.events is not None and self.queue is not None \
                and self.follower is None:
            self.follower = chains.ChainFollower(self, self.events, self.ready)
            self.follower.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the song analyses this bridge started; the follower ends when the event bus
        closes: wait for it briefly."""
        if stopped := songs.stop_analyses(self.settings):
            log.info("stopped %d song analysis process(es)", stopped)
        if self.follower is not None:
            self.follower.join(timeout)
            self.follower = None

    # ------------------------------------------------------------ transactions

    @contextmanager
    def _edit(self, *board_ids: str, journal: bool = True) -> Iterator[_Edit]:
        """One transaction around a whole edit, the mirrors of the boards it touched written
        before the commit and put in place after it (module docstring). With `journal`, what
        the edit changed on `board_ids` becomes an undo step (bridge.boards.history)."""
        conn = self.conn
        edit = _Edit(conn, set(board_ids))
        prepared: list[mirror.Prepared] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = {i: boards_store.get_board(conn, i) for i in board_ids} if journal else {}
            yield edit
            for board_id, old in before.items():
                new = boards_store.get_board(conn, board_id) if old is not None else None
                change = history.step(old, new) if old is not None and new is not None \
                    else None
                if change is not None:
                    past = history.load(self.settings, board_id)
                    past.undo.append(change)
                    past.redo.clear()
                    edit.files.append((history.path_of(self.settings, board_id),
                                       past.to_dict()))
            for board_id in sorted(edit.boards):
                data = self._mirror_data(conn, board_id)
                if data is not None:
                    prepared.append(mirror.prepare(self.settings, board_id, data))
            for path, data in edit.files:
                prepared.append(mirror.prepare_file(path, data, indent=None))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk)
                with suppress(sqlite3.Error):  # the error that got us here is the one to say
                    conn.execute("ROLLBACK")
            for p in prepared:
                p.discard()
            raise
        for p in prepared:
            try:
                p.publish()
            except OSError as err:  # committed: the edit stands, its file is written next time
                log.warning("could not put %s in place after a committed edit: %s", p.final, err)
                p.discard()

    def _mirror_data(self, conn: sqlite3.Connection, board_id: str) -> dict[str, Any] | None:
        board = boards_store.get_board(conn, board_id, include_deleted=True)
        if board is None:
            return None
        song = self.song_of(board)
        return board.to_dict() | {"song": {k: song[k] for k in ("id", "sha256", "filename",
                                                                "path")} if song else None}

    def save_mirror(self, board_id: str) -> None:
        """Write a board's mirror again as the database holds it (a repair, or a test)."""
        with self._edit(board_id, journal=False):
            pass

    # ------------------------------------------------------------ undo and redo

    def undo(self, board_id: str) -> Laid:
        """Put back what the board's last edit changed (bridge.boards.history)."""
        return self._travel(board_id, "undo")

    def redo(self, board_id: str) -> Laid:
        """Make again the edit the last undo took back."""
        return self._travel(board_id, "redo")

    def _travel(self, board_id: str, way: str) -> Laid:
        with self._edit(board_id, journal=False) as edit:
            board = self.get(board_id, edit.conn)
            past = history.load(self.settings, board_id)
            stack, other = (past.undo, past.redo) if way == "undo" else (past.redo, past.undo)
            if not stack:
                raise Conflict(f"There is nothing to {way} on this board.", field="board_id",
                               code=f"nothing_to_{way}")
            step = stack.pop()
            other.append(history.opposite(step, board))
            boards_store.restore_state(edit.conn, history.board_of(step, board))
            edit.files.append((history.path_of(self.settings, board_id), past.to_dict()))
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        return laid

    def steps(self, board_id: str) -> tuple[int, int]:
        """How many edits of the board can be undone, and redone."""
        past = history.load(self.settings, board_id)
        return len(past.undo), len(past.redo)

    # ------------------------------------------------------------ reading

    def get(self, board_id: str, conn: sqlite3.Connection | None = None) -> Board:
        try:
            board = boards_store.get_board(conn or self.conn, board_id) \
                if isinstance(board_id, str) else None
        except RecordError as err:
            raise Conflict(f"The board {board_id!r} cannot be read ({err}); restore its "
                           "JSON file.", field="board_id", code="unreadable_board") from None
        if board is None:
            raise NotFound(f"There is no board {board_id!r}.", field="board_id")
        return board

    def get_shot(self, shot_id: str, conn: sqlite3.Connection | None = None) -> Shot:
        conn = conn or self.conn
        shot = boards_store.get_shot(conn, shot_id) if isinstance(shot_id, str) else None
        if shot is None or not conn.execute(
                "SELECT 1 FROM boards WHERE id = ? AND deleted_at IS NULL",
                (shot.board_id,)).fetchone():
            raise NotFound(f"There is no shot {shot_id!r}.", field="shot_id")
        return shot

    def list(self) -> list[Board]:
        """Boards, last changed first; a row this version cannot read is left out (and
        named in `unreadable`), never a 500 for every board."""
        skipped: list[str] = []
        out = boards_store.list_boards(self.conn, unreadable=skipped)
        for item in skipped:
            if item not in self.unreadable:
                log.warning("board row set aside: %s", item)
                self.unreadable.append(item)
        return out

    def song_of(self, board: Board, conn: sqlite3.Connection | None = None
                ) -> dict[str, Any] | None:
        return boards_store.get_song(conn or self.conn, board.song_id) if board.song_id \
            else None

    def laid(self, board: Board, conn: sqlite3.Connection | None = None) -> Laid:
        """The board and its layout; a board that cannot be laid out says why."""
        try:
            return Laid(board, self.layout(board, conn))
        except InvalidRequest as err:
            return Laid(board, [], err)

    def layout(self, board: Board, conn: sqlite3.Connection | None = None) -> list[Placed]:
        return layout(board, songs.grid_of(self.song_of(board, conn), board.grid))

    def position_at(self, board: Board, frame: int) -> int:
        """Where a shot that starts at `frame` of the cut goes in the board's order: before
        the first shot that starts at or after it (a gap filled in the sequence)."""
        return sum(1 for p in self.layout(board) if p.start < frame)

    def take_plan(self, board: Board, frames: int, model: str, fps: float | None = None,
                  pinned: bool = False, end_pinned: bool = False):
        return take_plan(all_presets(self.settings.data_dir).get(model), board, frames, fps,
                         pinned, end_pinned)

    def view(self, laid: Laid) -> dict[str, Any]:
        """A board as the API answers it: settings, the song with the corrected grid, each
        shot laid out (frames, seconds, beats, bars) with its take count, pick (a Take, or
        {"id", "missing"}), plan and latest chain. The caller turns takes into URLs."""
        conn = self.conn
        board = laid.board
        song = self.song_of(board)
        grid = songs.grid_of(song, board.grid)
        out = {k: v for k, v in board.to_dict().items() if k != "shots"}
        out["song"] = songs.song_json(song, board.grid) if song else None
        out["layout_error"] = ({"message": laid.error.message, "field": laid.error.field}
                               if laid.error else None)
        counts = boards_store.take_counts(conn, board.id)
        latest = boards_store.latest_chains(conn, board.id)
        rate = float(rate_of(board))
        presets = all_presets(self.settings.data_dir)
        shots = []
        for i, shot in enumerate(board.shots):
            item = shot.to_dict()
            # A board that cannot be laid out (layout_error says why) answers every field.
            item.update(start_frame=None, end_frame=None, frames=None, start_s=None,
                        seconds=None, beats=None, bars=None, effective_duration=None,
                        plan=None, model_used=None)
            if laid.placed:
                p = laid.placed[i]
                item.update(start_frame=p.start, end_frame=p.end, frames=p.end - p.start,
                            start_s=round(p.start / rate, 4),
                            seconds=round((p.end - p.start) / rate, 4),
                            effective_duration=p.duration.to_dict())
                if grid is not None:
                    a, b = grid.beat_index(p.start / rate), grid.beat_index(p.end / rate)
                    item["beats"] = round(b - a, 2)
                    item["bars"] = round((b - a) / grid.beats_per_bar, 2)
                model, fps = shot_model(board, shot)
                asked = {**board.defaults, **shot.overrides, "init_image": shot.start_image}
                plan = take_plan(presets.get(model), board, p.end - p.start, fps,
                                 pinned(asked), pinned_end(asked))
                item["plan"] = plan.to_dict() if plan else None
                item["model_used"] = model
            c = counts.get(shot.id, {})
            item["take_count"], item["pending"] = c.get("takes", 0), c.get("pending", 0)
            item["pick"] = self._pick(conn, shot.selected_take_id)
            item["pick_short_frames"] = None
            if laid.placed and isinstance(item["pick"], Take):
                item["pick_short_frames"] = self.pick_short(board, laid.placed[i],
                                                            item["pick"])
            item["chain"] = latest[shot.id].to_dict() if shot.id in latest else None
            shots.append(item)
        out["shots"] = shots
        out["undo_steps"], out["redo_steps"] = self.steps(board.id)
        out["duration_frames"] = laid.placed[-1].end if laid.placed else 0
        out["duration_s"] = round(out["duration_frames"] / rate, 4)
        return out

    def pick_short(self, board: Board, placed: Placed, pick: Take) -> int:
        """Frames of the shot its pick leaves uncovered in the cut (0: covered). A pick long
        enough on its own is answered without reading its chain; a shorter one counts the
        takes it continues as the cut lays them (otio_export.assemble.frames_covered)."""
        frames = placed.end - placed.start
        with suppress(TimelineError, ValueError, ZeroDivisionError):
            # what the cut can use of it: after the head handle it was made with
            usable = int(pick.num_frames) - head_handle({"record": pick.record,
                                                         "num_frames": pick.num_frames})
            alone = media_length_in_seq_frames(usable, exact_rate(pick.fps), rate_of(board))
            if alone >= frames:
                return 0
        return frames - frames_covered(self.pick_chain(placed.shot), frames, board.fps)

    @staticmethod
    def _pick(conn: sqlite3.Connection, take_id: str | None) -> Take | dict[str, Any] | None:
        if not take_id:
            return None
        return store.get_take(conn, take_id) or {"id": take_id, "missing": True}

    def shots_csv(self, board_id: str) -> tuple[str, str]:
        """The board's shot list as CSV and a file name for it."""
        board = self.get(board_id)
        name = "".join(c for c in board.name if c.isalnum() or c in " -_")[:60] or "shots"
        return shotlist.to_csv(board.shots), f"{name}.csv"

    # ------------------------------------------------------------ boards

    def create(self, fields: dict[str, Any], items: list[dict[str, Any]] | None = None,
               bars_per_shot: float | None = None) -> Laid:
        """A new board with its shots (and N bars a shot), all in one transaction."""
        now = time.time()
        board = Board(id=new_id("bd_"), name=fields.get("name") or "Untitled board",
                      created_at=now, updated_at=now)
        with self._edit(board.id) as edit:
            self._apply_board_fields(edit.conn, board, fields)
            boards_store.insert_board(edit.conn, board)
            if items:
                self._add_shots(edit.conn, board, items)
            if bars_per_shot is not None:
                self._fill(edit.conn, self.get(board.id, edit.conn), bars_per_shot)
            laid = self.laid(self.get(board.id, edit.conn), edit.conn)
        return laid

    def update(self, board_id: str, fields: dict[str, Any]) -> Laid:
        with self._edit(board_id) as edit:
            board = self.get(board_id, edit.conn)
            self._apply_board_fields(edit.conn, board, fields)
            boards_store.update_board(edit.conn, board)
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        return laid

    def _apply_board_fields(self, conn: sqlite3.Connection, board: Board,
                            fields: dict[str, Any]) -> None:
        for name in ("name", "fps", "width", "height", "default_duration", "grid", "defaults",
                     "handle_frames"):
            if fields.get(name) is not None:
                setattr(board, name, fields[name])
        if "song_id" in fields:
            if fields["song_id"] is not None:
                songs.get(conn, fields["song_id"])
            board.song_id = fields["song_id"]
        board.fps = rate_label(rate_of(board))  # 29.97, never 29.97002997

    def duplicate(self, board_id: str, name: str | None = None) -> Laid:
        """A copy of the board to try another cut on: its settings, song, grid and shots
        (labels, prompts, lengths, notes, picks) under new ids. The copy's picks point at
        the same takes (nothing is copied on disk); the original and its undo steps stay
        as they are, and the copy starts with no undo history of its own."""
        source = self.get(board_id)
        now = time.time()
        copy = replace(source, id=new_id("bd_"), name=name or f"{source.name} copy",
                       created_at=now, updated_at=now, shots=[])
        copy.shots = [replace(shot, id=new_id("sh_"), board_id=copy.id, created_at=now,
                              updated_at=now) for shot in source.shots]
        with self._edit(copy.id) as edit:
            boards_store.insert_board(edit.conn, copy)
            laid = self.laid(self.get(copy.id, edit.conn), edit.conn)
        return laid

    def delete(self, board_id: str) -> None:
        """Mark the board deleted (its takes stay); its mirror moves to the trash."""
        with self._edit(board_id) as edit:
            self.get(board_id, edit.conn)
            boards_store.mark_board_deleted(edit.conn, board_id)
        mirror.trash(self.settings, board_id)

    def fill(self, board_id: str, bars_per_shot: float) -> Laid:
        with self._edit(board_id) as edit:
            self._fill(edit.conn, self.get(board_id, edit.conn), bars_per_shot)
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        return laid

    def _fill(self, conn: sqlite3.Connection, board: Board, bars_per_shot: float) -> None:
        """N bars a shot, as many shots as the song holds: every shot gets N bars and empty
        shots are added until the song is covered (none is removed)."""
        grid = songs.grid_of(self.song_of(board, conn), board.grid)
        if grid is None:
            raise InvalidRequest("Filling by bars needs a song with beats; set 'song_id'.",
                                 field="bars_per_shot")
        board.default_duration = Duration(bars_per_shot, "bars")
        boards_store.update_board(conn, board)
        for shot in board.shots:
            if shot.duration != board.default_duration:
                shot.duration = None
                boards_store.update_shot(conn, shot)
        missing = durations.fill_count(grid, bars_per_shot) - len(board.shots)
        if missing > 0:
            self._add_shots(conn, board, [{} for _ in range(missing)])

    def set_boundaries(self, board_id: str, frames: list[int] | None = None,
                       seconds: list[float] | None = None) -> Laid:
        """Markers as cut points (an editor tapping M on the beat): shot i ends at the i-th
        marker after 0, as an exact frame count; shots are added when markers outnumber
        them. Markers are sequence frames at the board's rate, or seconds."""
        if (frames is None) == (seconds is None):
            raise InvalidRequest("Send 'frames' (at the board's rate) or 'seconds'.",
                                 field="frames", code="required")
        with self._edit(board_id) as edit:
            board = self.get(board_id, edit.conn)
            if frames is None:
                frames = [durations.nearest_frame(t, rate_of(board)) for t in seconds or []]
            cuts = sorted({f for f in frames if f > 0})
            if not cuts:
                raise InvalidRequest("Send at least one marker after the start.",
                                     field="frames")
            bounds = [0, *cuts]
            if len(bounds) - 1 > len(board.shots):
                self._add_shots(edit.conn, board,
                                [{} for _ in range(len(bounds) - 1 - len(board.shots))])
                board = self.get(board_id, edit.conn)
            for shot, (a, b) in zip(board.shots, itertools.pairwise(bounds), strict=False):
                shot.duration = Duration(b - a, "frames")
                boards_store.update_shot(edit.conn, shot)
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        return laid

    # ------------------------------------------------------------ shots

    @staticmethod
    def parse_shot_list(data: bytes | str, filename: str = "") -> list[dict[str, Any]]:
        """A shot-list file as shot fields; the error names the row and column."""
        try:
            specs = shotlist.parse(data, filename)
        except shotlist.ShotListError as err:
            raise InvalidRequest(err.message, field=err.field,
                                 code="invalid_shot_list") from None
        return [s.shot_fields() for s in specs]

    def add_shots(self, board_id: str, items: list[dict[str, Any]],
                  position: int | None = None, at_frame: int | None = None
                  ) -> tuple[list[Shot], Laid]:
        """Insert shots before `position` (None: at the end), or where the cut reaches
        `at_frame`."""
        if not items:
            raise InvalidRequest("Send at least one shot.", field="shots", code="required")
        with self._edit(board_id) as edit:
            board = self.get(board_id, edit.conn)
            if at_frame is not None:
                position = sum(1 for p in self.layout(board, edit.conn) if p.start < at_frame)
            added = self._add_shots(edit.conn, board, items, position)
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        return added, laid

    def _add_shots(self, conn: sqlite3.Connection, board: Board, items: list[dict[str, Any]],
                   at: int | None = None) -> list[Shot]:
        if len(board.shots) + len(items) > MAX_SHOTS:
            raise InvalidRequest(f"A board holds at most {MAX_SHOTS} shots.", field="shots")
        shots = [_new_shot(board, f) for f in items]
        for i, shot in enumerate(shots):
            if not shot.label:
                shot.label = f"Shot {len(board.shots) + i + 1}"
        boards_store.insert_shots(conn, board.id, shots, at)
        return shots

    def update_shot(self, shot_id: str, fields: dict[str, Any]) -> Laid:
        """Change only the fields sent, on the shot as it is now (read again inside the
        transaction, so a PATCH of another field at the same moment keeps its value). A new
        duration must lay out (bars need a song): it is refused before it is saved."""
        shot = self.get_shot(shot_id)
        if fields.get("selected_take_id") is not None:
            self._adopt_take(shot, fields["selected_take_id"])
        with self._edit(shot.board_id) as edit:
            shot = self.get_shot(shot_id, edit.conn)
            for name, value in fields.items():
                if name not in ("position", "selected_take_id"):
                    setattr(shot, name, value)
            if "selected_take_id" in fields:
                self._select(edit, shot, fields["selected_take_id"])
            boards_store.update_shot(edit.conn, shot)
            if fields.get("position") is not None:
                boards_store.move_shot(edit.conn, shot, fields["position"])
            laid = self.laid(self.get(shot.board_id, edit.conn), edit.conn)
            if "duration" in fields and laid.error is not None:
                raise InvalidRequest(laid.error.message.split(": ", 1)[-1], field="duration")
        return laid

    def delete_shot(self, shot_id: str) -> None:
        """Mark the shot deleted (its takes keep their link, so undoing loses nothing)."""
        board_id = self.get_shot(shot_id).board_id
        with self._edit(board_id) as edit:
            boards_store.delete_shot(edit.conn, self.get_shot(shot_id, edit.conn))

    def split_shot(self, shot_id: str, first: Duration | None) -> tuple[Shot, Shot, Laid]:
        """Two shots where there was one: the first keeps the id, takes and pick; the second
        copies the prompt and gets the rest of the duration (half by default)."""
        board_id = self.get_shot(shot_id).board_id
        with self._edit(board_id) as edit:
            shot = self.get_shot(shot_id, edit.conn)
            board = self.get(board_id, edit.conn)
            whole = shot.duration or board.default_duration
            if first is None:
                value = whole.value / 2
                first = Duration(int(value) if float(value).is_integer() else value,
                                 whole.unit)
            if first.unit != whole.unit:
                raise InvalidRequest(f"Split in the shot's own unit ({whole.unit}).",
                                     field="first.unit")
            rest = whole.value - first.value
            if rest <= 0 or (whole.unit == "frames" and not float(first.value).is_integer()):
                raise InvalidRequest(f"'first' must be shorter than the shot ({whole.value} "
                                     f"{whole.unit}).", field="first")
            shot.duration = first
            boards_store.update_shot(edit.conn, shot)
            rest_value = int(rest) if float(rest).is_integer() else rest
            second = replace(_new_shot(board, {}), label=f"{shot.label} b", prompt=shot.prompt,
                             negative_prompt=shot.negative_prompt, model=shot.model,
                             overrides=dict(shot.overrides), start_image=shot.start_image,
                             notes=shot.notes, columns=list(shot.columns),
                             duration=Duration(rest_value, whole.unit),
                             takes_target=shot.takes_target)
            boards_store.insert_shots(edit.conn, board.id, [second], shot.position + 1)
            laid = self.laid(self.get(board_id, edit.conn), edit.conn)
        a, b = laid.board.shot(shot_id), laid.board.shot(second.id)
        assert a is not None and b is not None
        return a, b, laid

    # ------------------------------------------------------------ picks

    def _adopt_take(self, shot: Shot, take_id: str) -> None:
        """The take a shot is about to pick joins the shot and is marked picked (in the
        take's own record first: curation writes it, see bridge.library.curation)."""
        take = store.get_take(self.conn, take_id)
        if take is None:
            raise NotFound(f"There is no take {take_id!r}.", field="selected_take_id")
        changes: dict[str, Any] = {}
        if take.shot_id != shot.id or take.board_id != shot.board_id:
            changes.update(shot_id=shot.id, board_id=shot.board_id)
        if take.status != TakeStatus.PICKED:
            changes["status"] = TakeStatus.PICKED.value
        if changes:
            curation.update(self.conn, take, changes)

    def _select(self, edit: _Edit, shot: Shot, take_id: str | None) -> None:
        """Make a take the shot's pick (None clears it). A take belongs to at most one
        shot: another shot that had it as its pick loses it."""
        if take_id is not None:
            for other_id, in edit.conn.execute(
                    "SELECT id FROM shots WHERE selected_take_id = ? AND id != ? "
                    "AND deleted_at IS NULL", (take_id, shot.id)).fetchall():
                other = boards_store.get_shot(edit.conn, other_id)
                if other is not None:
                    other.selected_take_id = None
                    boards_store.update_shot(edit.conn, other)
                    edit.boards.add(other.board_id)
        shot.selected_take_id = take_id

    def pick_if_none(self, shot_id: str, take_id: str) -> bool:
        """A finished chain's last take becomes the shot's pick when it has none."""
        shot = boards_store.get_shot(self.conn, shot_id)
        if shot is None or shot.selected_take_id:
            return False
        self._adopt_take(shot, take_id)
        with self._edit(shot.board_id) as edit:
            shot = boards_store.get_shot(edit.conn, shot_id)
            if shot is None or shot.selected_take_id:
                return False
            self._select(edit, shot, take_id)
            boards_store.update_shot(edit.conn, shot)
        return True

    def on_take_picked(self, take: Take) -> str | None:
        """A take of a shot marked picked becomes that shot's pick; the shot id, if any."""
        if not take.shot_id or take.status != TakeStatus.PICKED:
            return None
        shot = boards_store.get_shot(self.conn, take.shot_id)
        if shot is None or shot.selected_take_id == take.id:
            return None
        with self._edit(shot.board_id) as edit:
            shot = boards_store.get_shot(edit.conn, take.shot_id)
            if shot is None:
                return None
            shot.selected_take_id = take.id
            boards_store.update_shot(edit.conn, shot)
        return shot.id

    def pick_chain(self, shot: Shot) -> list[dict[str, Any]]:
        """The shot's pick and the takes of the same shot it continues from, oldest first,
        as the plain dicts otio_export takes."""
        if not shot.selected_take_id:
            return []
        chain = store.take_chain(self.conn, shot.selected_take_id)
        if not chain or chain[-1].id != shot.selected_take_id:
            return []  # the pick was deleted: the shot is a gap again
        kept = [chain[-1]]
        for take in reversed(chain[:-1]):
            if take.shot_id != shot.id or not _continues(kept[-1]):
                break
            kept.append(take)
        return [t.to_json() for t in reversed(kept)]

    def best_take(self, shot: Shot) -> list[dict[str, Any]]:
        """For a rough cut: the shot's highest-rated take that is not rejected (oldest
        first among equals)."""
        takes = [t for t in (store.get_take(self.conn, i)
                             for i in boards_store.shot_take_ids(self.conn, shot.id))
                 if t is not None and t.status != TakeStatus.REJECTED]
        return [t.to_json() for t in sorted(takes, key=lambda t: -t.rating)[:1]]

    # ------------------------------------------------------------ the cut

    def cut(self, board: Board, unpicked: str = "gap", report: list[ShotCut] | None = None
            ) -> Cut:
        """The board's cut. A shot without a pick is a gap, or with unpicked="best" its
        best take (a rough cut before culling). `report` gets how each shot was cut (its
        handles, how takes at another rate were conformed)."""
        shots = []
        for i, p in enumerate(self.layout(board)):
            takes = self.pick_chain(p.shot)
            if not takes and unpicked == "best":
                takes = self.best_take(p.shot)
            shots.append(BoardShot(id=p.shot.id, label=p.shot.label or f"Shot {i + 1}",
                                   start=p.start, end=p.end, takes=tuple(takes),
                                   prompt=p.shot.prompt, notes=p.shot.notes,
                                   columns=tuple(p.shot.columns)))
        song = self.song_of(board)
        board_song = None
        if song is not None:
            board_song = BoardSong(path=str(self.settings.media_dir / song["path"]),
                                   sample_rate=song["sample_rate"], samples=song["samples"],
                                   name=song["filename"])
        if not shots:
            raise InvalidRequest("The board has no shots to assemble.", field="shots")
        if not any(s.takes for s in shots):
            raise InvalidRequest("No shot has a take to cut yet: pick takes, or assemble "
                                 "with unpicked 'best' for a rough cut.", field="unpicked")
        try:
            return assemble(board.name, board.fps, board.width, board.height, shots,
                            board_song, report)
        except TimelineError as err:
            raise InvalidRequest(err.message, field=err.field) from None

    def assemble(self, board_id: str, formats: list[str] | None, unpicked: str = "gap"
                 ) -> tuple[timelines.Timeline, list[str], list[ShotCut]]:
        """The board's cut written in each format (as POST /timelines writes it), notes on
        what the editor should know (gaps, takes retimed to the sequence's rate), and how
        each shot was cut (its handles, its conform)."""
        board = self.get(board_id)
        try:  # a format we cannot write is the caller's first mistake to hear about
            check_formats(list(formats or timelines.DEFAULT_FORMATS))
        except TimelineError as err:
            raise timelines.invalid(err) from None
        report: list[ShotCut] = []
        cut = self.cut(board, unpicked, report)
        timelines.complete_cut(self.conn, self.settings, cut)
        return (timelines.create(self.conn, self.settings, cut, formats), _notes(board, cut),
                report)

    # ------------------------------------------------------------ generating

    def generation_fields(self, board: Board, placed: Placed, defaults: dict[str, Any],
                          takes: int | None) -> dict[str, Any]:
        """The POST /jobs body for one shot: request defaults < board defaults < the shot's
        own overrides; frames long enough to cover the shot at the model's rate."""
        shot = placed.shot
        merged = {**board.defaults, **defaults, **shot.overrides}
        fields: dict[str, Any] = {k: v for k, v in merged.items() if v is not None}
        fields["prompt"] = shot.prompt or fields.get("prompt", "")
        if shot.negative_prompt:
            fields["negative_prompt"] = shot.negative_prompt
        if shot.model:
            fields["model"] = shot.model
        fields.setdefault("model", DEFAULT_MODEL)
        if shot.start_image and "init_image" not in shot.overrides:
            fields["init_image"] = shot.start_image
        if "num_frames" not in shot.overrides:
            plan = self.take_plan(board, placed.end - placed.start, fields["model"],
                                  fields.get("fps"), pinned(fields), pinned_end(fields))
            if plan is not None:
                fields["num_frames"] = plan.num_frames or plan.chain[0]
                long = all_presets(self.settings.data_dir).get(fields["model"])
                if plan.num_frames is None and fields.get("prompts") and long is not None \
                        and fields.get("sections_as") != "chain" and long.multi_prompt_class:
                    # Timed prompts as one long take (bdirect): the whole shot in one take.
                    step = long.frame_step
                    fields["num_frames"] = -(-(plan.needed_frames - 1) // step) * step + 1
        fields["takes"] = takes or shot.takes_target
        fields.pop("client_key", None)
        return fields

    def generate(self, board_id: str, defaults: dict[str, Any], parse: SubmissionParser, *,
                 takes: int | None = None, only_missing: bool = False,
                 shot_ids: list[str] | None = None) -> dict[str, Any]:
        """One batch per shot (each shot, those named, or those without a pick). Every
        shot's request is checked before any is queued: one bad shot must not leave half a
        board queued; the error names the shot (`shots[3].steps`). Shots without a prompt
        yet are skipped and listed (when they are all there is, that is the error)."""
        assert self.queue is not None and self.generator is not None
        board = self.get(board_id)
        placed = self.layout(board)
        wanted = set(shot_ids) if shot_ids is not None else None
        unknown_ids = (wanted or set()) - {p.shot.id for p in placed}
        if unknown_ids:
            raise InvalidRequest(f"There is no shot {sorted(unknown_ids)[0]!r} on this board.",
                                 field="shot_ids", code="not_found")
        chosen = [(i, p) for i, p in enumerate(placed)
                  if (wanted is None or p.shot.id in wanted)
                  and not (only_missing and p.shot.selected_take_id)]
        submissions, skipped = [], []
        for i, p in chosen:
            fields = self.generation_fields(board, p, defaults, takes)
            fields["shot_id"] = p.shot.id  # keyframes on a beat count from this shot's start
            if not str(fields.get("prompt") or "").strip() and len(chosen) > 1:
                # A placeholder shot (no prompt yet) does not hold back the rest.
                skipped.append({"shot_id": p.shot.id, "index": i, "reason": "no prompt"})
                continue
            try:
                sub = replace(parse(fields), shot_id=p.shot.id, board_id=board.id)
                sub = self._with_handles(board, p, sub)
                self.generator.resolve(sub.request)
            except PromptcutError as err:
                label = p.shot.label or f"Shot {i + 1}"
                raise type(err)(f"{label}: {err.message}", field=f"shots[{i}].{err.field}",
                                code=err.code, details=err.details) from None
            submissions.append((i, p, sub))
        jobs, shots_out = [], []
        for i, p, sub in submissions:
            batch_id, batch, _ = self.queue.submit(sub)
            jobs += batch
            plan = self.take_plan(board, p.end - p.start, sub.request.model, sub.request.fps,
                                  *_pinned(sub))
            shots_out.append({"shot_id": p.shot.id, "index": i, "batch_id": batch_id,
                              "takes": len(batch), "plan": plan.to_dict() if plan else None})
        return {"jobs": jobs, "shots": shots_out, "skipped": skipped}

    def _with_handles(self, board: Board, placed: Placed, sub: Submission) -> Submission:
        """The submission with the handles its frames were planned with recorded on the
        request (the cut starts the take after its head handle). A shot whose frames the
        editor set, or a chain, has none."""
        if "num_frames" in placed.shot.overrides:
            return sub
        plan = self.take_plan(board, placed.end - placed.start, sub.request.model,
                              sub.request.fps, *_pinned(sub))
        if plan is None or plan.num_frames is None or sub.request.num_frames != plan.num_frames \
                or not (plan.head_frames or plan.tail_frames):
            return sub
        handles = Handles(head=plan.head_frames, tail=plan.tail_frames)
        return replace(sub, request=sub.request.replace(handles=handles))

    def start_chain(self, shot_id: str, defaults: dict[str, Any], parse: SubmissionParser
                    ) -> chains.Chain:
        """A chain of takes that covers a shot longer than its model's longest take."""
        assert self.queue is not None and self.generator is not None
        shot = self.get_shot(shot_id)
        board = self.get(shot.board_id)
        placed = next(p for p in self.layout(board) if p.shot.id == shot.id)
        fields = self.generation_fields(board, placed, defaults, 1)
        fields["shot_id"] = shot.id  # timed prompts on a beat count from this shot's start
        sub = replace(parse(fields), shot_id=shot.id, board_id=board.id)
        if sub.request.prompts and sub.request.sections_as == "chain":  # bdirect
            return self._section_chain(sub, board, placed)
        self.generator.resolve(sub.request)  # an unknown model or a bad size is said first
        model = sub.request.model
        plan = self.take_plan(board, placed.end - placed.start, model, fields.get("fps"))
        if plan is None or plan.num_frames is not None:
            raise Conflict(f"This shot fits in one take of {model}: Generate makes it.",
                           field="shot_id", code="chain_not_needed")
        preset = all_presets(self.settings.data_dir).get(model)
        if preset is not None and preset.i2v_class is None:
            raise InvalidRequest(f"{model} cannot start a take from an image, so it cannot "
                                 "continue a take: choose a model that can for this chain.",
                                 field="model", code="no_image_to_video")
        if any(c.shot_id == shot.id for c in boards_store.running_chains(self.conn)):
            raise Conflict("A chain for this shot is still running; wait for it, or cancel "
                           "its queued link.", field="shot_id", code="chain_running")
        sub = replace(sub, request=sub.request.replace(num_frames=plan.chain[0]))
        return chains.start(self, sub, list(plan.chain))

    # ------------------------------------------------------------ finishing the picks

    def finish_plans(self, board_id: str, services: Any) -> tuple[list[Any], list[dict]]:
        """The final of every pick of the board (bridge.finals.service.plan), in shot
        order, and the shots left out with the reason: no pick, a pick that is a final
        already, or one that cannot be finished (a cloud model's)."""
        from bridge.finals import service as finals

        board = self.get(board_id)
        plans, skipped = [], []
        for i, shot in enumerate(board.shots):
            take = store.get_take(self.conn, shot.selected_take_id) \
                if shot.selected_take_id else None
            reason = ("no pick" if take is None else "already final"
                      if (take.record.get("request") or {}).get("final") else None)
            if reason is None:
                try:
                    plans.append((i, shot, finals.plan(services, take.id)))
                    continue
                except PromptcutError as err:
                    reason = err.message
            skipped.append({"shot_id": shot.id, "index": i, "reason": reason})
        return plans, skipped

    def finish_estimate(self, board_id: str, services: Any) -> dict[str, Any]:
        """What finishing every pick would do: how many, by which routes, how long in all
        (None while this machine has no figure for one of the models)."""
        plans, skipped = self.finish_plans(board_id, services)
        routes: dict[str, int] = {}
        for _, _, p in plans:
            route = p.request.final.route
            routes[route] = routes.get(route, 0) + 1
        times = [p.estimate_s for _, _, p in plans]
        total = None if any(t is None for t in times) else round(sum(times), 1)
        return {"board_id": board_id, "count": len(plans), "routes": routes,
                "estimate_s": total,
                "takes": [{"shot_id": shot.id, "index": i, **p.to_json()}
                          for i, shot, p in plans], "skipped": skipped}

    def finish_picks(self, board_id: str, services: Any, *, priority: int = 0,
                     force: bool = False) -> dict[str, Any]:
        """Queue the final of every pick. The whole board is checked first (a final over
        the bridge's time limit refuses them all unless `force`), so one slow final never
        leaves half a board queued; each final becomes its shot's pick when it is done
        (`promote_final`)."""
        from bridge.finals import service as finals

        plans, skipped = self.finish_plans(board_id, services)
        if not plans:
            raise InvalidRequest("No shot of this board has a pick to finish.",
                                 field="board_id", code="nothing_to_finish")
        for i, shot, p in plans:
            if not force and p.estimate_s is not None and p.estimate_s > p.limit_s:
                raise InvalidRequest(
                    f"{shot.label or f'Shot {i + 1}'}: its final would take about "
                    f"{p.estimate_s / 60:.0f} minutes here; the limit is "
                    f"{p.limit_s / 60:.0f}. Send \"force\": true to run them anyway.",
                    field="force", code="too_slow",
                    details={"shot_id": shot.id, "estimate_s": round(p.estimate_s)})
        jobs, shots = [], []
        for i, shot, p in plans:
            batch_id, batch, _ = finals.finish(services, p.draft.id, priority=priority,
                                               force=True)
            jobs += batch
            shots.append({"shot_id": shot.id, "index": i, "draft_take_id": p.draft.id,
                          "batch_id": batch_id, "route": p.request.final.route})
        return {"jobs": jobs, "shots": shots, "skipped": skipped}

    def promote_final(self, take_id: str) -> str | None:
        """A finished final replaces its draft as the shot's pick, when the draft is still
        the pick (an editor who picked another take since keeps it): one undoable edit.
        The draft stays the final's parent. The shot id, if it changed."""
        take = store.get_take(self.conn, take_id)
        final = ((take.record.get("request") or {}).get("final") or {}) if take else {}
        draft = final.get("draft_take_id")
        if take is None or not draft or not take.shot_id:
            return None
        shot = boards_store.get_shot(self.conn, take.shot_id)
        if shot is None or shot.selected_take_id != draft:
            return None
        self._adopt_take(shot, take.id)
        with self._edit(shot.board_id) as edit:
            shot = boards_store.get_shot(edit.conn, take.shot_id)
            if shot is None or shot.selected_take_id != draft:
                return None
            self._select(edit, shot, take.id)
            boards_store.update_shot(edit.conn, shot)
        log.info("shot %s: final %s replaces draft %s as the pick", shot.id, take.id, draft)
        return shot.id
    def _section_chain(self, sub: Any, board: Board, placed: Placed) -> chains.Chain:
        """A chain for timed prompts (sections_as "chain"): a link per section, each
        continuing the one before, planned so links meet on the section boundaries; also
        for a shot that one take would cover."""
        request = sub.request
        preset = all_presets(self.settings.data_dir).get(request.model)
        if preset is None or "chain" not in preset.section_routes:
            routes = list(preset.section_routes) if preset else []
            raise InvalidRequest(
                f"{request.model} cannot make timed prompts as a chain (it cannot start a "
                "take from frames or an image); pick a model with chain in timed_prompts "
                "(GET /models).", field="sections_as", code="unsupported",
                details={"model": request.model, "timed_prompts": routes})
        plan = self.take_plan(board, placed.end - placed.start, request.model, request.fps)
        needed = plan.needed_frames if plan is not None else int(request.num_frames or 1)
        links, sections = direct.section_links(preset, request, needed)
        request = request.replace(prompts=sections, sections_as="chain")
        first = request.replace(num_frames=links[0], prompt=direct.link_prompt(
            preset, request, links, 0), prompts=(), sections_as=None)
        self.generator.resolve(first)  # a bad size or model is said before anything runs
        if any(c.shot_id == sub.shot_id for c in boards_store.running_chains(self.conn)):
            raise Conflict("A chain for this shot is still running; wait for it, or cancel "
                           "its queued link.", field="shot_id", code="chain_running")
        return chains.start(self, replace(sub, request=request), links)

    # ------------------------------------------------------------ the mirrors at start-up

    def restore(self) -> list[str]:
        """Bring the rows up to what the board files say (a lost, rebuilt or older database).

        The files are the newer truth when they say so: a mirror whose rows are missing is
        inserted; a mirror newer than its rows (`updated_at`, which every edit stamps on both)
        replaces them, so edits made after a database backup come back when the backup is
        copied over the library; a live board whose mirror has gone to the trash since was
        deleted, and is marked so. A mirror that cannot be read (not a board, a field of the
        wrong type, an id another board has) is set aside: left where it is, named in the
        log and in `unreadable`, and the rest come up."""
        live = boards_store.live_board_ids(self.conn)
        restored = []
        for path in mirror.stored(self.settings):
            try:
                data = mirror.read(path)
                board = Board.parse(data)
                if board.id != path.stem:  # a copy, or a file renamed by hand
                    raise ValueError(f"it holds board {board.id}, not {path.stem}")
                current = boards_store.get_board(self.conn, board.id, include_deleted=True)
                if current is not None and current.updated_at >= board.updated_at - 1e-6:
                    continue  # the rows are as new as the file, or newer
                if board.song_id and boards_store.get_song(self.conn, board.song_id) is None:
                    board.song_id = self._restore_song(data.get("song") or {})
                with self._edit(journal=False) as edit:  # the mirror says what the rows say
                    if current is not None:
                        log.info("board %s: its file is newer than the database; the "
                                 "file wins", board.id)
                        edit.conn.execute("DELETE FROM shots WHERE board_id = ?", (board.id,))
                        edit.conn.execute("DELETE FROM boards WHERE id = ?", (board.id,))
                    boards_store.insert_board(edit.conn, board)
            except (OSError, ValueError, sqlite3.IntegrityError) as err:
                reason = f"boards/{path.name}: {err}"  # no absolute path in an answer
                log.warning("board file %s set aside, not restored: %s", path, err)
                if reason not in self.unreadable:
                    self.unreadable.append(reason)
                continue
            restored.append(board.id)
        on_disk = {p.stem for p in mirror.stored(self.settings)}
        for board_id in sorted(live - on_disk):
            if mirror.in_trash(self.settings, board_id):
                log.info("board %s was deleted after this database was saved; marking it "
                         "deleted", board_id)
                with self._edit(journal=False) as edit:
                    boards_store.mark_board_deleted(edit.conn, board_id)
        return restored

    def _restore_song(self, song: dict[str, Any]) -> str | None:
        """The board's song from its file in the library (analysis comes from the cache)."""
        rel = song.get("path") if isinstance(song, dict) else None
        path = self.settings.media_dir / str(rel or "")
        if not rel or not path.is_file():
            return None
        try:
            return songs.import_song(self.conn, self.settings, path.read_bytes(),
                                     path.name)["id"]
        except InvalidRequest:
            return None


def _new_shot(board: Board, fields: dict[str, Any], position: int = 0) -> Shot:
    now = time.time()
    shot = Shot(id=new_id("sh_"), board_id=board.id, position=position, created_at=now,
                updated_at=now)
    for name, value in fields.items():
        if name not in ("position", "selected_take_id"):
            setattr(shot, name, value)
    return shot


def _pinned(sub: Submission) -> tuple[bool, bool]:
    """Whether a queued request pins its take's first frames and its last frame
    (layout.pinned and layout.pinned_end, on the records)."""
    request = sub.request
    fields = {"init_image": request.init_image, "keyframes": request.keyframes,
              "video": request.video, "continue_from": sub.continue_from,
              "retake": sub.retake, "camera": request.camera}
    return pinned(fields), pinned_end(fields)
def _continues(take: Take) -> bool:
    """Whether a take carries on from its parent in the cut (a continuation, a chain's
    link), rather than replacing it: a final stands in for its draft and a retake for the
    take it remakes, so the cut holds only them."""
    request = take.record.get("request") or {}
    return not request.get("final") and (request.get("video") or {}).get("mode") != "retake"


def _notes(board: Board, cut: Cut) -> list[str]:
    notes = []
    gaps = [m.name for m in cut.markers if m.color == "RED"]
    if gaps:
        notes.append("Gaps in the cut: " + "; ".join(gaps[:20])
                     + (" ..." if len(gaps) > 20 else "") + ".")
    rates = sorted({e.media_fps for e in cut.entries
                    if e.kind == "clip" and e.track.startswith("V") and e.media_fps
                    and abs(float(e.media_fps) - float(board.fps)) > 0.01})
    if rates:
        shown = ", ".join(f"{r:g}" for r in rates)
        notes.append(f"Takes at {shown} fps are retimed to {board.fps:g} fps by the cut: they "
                     "play at their real speed, each frame held as long as it lasts (no frames "
                     "interpolated). Premiere's Time Interpolation (Frame Blending or Optical "
                     "Flow) can smooth them.")
    return notes


def of(services: Any) -> BoardService:
    """The bridge's board service (built by `attach` at start-up)."""
    return services.extras["boards"]


def attach(services: Any) -> BoardService:
    """Build the board service of a bridge's Services (settings, database, queue, ...);
    `start` and `stop` below are called where the bridge starts and stops its services."""
    service = services.extras.get("boards")
    if service is None:
        service = BoardService(services.settings, services.database, queue=services.queue,
                               generator=services.generator, events=services.events,
                               ready=lambda: services.worker.recovery is not None)
        services.extras["boards"] = service
    return service


def start(services: Any) -> None:
    attach(services).start()


def stop(services: Any) -> None:
    if (service := services.extras.get("boards")) is not None:
        service.stop()

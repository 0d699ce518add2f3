"""`promptcut board`: import a shot list (and a song), generate a board, assemble its cut.

It works on the library directly through the board service (bridge.boards.service), the
same one the HTTP handlers call, with the same body checks; no Flask app, no HTTP.
`generate` runs the jobs itself when no Promptcut works on the library; when one does
(the panel is open), the jobs go into the shared queue and that Promptcut makes them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from otio_export import FORMATS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from bridge.cli import add_common

    p = subparsers.add_parser("board", help="boards: a shot list, a song, takes per shot, "
                                            "the cut")
    sub = p.add_subparsers(dest="board_command", required=True)

    q = sub.add_parser("import", help="a new board from a shot list (CSV, TSV, JSON, .md)")
    add_common(q)
    q.add_argument("shot_list", help="shot list file")
    q.add_argument("--song", help="audio file the shots are cut to (WAV, MP3, M4A, FLAC)")
    q.add_argument("--bars-per-shot", type=float, help="with --song: N bars a shot, as "
                                                       "many shots as the song holds")
    q.add_argument("--name", help="board name (default: the file's name)")
    q.add_argument("--fps", type=float, default=24.0, help="sequence rate (default 24)")
    q.add_argument("--width", type=int, default=1920, help="frame width (default 1920)")
    q.add_argument("--height", type=int, default=1080, help="frame height (default 1080)")
    _json(q)
    q.set_defaults(func=run_import)

    q = sub.add_parser("generate", help="queue takes for every shot of a board")
    add_common(q)
    q.add_argument("board", help="board id")
    q.add_argument("--takes", type=int, help="takes per shot (default: each shot's target)")
    q.add_argument("--only-missing", action="store_true", help="only shots without a pick")
    q.add_argument("--model", help="model for shots that do not name one")
    for name, what in (("width", "take width in pixels"), ("height", "take height in pixels"),
                       ("steps", "denoising steps")):
        q.add_argument(f"--{name}", type=int, help=f"{what} (default: the shot's, else the "
                                                    "model's)")
    _json(q)
    q.set_defaults(func=run_generate)

    q = sub.add_parser("finish", help="finish every pick of a board at delivery quality; "
                                      "each final becomes its shot's pick")
    add_common(q)
    q.add_argument("board", help="board id")
    q.add_argument("--estimate", action="store_true", help="only say what it would do and "
                                                           "about how long; queue nothing")
    q.add_argument("--force", action="store_true", help="run finals whose estimate is over "
                                                        "the bridge's limit")
    _json(q)
    q.set_defaults(func=run_finish)

    q = sub.add_parser("assemble", help="write a board's cut (.otio, FCP7 XML, EDL, FCPXML)")
    add_common(q)
    q.add_argument("board", help="board id")
    q.add_argument("--format", default="otio,fcp7xml",
                   help=f"comma-separated, of {', '.join(FORMATS)} (default otio,fcp7xml)")
    q.add_argument("--out", help="also copy the files into this folder")
    q.add_argument("--unpicked", choices=("gap", "best"), default="gap",
                   help="a shot without a pick: a gap (default) or its best-rated take")
    _json(q)
    q.set_defaults(func=run_assemble)

    q = sub.add_parser("duplicate", help="a copy of a board (its shots and picks; the "
                                         "takes are shared)")
    add_common(q)
    q.add_argument("board", help="board id")
    q.add_argument("--name", help="the copy's name (default: the board's name and ' copy')")
    _json(q)
    q.set_defaults(func=run_duplicate)

    q = sub.add_parser("list", help="the library's boards")
    add_common(q)
    _json(q)
    q.set_defaults(func=run_list)


def _json(q: argparse.ArgumentParser) -> None:
    q.add_argument("--json", action="store_true", help="print JSON instead of lines")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _wait_for(services: Any, jobs: list[str], quiet: bool,
              each: Callable[[Any], object] | None = None) -> None:
    """Until every job has ended (done, failed or cancelled): `each` on it, and a line."""
    from bridge.library import store

    left = set(jobs)
    while left:
        time.sleep(0.5)
        for job_id in list(left):
            job = store.get_job(services.db(), job_id)
            if job and job.status.value in ("done", "failed", "cancelled"):
                left.discard(job_id)
                if each is not None:
                    each(job)
                if not quiet:
                    what = job.take_id or (job.error.message if job.error else "")
                    print(f"{job.status.value}\t{job_id}\t{what}", flush=True)


def _exit_code(services: Any, jobs: list[str]) -> int:
    """1 when any of the jobs did not end done."""
    from bridge.library import store

    return 1 if any(store.get_job(services.db(), j).status.value != "done" for j in jobs) else 0


def _work_here(services: Any) -> bool:
    """Start this process's worker on the library, unless a running bridge holds it (then
    jobs queue into that bridge, and its own follower drives the board's chains)."""
    from bridge.engine.lock import LibraryBusy

    try:
        services.worker.start()
    except LibraryBusy:
        return False
    return True


def _service(args: argparse.Namespace):
    """The library's services and its board service, no Flask app: the same service the
    HTTP handlers call."""
    from bridge.boards import service as board_service
    from bridge.cli import settings_from
    from bridge.services import build_services

    services = build_services(settings_from(args))
    boards = board_service.attach(services)
    return services, boards


def _fail(err) -> int:
    where = f" ({err.field})" if getattr(err, "field", None) else ""
    print(f"promptcut board: {err.message}{where}", file=sys.stderr)
    return 2


def run_import(args: argparse.Namespace) -> int:
    from bridge.api.contract import validate
    from bridge.api.schemas.boards import BoardFields
    from bridge.boards import songs
    from bridge.boards.layout import rate_of
    from bridge.errors import PromptcutError

    path = Path(args.shot_list)
    if not path.is_file():
        print(f"promptcut board: no file {path}", file=sys.stderr)
        return 2
    services, boards = _service(args)
    boards.start(follow_chains=False)
    try:
        shots = boards.parse_shot_list(path.read_bytes(), path.name)
        fields = validate(BoardFields, {"name": args.name or path.stem, "fps": args.fps,
                                        "width": args.width, "height": args.height}).fields()
        if args.song:
            song_path = Path(args.song)
            song = songs.import_song(services.db(), services.settings, song_path.read_bytes(),
                                     song_path.name)
            fields["song_id"] = song["id"]
        laid = boards.create(fields, shots, args.bars_per_shot or None)
        if laid.error is not None:
            raise laid.error
    except PromptcutError as err:
        return _fail(err)
    except OSError as err:
        print(f"promptcut board: {err}", file=sys.stderr)
        return 2
    board = laid.board
    rate = float(rate_of(board))
    if args.json:
        _print_json({"id": board.id, "name": board.name, "shots": [
            {"id": p.shot.id, "position": p.shot.position, "label": p.shot.label,
             "start_frame": p.start, "seconds": (p.end - p.start) / rate}
            for p in laid.placed]})
        return 0
    print(f"board\t{board.id}\t{board.name}\t{len(board.shots)} shots")
    for p in laid.placed:
        seconds = (p.end - p.start) / rate
        print(f"{p.shot.position + 1}\t{p.shot.label}\tframe {p.start}\t{seconds:.3f}s")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from bridge.api.boards import submission_parser
    from bridge.api.contract import validate
    from bridge.api.schemas.boards import GenerateIn
    from bridge.boards.service import GENERATE_CONTROL
    from bridge.errors import PromptcutError

    services, boards = _service(args)
    fields = {k: v for k, v in (("takes", args.takes), ("model", args.model),
                                ("width", args.width), ("height", args.height),
                                ("steps", args.steps)) if v is not None}
    local = _work_here(services)
    boards.start(follow_chains=local)
    try:
        try:
            body = validate(GenerateIn, fields | {"only_missing": args.only_missing})
            defaults = body.model_dump(mode="json", include=body.model_fields_set
                                       - set(GENERATE_CONTROL))
            answer = boards.generate(args.board, defaults, submission_parser(services),
                                     takes=body.takes, only_missing=body.only_missing)
        except PromptcutError as err:
            return _fail(err)
        jobs = [j.id for j in answer["jobs"]]
        if args.json:
            _print_json({"jobs": jobs, "shots": len(answer["shots"]),
                         "skipped": answer.get("skipped", []), "made_by":
                         "this command" if local else "the running Promptcut"})
        else:
            print(f"queued {len(jobs)} take(s) for {len(answer['shots'])} shot(s)")
        if not local:
            if not args.json:
                print("A running Promptcut works on this library; it makes them.")
            return 0
        _wait_for(services, jobs, quiet=args.json)
    except KeyboardInterrupt:
        return 130
    finally:
        if local:
            services.worker.stop()
    return _exit_code(services, jobs)


def run_finish(args: argparse.Namespace) -> int:
    """Estimate or queue the board's finals. As `generate`: this command makes them when no
    Promptcut works on the library (and makes each final its shot's pick as it is done),
    else the running one does."""
    from bridge.errors import PromptcutError

    services, boards = _service(args)
    if args.estimate:
        boards.start(follow_chains=False)
        try:
            plan = boards.finish_estimate(args.board, services)
        except PromptcutError as err:
            return _fail(err)
        if args.json:
            _print_json(plan)
            return 0
        total = "unknown" if plan["estimate_s"] is None else f"{plan['estimate_s']:.0f} s"
        routes = ", ".join(f"{n} {r}" for r, n in plan["routes"].items()) or "none"
        print(f"{plan['count']} final(s) ({routes}), about {total}")
        for item in plan["skipped"]:
            print(f"skipped\t{item['shot_id']}\t{item['reason']}")
        return 0
    local = _work_here(services)
    boards.start(follow_chains=local)
    try:
        try:
            answer = boards.finish_picks(args.board, services, force=args.force)
        except PromptcutError as err:
            return _fail(err)
        jobs = [j.id for j in answer["jobs"]]
        if args.json:
            _print_json({"jobs": jobs, "shots": answer["shots"], "skipped": answer["skipped"],
                         "made_by": "this command" if local else "the running Promptcut"})
        else:
            print(f"queued {len(jobs)} final(s)")
        if not local:
            return 0
        # The follower may not see a final before this command stops: promote it here too.
        _wait_for(services, jobs, quiet=args.json,
                  each=lambda job: job.take_id and boards.promote_final(job.take_id))
    except KeyboardInterrupt:
        return 130
    finally:
        if local:
            services.worker.stop()
    return _exit_code(services, jobs)


def run_assemble(args: argparse.Namespace) -> int:
    import shutil

    from bridge.errors import PromptcutError

    services, boards = _service(args)
    boards.start(follow_chains=False)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        meta, notes, shots = boards.assemble(args.board, formats, args.unpicked)
    except PromptcutError as err:
        return _fail(err)
    folder = services.settings.timelines_dir / meta.id
    written = {}
    for fmt, info in meta.to_json()["formats"].items():
        path = folder / info["filename"]
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            path = Path(shutil.copy2(path, Path(args.out) / info["filename"]))
        written[fmt] = str(path)
    if args.json:
        _print_json({"timeline_id": meta.id, "files": written, "warnings": list(notes),
                     "shots": [dataclasses.asdict(s) for s in shots]})
        return 0
    for fmt, path in written.items():
        print(f"{fmt}\t{path}")
    for note in notes:  # what a format could not carry, as the API says it
        print(f"warning: {note}", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    _, boards = _service(args)
    boards.start(follow_chains=False)
    if args.json:
        _print_json({"boards": [{"id": b.id, "name": b.name, "shots": len(b.shots),
                                 "picked": sum(1 for s in b.shots if s.selected_take_id)}
                                for b in boards.list()], "set_aside": boards.unreadable})
        return 0
    for board in boards.list():
        picked = sum(1 for s in board.shots if s.selected_take_id)
        print(f"{board.id}\t{board.name}\t{len(board.shots)} shots\t{picked} picked")
    for item in boards.unreadable:
        print(f"set aside: {item}", file=sys.stderr)
    return 0


def run_duplicate(args: argparse.Namespace) -> int:
    from bridge.errors import PromptcutError

    _, boards = _service(args)
    boards.start(follow_chains=False)
    try:
        board = boards.duplicate(args.board, (args.name or "").strip() or None).board
    except PromptcutError as err:
        return _fail(err)
    if args.json:
        _print_json({"id": board.id, "name": board.name, "shots": len(board.shots)})
    else:
        print(f"board\t{board.id}\t{board.name}\t{len(board.shots)} shots")
    return 0

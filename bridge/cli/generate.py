"""`promptcut generate`: the same job engine as the server, driven from a terminal."""

from __future__ import annotations

import argparse
import contextlib
import sys

from tqdm import tqdm

from bridge.app import build_services
from bridge.config import Settings
from bridge.engine.lock import LibraryBusy
from bridge.engine.queue import Submission
from bridge.engine.records import JobState
from bridge.errors import PromptcutError
from bridge.library import store
from bridge.request import GenerationRequest

FINAL = {"job.done", "job.failed", "job.cancelled"}


def run_generate(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    try:
        # Before submitting: if a server works on this library, queue nothing here.
        services.worker.start()
    except LibraryBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    request = GenerationRequest(
        prompt=args.prompt, model=args.model, negative_prompt=args.negative_prompt,
        width=args.width, height=args.height, num_frames=args.num_frames, steps=args.steps,
        fps=args.fps, guidance=args.guidance)
    try:
        batch_id, jobs, _ = services.queue.submit(
            Submission(request=request, takes=args.takes, seed=args.seed))
    except PromptcutError as exc:
        field = f" ({exc.field})" if exc.field else ""
        print(f"error{field}: {exc.message}", file=sys.stderr)
        services.worker.stop()
        return 2
    ids = {j.id for j in jobs}
    finished: dict[str, str] = {}
    bar = tqdm(total=len(ids) * 100, unit="%", desc=f"{len(ids)} take(s)",
               bar_format="{l_bar}{bar}| {postfix}")
    progress = dict.fromkeys(ids, 0.0)
    seq = 0
    try:
        while len(finished) < len(ids):
            poll = services.events.poll(seq, timeout=1.0)
            seq = poll.last_seq
            for event in poll.events:
                job_id = event.get("job_id")
                if job_id not in ids:
                    continue
                if event["kind"] == "job.progress":
                    d = event["data"]
                    done = d["step"] / d["steps"] if d.get("steps") else 0.0
                    progress[job_id] = max(progress[job_id], 90 * done)
                    eta = f", ETA {d['eta_s']:.0f}s" if d.get("eta_s") is not None else ""
                    bar.set_postfix_str(f"{d['phase']} {d['step']}/{d['steps']}{eta}")
                elif event["kind"] in FINAL:
                    finished[job_id] = event["kind"]
                    progress[job_id] = 100
                bar.n = int(sum(progress.values()))
                bar.refresh()
    except KeyboardInterrupt:
        for job_id in ids - set(finished):
            with contextlib.suppress(PromptcutError):
                services.queue.cancel(job_id)
        print("\ncancelled", file=sys.stderr)
        return 130
    finally:
        bar.close()
        services.worker.stop()
    conn = services.db()
    failed = 0
    for job in store.batch_jobs(conn, batch_id):
        if job.status is JobState.DONE and job.take_id:
            take = store.get_take(conn, job.take_id)
            print(take.media_path if take else job.take_id)
        else:
            failed += 1
            err = job.error.to_json() if job.error else {}
            print(f"{job.status.value}: {err.get('message', '')}", file=sys.stderr)
    services.database.close()
    return 1 if failed else 0

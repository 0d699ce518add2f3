"""`promptcut generate`: the same job engine as the server, driven from a terminal.

Without a server it runs the jobs itself. When a bridge already works on the library (the
usual case with the panel open) it queues the takes into that bridge over its API and follows
their progress from the bridge's events, so the panel sees them too. The progress bar is drawn
only on a terminal; a pipe gets the take files alone.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import requests
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
        # Before submitting: if a server works on this library, it makes the takes.
        services.worker.start()
    except LibraryBusy as exc:
        from bridge.cli.running import bridge_for

        running = bridge_for(settings.data_dir)
        if running is None:
            print(exc, file=sys.stderr)
            return 1
        try:
            return _through_bridge(services, running.url, settings, args)
        finally:
            services.database.close()
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
    bar = _bar(len(ids))
    progress = dict.fromkeys(ids, 0.0)
    seq = 0
    try:
        while len(finished) < len(ids):
            poll = services.events.poll(seq, timeout=1.0)
            seq = poll.last_seq
            for event in poll.events:
                if (final := _follow(event, ids, progress, bar)) is not None:
                    finished[event["job_id"]] = final
    except KeyboardInterrupt:
        for job_id in ids - set(finished):
            with contextlib.suppress(PromptcutError):
                services.queue.cancel(job_id)
        print("\ncancelled", file=sys.stderr)
        return 130
    finally:
        bar.close()
        services.worker.stop()
    failed = _report(services, batch_id, args.json)
    services.database.close()
    return 1 if failed else 0


def _follow(event: dict, ids: set[str], progress: dict[str, float], bar: tqdm) -> str | None:
    """One event of the batch onto the bar (in-process and through a running bridge alike);
    the event's kind when it ends its job, else None."""
    job_id = event.get("job_id")
    if job_id not in ids:
        return None
    final = None
    if event["kind"] == "job.progress":
        d = event["data"]
        done = d["step"] / d["steps"] if d.get("steps") else 0.0
        progress[job_id] = max(progress[job_id], 90 * done)
        eta = f", ETA {d['eta_s']:.0f}s" if d.get("eta_s") is not None else ""
        bar.set_postfix_str(f"{d['phase']} {d['step']}/{d['steps']}{eta}")
    elif event["kind"] in FINAL:
        final = event["kind"]
        progress[job_id] = 100
    bar.n = int(sum(progress.values()))
    bar.refresh()
    return final


def _bar(takes: int) -> tqdm:
    # Progress frames only on a terminal: in a pipe or a log they are noise.
    return tqdm(total=takes * 100, unit="%", desc=f"{takes} take(s)",
                bar_format="{l_bar}{bar}| {postfix}", disable=not sys.stderr.isatty())


def _report(services, batch_id: str, as_json: bool = False) -> int:
    """Print each take's file (stdout) or failure (stderr); return how many failed."""
    conn = services.db()
    failed = 0
    rows = []
    for job in store.batch_jobs(conn, batch_id):
        take = store.get_take(conn, job.take_id) if job.take_id else None
        err = job.error.to_json() if job.error else {}
        rows.append({"job_id": job.id, "state": job.status.value, "take_id": job.take_id,
                     "file": take.media_path if take else None, "error": err or None})
        if job.status is JobState.DONE and job.take_id:
            if not as_json:
                print(take.media_path if take else job.take_id)
        else:
            failed += 1
            if not as_json:
                print(f"{job.status.value}: {err.get('message', '')}", file=sys.stderr)
    if as_json:
        from bridge.cli import print_json

        print_json({"batch_id": batch_id, "takes": rows})
    return failed


def _through_bridge(services, url: str, settings: Settings, args: argparse.Namespace) -> int:
    """Queue into the running bridge (its API validates as for the panel) and follow it."""
    from bridge.security import load_or_create_token

    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {load_or_create_token(settings.token_path)}"
    body = {k: v for k, v in (
        ("prompt", args.prompt), ("model", args.model), ("negative_prompt",
                                                         args.negative_prompt),
        ("takes", args.takes), ("seed", args.seed), ("width", args.width),
        ("height", args.height), ("num_frames", args.num_frames), ("steps", args.steps),
        ("fps", args.fps), ("guidance", args.guidance)) if v is not None}
    reply = http.post(f"{url}/api/v1/jobs", json=body, timeout=60)
    if reply.status_code >= 400:
        err = (reply.json() if reply.headers.get("content-type", "").startswith(
            "application/json") else {}).get("error", {})
        field = f" ({err['field']})" if err.get("field") else ""
        print(f"error{field}: {err.get('message', reply.text)}", file=sys.stderr)
        return 2
    batch = reply.json()
    ids = {j["id"] for j in batch["jobs"]}
    print(f"queued {len(ids)} take(s) in the running Promptcut at {url}", file=sys.stderr)
    progress = dict.fromkeys(ids, 0.0)
    bar = _bar(len(ids))
    after, epoch = 0, None
    left = set(ids)
    try:
        while left:
            query = {"after": after, "timeout": 5, **({"epoch": epoch} if epoch else {})}
            page = http.get(f"{url}/api/v1/events", params=query, timeout=30).json()
            after, epoch = page.get("last_seq", after), page.get("epoch", epoch)
            for event in page.get("events", []):
                if _follow(event, ids, progress, bar) is not None:
                    left.discard(event["job_id"])
            if page.get("reset") or not page.get("events"):
                # A restart or a quiet spell: ask the jobs themselves (events may be gone).
                for job_id in list(left):
                    job = http.get(f"{url}/api/v1/jobs/{job_id}", timeout=30).json()
                    if job.get("status") in ("done", "failed", "cancelled"):
                        left.discard(job_id)
    except KeyboardInterrupt:
        for job_id in left:
            with contextlib.suppress(requests.RequestException):
                http.post(f"{url}/api/v1/jobs/{job_id}/cancel", timeout=10)
        print("\ncancelled", file=sys.stderr)
        return 130
    except requests.RequestException as exc:
        print(f"lost the running Promptcut at {url}: {exc}; the takes stay queued there",
              file=sys.stderr)
        return 1
    finally:
        bar.close()
    return 1 if _report(services, batch["batch_id"], args.json) else 0

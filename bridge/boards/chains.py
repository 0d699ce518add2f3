"""Chains: a shot longer than its model's longest take, covered by takes laid end to end.

When one take cannot reach a shot's length, durations.take_plan lists the frame counts of a
chain: a first take, then continuations, each starting on the last frame of the link before
(`init_image: {"take_id": <previous take>, "frame": "last"}`, `parent_take_id` set). The
cut lays a picked chain back to back (otio_export.assemble), so the shot is covered.

Design: the bridge, not the panel, queues each next link, because the panel may be closed
while a chain runs for an hour.
- A chain is a row of its own (bridge.boards.store), not part of the shot's JSON,
  so an editor's edit of the shot never overwrites a chain's progress, and the running
  chains are one indexed query away.
- `advance` is the one step function: it reads the chain and its current link's job from
  the database and does what that state calls for (record the finished take, queue the
  next link, finish, or stop on a failed or cancelled link). It holds no state of its own,
  so calling it again, at any time, is harmless: that is what makes it safe to drive by
  events and to resume after a restart.
- Queueing a link is idempotent: each link's batch has the client key `<chain id>.<link>`,
  so a crash between queueing a link and recording its job cannot queue it twice.
- The ChainFollower thread drives `advance` from the event bus: at start (after the
  worker's recovery), and again after every `take.created`, `job.failed` and
  `job.cancelled` (or a reset of the bus), for every running chain.
- A finished chain makes its last link the shot's pick when the shot has none, so the cut
  holds the whole chain; an editor's own pick is never replaced.
- A link whose job failed for a reason that was not its own (the process stopped while it
  ran, as often as the job's attempts allow: code "crashed") is queued again when the chain
  is resumed (at start-up, or by the next event), up to MAX_RETRIES times; a link that
  failed on its own (a bad request, a cancel) ends the chain.

The board service (bridge.boards.service) starts the follower at start-up and is passed to
every function here: it holds the library, the queue and the shot's pick.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge import faults
from bridge.boards import store as boards_store
from bridge.boards.records import Chain
from bridge.engine.events import EventBus, EventKind
from bridge.engine.queue import SEED_SPACE, Submission, new_id
from bridge.engine.records import JobState
from bridge.errors import PromptcutError
from bridge.library import direct, start_image, store
from bridge.looks import moves
from bridge.request import GenerationRequest

if TYPE_CHECKING:
    from bridge.boards.service import BoardService

__all__ = ["Chain", "ChainFollower", "advance", "start"]

log = logging.getLogger("promptcut.chains")
WAKE_KINDS = {EventKind.TAKE_CREATED.value, EventKind.JOB_FAILED.value,
              EventKind.JOB_CANCELLED.value}
POLL_S = 30.0
MAX_RETRIES = 3  # links queued again after a failure that was not their own
NOT_OWN_FAILURES = {"crashed"}
_ADVANCING = threading.Lock()  # one library per process (LibraryLock): one chain step at once


def start(service: BoardService, sub: Submission, links: list[int]) -> Chain:
    """Record a chain for `sub`'s shot and queue its first link. A first link the queue
    refuses (a bad field, a full queue) raises, leaving the chain failed with the reason."""
    seed = sub.seed if sub.seed is not None else secrets.randbelow(SEED_SPACE)
    preset = _preset(service, sub.request.model)
    # Links that hold on frames overlap more: plan for that (a chain for timed prompts
    # comes planned on its sections, bridge.library.direct.section_links).
    if preset is not None and not sub.request.prompts:
        links = direct.chain_links(preset, links)
    chain = Chain(id=new_id("ch"), shot_id=str(sub.shot_id), board_id=str(sub.board_id),
                  links=list(links), request=sub.request.replace(seed=seed).to_dict(),
                  priority=sub.priority, min_memory_gb=sub.min_memory_gb, force=sub.force)
    conn = service.conn
    with _ADVANCING:
        boards_store.insert_chain(conn, chain)
        try:
            _queue_link(service, chain, 0)
        except PromptcutError as err:
            _end(conn, chain, "failed", f"The first link could not be queued: {err.message}")
            raise
    return chain


def advance(service: BoardService, chain_id: str) -> Chain | None:
    """Bring a running chain as far as its jobs allow (see the module's docstring)."""
    with _ADVANCING:
        chain = boards_store.get_chain(service.conn, chain_id)
        while chain is not None and chain.state == "running" and _step(service, chain):
            pass
        return chain


def _step(service: BoardService, chain: Chain) -> bool:
    """One move of a running chain; False when it must wait for a job (or is over)."""
    conn = service.conn
    k, count = len(chain.takes), len(chain.links)
    if k >= count:
        _finish(service, chain)
        return False
    if len(chain.jobs) <= k:
        if k:
            faults.point("chains.before_next_link")  # a crash here: the restart queues it
        try:
            _queue_link(service, chain, k)
        except PromptcutError as err:
            _end(conn, chain, "failed", f"Link {k + 1} of {count} could not be queued: "
                 f"{err.message}")
        return False
    job = store.get_job(conn, chain.jobs[k])
    if job is not None and job.status is JobState.FAILED and job.error is not None \
            and job.error.code in NOT_OWN_FAILURES and chain.retries < MAX_RETRIES:
        chain.retries += 1  # not the link's fault: queue it again (module docstring)
        chain.jobs = chain.jobs[:k]
        chain.message = f"Link {k + 1} of {count} was interrupted; queued again."
        boards_store.update_chain(conn, chain)
        return True
    if job is None or job.status in (JobState.FAILED, JobState.CANCELLED):
        state = "cancelled" if job is not None and job.status is JobState.CANCELLED \
            else "failed"
        why = job.error.message if job is not None and job.error else f"it was {state}"
        _end(conn, chain, state, f"Link {k + 1} of {count} did not finish: {why}")
        return False
    if job.status is not JobState.DONE:
        return False  # queued or running: its take.created (or failure) wakes us again
    take = store.get_take(conn, str(job.take_id))
    if take is None:
        _end(conn, chain, "failed", f"The take of link {k + 1} was deleted, so the chain "
             "cannot continue from it; generate the chain again.")
        return False
    chain.takes.append(take.id)
    chain.message = f"Link {k + 1} of {count} done."
    boards_store.update_chain(conn, chain)
    return True


def _queue_link(service: BoardService, chain: Chain, k: int) -> None:
    assert service.queue is not None
    conn = service.conn
    request = GenerationRequest.from_dict(chain.request).replace(num_frames=chain.links[k])
    if request.prompts:  # timed prompts: each link is a plain take with its section's prompt
        prompt = direct.link_prompt(_preset(service, request.model), request, chain.links, k)
        request = request.replace(prompt=prompt, prompts=(), sections_as=None)
    if k:
        previous = chain.takes[k - 1]
        # On the last frames of the link before where the model can (trimmed in the cut),
        # else on its last frame (bridge.library.direct).
        cont = direct.continue_from(conn, service.settings.images_dir, previous,
                                    _preset(service, request.model), chain.links[k])
        request = request.replace(init_image=cont.init_image, video=cont.video,
                                  parent_take_id=previous)
        if request.camera is not None:  # an infinite zoom pushes in again from here
            last = cont.init_image or start_image.from_take(
                conn, service.settings.images_dir, previous, "last")
            request = moves.next_link(request, last, service.settings.images_dir)
    # One key per link and try: a crash between queueing and recording queues nothing twice.
    key = f"{chain.id}.{k}" + (f".r{chain.retries}" if chain.retries else "")
    sub = Submission(request=request, takes=1, seed=request.seed, priority=chain.priority,
                     client_key=key, min_memory_gb=chain.min_memory_gb,
                     force=chain.force, shot_id=chain.shot_id, board_id=chain.board_id)
    _, jobs, _ = service.queue.submit(sub)
    chain.jobs.append(jobs[0].id)
    chain.message = f"Link {k + 1} of {len(chain.links)} queued."
    boards_store.update_chain(conn, chain)


def _preset(service: BoardService, model: str) -> object | None:
    """The model's preset from the generator the queue resolves with (None: a model this
    bridge does not run itself), read through it so the boards do not import presets."""
    presets = getattr(service.generator, "presets", None)
    return presets().get(model) if callable(presets) else None


def _finish(service: BoardService, chain: Chain) -> None:
    picked = ""
    if service.pick_if_none(chain.shot_id, chain.takes[-1]):
        picked = " Its last take is the shot's pick, so the cut holds the whole chain."
    _end(service.conn, chain, "done", f"All {len(chain.links)} links done.{picked}")


def _end(conn: sqlite3.Connection, chain: Chain, state: str, message: str) -> None:
    chain.state, chain.message = state, message
    boards_store.update_chain(conn, chain)
    log.info("chain %s of shot %s %s: %s", chain.id, chain.shot_id, state, message)


class ChainFollower:
    """The thread that queues each next link as the one before finishes (module docstring).

    `ready` says when the worker has recovered the library (a job that was running at a
    crash is queued again first); until then, and for an app whose worker never starts,
    nothing is advanced.
    """

    def __init__(self, service: BoardService, events: EventBus,
                 ready: Callable[[], bool]) -> None:
        self.service, self.events, self.ready = service, events, ready
        self._thread = threading.Thread(target=self._run, name="promptcut-chains",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def advance_all(self) -> None:
        for chain in boards_store.running_chains(self.service.conn):
            try:
                advance(self.service, chain.id)
            except (sqlite3.Error, OSError) as exc:  # the next event tries again
                log.warning("chain %s could not advance now: %s", chain.id, exc)

    def _run(self) -> None:
        while not self.ready():
            if self.events.closed:
                return
            time.sleep(0.1)
        after = self.events.last_seq  # events from here on are seen: none falls between
        self._guarded()
        while not self.events.closed:
            poll = self.events.poll(after, timeout=POLL_S, epoch=self.events.epoch)
            after = poll.last_seq
            if poll.reset or any(e["kind"] in WAKE_KINDS for e in poll.events):
                self._guarded()
            for e in poll.events:  # a finished final replaces its draft as the pick
                if e["kind"] == EventKind.TAKE_CREATED.value and e.get("take_id"):
                    self._promote(str(e["take_id"]))

    def _promote(self, take_id: str) -> None:
        try:
            self.service.promote_final(take_id)
        except Exception:  # never let the follower die over one take
            log.exception("making final %s the pick failed", take_id)

    def _guarded(self) -> None:
        try:
            self.advance_all()
        except Exception:  # never let the follower die: the next event tries again
            log.exception("advancing chains failed")

"""The services a handler may call, built once per app and passed explicitly (no globals).

`build_services` wires the parts together: the database, the event bus, the catalog
generator (resolve and models, from any thread), one executor per device (or those a caller
passes: Ray actors, providers), the queue with its limits, and the worker.

Start-up and stop happen here and nowhere else: `Services.start` starts the worker (which
recovers the library first) and then each background service in `background`, in order;
`Services.close` stops them in reverse order, then the worker, then closes the database.
A background service is anything with `name`, `start(services)` and `stop()` (the
`Background` protocol): a thread that follows chains, a restore of board files at start.
Blueprints only route requests; they start nothing.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridge import security
from bridge.boards import service as boards
from bridge.config import Settings
from bridge.engine.events import EventBus
from bridge.engine.executors.base import Executor
from bridge.engine.queue import Queue
from bridge.engine.worker import Worker
from bridge.generators.base import Generator
from bridge.library import credentials, store
from bridge.library.db import Database
from bridge.library.records import SetAside
from bridge.pairing import Pairing

API = "/api/v1"


log = logging.getLogger("promptcut.services")


class Background(Protocol):
    """A part that runs beside the requests, started and stopped by `Services` only."""

    name: str

    def start(self, services: Services) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Services:
    """Everything a handler may call; built once per app, passed explicitly, no globals."""

    settings: Settings
    database: Database
    events: EventBus
    generator: Generator
    queue: Queue
    worker: Worker
    token: str
    pairing: Pairing = field(default_factory=Pairing)
    extras: dict[str, Any] = field(default_factory=dict)
    background: list[Background] = field(default_factory=list)
    # what start-up could not read and left out (kept on disk), for the log and /health
    set_aside: list[SetAside] = field(default_factory=list)
    _started: list[Background] = field(default_factory=list)

    def db(self):
        return self.database.conn()

    def start(self) -> None:
        """The worker (recovering the library first), then each background service.
        Raises LibraryBusy when another process works on this library."""
        self.worker.start()
        if self.worker.recovery is not None:
            self.set_aside += self.worker.recovery.set_aside
        for part in self.background:
            part.start(self)
            self._started.append(part)

    def begin_stop(self) -> None:
        """The stop has begun (a signal): wake the waiting clients and cancel the running
        steps now, while the server lets its requests finish."""
        self.events.close()
        self.worker.begin_stop()

    def close(self) -> bool:
        """A clean stop, bounded by `settings.stop_timeout_s`: wake the waiting clients,
        stop the worker (running jobs are queued again, uncounted), then checkpoint and close
        the database so its file alone is a backup. False when a thread was abandoned
        mid-step: the process must then exit without waiting for it (bridge.server)."""
        self.events.close()
        for part in reversed(self._started):
            try:
                part.stop()
            except Exception:  # one part failing to stop must not keep the library open
                log.warning("stopping %s failed", part.name, exc_info=True)
        self._started.clear()
        boards.stop(self)  # its chain follower ends with the event bus
        clean = self.worker.stop(self.settings.stop_timeout_s)
        if (cluster := self.extras.get("ray")) is not None:
            cluster.close()
        self.database.close()
        return clean

    def signed(self, path: str) -> str:
        """A media URL that works in a <video> or <img> without the token."""
        exp, sig = security.sign_path(self.token, path, self.settings.signed_url_ttl_s)
        return f"{API}/media/{path}?exp={exp}&sig={sig}"


def build_services(settings: Settings, generator: Generator | None = None,
                   executors: list[Executor] | None = None) -> Services:
    """The catalog generator answers `resolve` and `models` from any thread; each executor
    runs jobs on one device (by default one per detected device, see --devices).

    Everything this process creates from here on is the user's alone (files 0600, folders
    0700): the umask is the one place that covers every writer (SQLite, the take writer,
    uploads, timelines) at once."""
    if os.name != "nt":
        os.umask(0o077)
    settings.ensure_dirs()
    token = security.load_or_create_token(settings.token_path)
    database = Database(settings.db_path, settings.db_busy_timeout_s)
    store.set_media_root(database.conn(), settings.media_dir)
    events = EventBus()
    if generator is None:
        from bridge.generators.diffusers_backend import DiffusersGenerator

        generator = DiffusersGenerator(settings)
    from bridge import providers
    from bridge.providers.catalog import Catalog

    catalog = Catalog(generator, settings.data_dir)
    cluster = None
    if executors is None:
        if settings.executor == "ray":
            cluster = _ray_cluster(settings, generator)
            executors = list(cluster.executors())
        else:
            executors = local_executors(settings, generator)
        executors += providers.executors(settings.data_dir, settings.images_dir)
    generator = catalog
    queue = Queue(database, events, generator, max_queued=settings.max_queued,
                  capacity=lambda req, mem: _capacity(executors, req, mem),
                  speed=lambda req: _speed(database, executors, req),
                  max_estimate_s=settings.max_estimate_s)
    worker = Worker(settings, database, events, queue, executors,
                    signer=credentials.take_signer(settings, database))
    services = Services(settings, database, events, generator, queue, worker, token)
    boards.attach(services)  # started by create_app (bridge.boards.service.start)
    if cluster is not None:
        cluster.on_change = lambda: worker.sync_executors(cluster.executors(), "ray")
        services.extras["ray"] = cluster
    return services


def _ray_cluster(settings: Settings, generator: Generator):
    """Join the Ray cluster, or say in one sentence why not (serve prints it and stops)."""
    from bridge.errors import CannotStart

    try:
        from bridge.engine.executors.ray import start_cluster
    except ImportError as exc:
        raise CannotStart("--executor ray needs Ray on this machine and every node: "
                          "pip install 'promptcut[ray]'.") from exc
    try:
        return start_cluster(settings.ray_address, generator.presets)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = settings.ray_address or "this machine's cluster (ray start --head)"
        raise CannotStart(f"Could not join the Ray cluster at {where}: {exc}") from exc


def local_executors(settings: Settings, generator: Generator) -> list[Executor]:
    from bridge.engine.executors.local import LocalExecutor, parse_devices

    manager = getattr(generator, "manager", None)
    specs = parse_devices(settings.devices, settings.device)
    return [LocalExecutor(settings, spec, i, manager=manager) for i, spec in enumerate(specs)]


def _capacity(executors: list[Executor], request, min_memory_gb: float | None) -> str | None:
    """None when some executor could run the request, else why none can."""
    reasons = [ex.refuses(request, min_memory_gb) for ex in executors]
    if not executors or all(reasons):
        return ("No device of this Promptcut can run this job: "
                + ("; ".join(r for r in reasons if r) or "there are no executors") + ".")
    return None


def _speed(database: Database, executors: list[Executor], request) -> float:
    from bridge.engine.estimate import speed_for

    kinds = {ex.info.device.split(":")[0] for ex in executors if ex.info.kind == "local"}
    kind = "cuda" if "cuda" in kinds else ("mps" if "mps" in kinds else "cpu")
    if any(ex.info.kind != "local" for ex in executors):
        kind = "cuda"  # a cluster or a provider: assume an accelerator
    return speed_for(database.conn(), request.model, kind)



"""The services a handler may call, built once per app and passed explicitly (no globals).

`build_services` wires the parts together: the database, the event bus, the catalog
generator (resolve and models, from any thread), one executor per device (or those a caller
passes: Ray actors, providers), the queue with its limits, and the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridge import security
from bridge.config import Settings
from bridge.engine.events import EventBus
from bridge.engine.executors.base import Executor
from bridge.engine.queue import Queue
from bridge.engine.worker import Worker
from bridge.generators.base import Generator
from bridge.library import credentials, store
from bridge.library.db import Database
from bridge.pairing import Pairing

API = "/api/v1"


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

    def db(self):
        return self.database.conn()

    def close(self) -> None:
        """A clean stop: wake the waiting clients, stop the worker (running jobs are queued
        again), then checkpoint and close the database so its file alone is a backup."""
        self.events.close()
        self.worker.stop()
        if (cluster := self.extras.get("ray")) is not None:
            cluster.close()
        self.database.close()

    def signed(self, path: str) -> str:
        """A media URL that works in a <video> or <img> without the token."""
        exp, sig = security.sign_path(self.token, path, self.settings.signed_url_ttl_s)
        return f"{API}/media/{path}?exp={exp}&sig={sig}"


def build_services(settings: Settings, generator: Generator | None = None,
                   executors: list[Executor] | None = None) -> Services:
    """The catalog generator answers `resolve` and `models` from any thread; each executor
    runs jobs on one device (by default one per detected device, see --devices)."""
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



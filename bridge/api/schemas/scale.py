"""Bodies of /workers and /providers: where jobs run, and the cloud providers' keys."""

from __future__ import annotations

from pydantic import Field

from bridge.api.schemas.common import Answer, Body, text
from bridge.engine.executors.base import NodeDetails


class WorkerOut(Answer):
    id: str = Field(description="local:cuda:0, ray:<node>:<slot>, provider:fal:0")
    kind: str = Field(description="local | ray | provider")
    node: str = Field(description="the machine: host name, Ray node id, or provider name")
    device: str = Field(description="cuda:0, mps, cpu, or `cloud`")
    memory_gb: float | None = Field(description="the device's total memory, when known")
    warm_model: str | None = Field(description="the preset loaded now (its jobs go first)")
    job_id: str | None = Field(description="the job it runs now")
    state: str = Field(description="idle | busy | stopping | retrying | lost | stopped")
    reason: str | None = Field(description="why it is not taking work, when it is not")
    details: NodeDetails = Field(description="the process it runs in, as a remote executor "
                                 "reports it (Ray: host, GPU ids, CPU threads); empty for "
                                 "local and provider executors")


class WorkerList(Answer):
    workers: list[WorkerOut]


class DownloadIn(Body):
    model: text(200, min_length=1) = Field(description="a preset name from GET /models")


class DownloadOut(Answer):
    worker: str
    model: str
    started: bool


class ProviderOut(Answer):
    name: str
    label: str
    has_key: bool
    key_hint: str | None = Field(description="the stored key's last four characters; the "
                                 "key itself is never returned")
    docs: str
    how: str = Field(description="where to get a key")
    paid: bool
    models: list[str]


class ProviderList(Answer):
    providers: list[ProviderOut]


class KeyIn(Body):
    key: text(4096, min_length=1, strip=True) = Field(description="the provider's API key")


class ProviderAnswer(Answer):
    provider: ProviderOut
    removed: bool | None = None

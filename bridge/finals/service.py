"""Drafts and finals: "Finish" a take, with an estimate first.

One service that the HTTP handlers (bridge.api.finals) call and that the board service
can call for "finish all picks of a board": `estimate(services, take_id)` says what the
final would be and about how long it would take; `finish(services, take_id)` queues it.
The final is a new take of the draft's shot and board, with the draft as its parent (in
its row, its record and its Content Credentials, where the parent take is an ingredient)
and a `final` record in its request naming the draft and the route
(bridge.generators.finish). Making the final the shot's pick is the board's to do with the
take id this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.errors import InvalidRequest, NotFound
from bridge.library import store
from bridge.library.records import Take
from bridge.request import GenerationRequest, Submission


@dataclass(frozen=True)
class FinishPlan:
    """What finishing a draft would do: the final's request and its estimated cost."""

    draft: Take
    request: GenerationRequest  # the final's, resolved against its preset
    estimate_s: float | None  # None when this machine has no figure for the model yet
    limit_s: float

    def to_json(self) -> dict[str, Any]:
        f = self.request.final
        assert f is not None
        return {
            "take_id": self.draft.id, "model": self.request.model, "route": f.route,
            "draft": {"width": f.draft_width, "height": f.draft_height,
                      "steps": f.draft_steps},
            "delivery": {"width": int(self.request.width or 0),
                         "height": int(self.request.height or 0),
                         "num_frames": int(self.request.num_frames or 0),
                         "steps": int(self.request.steps or 0)},
            "refine": ({"strength": f.refine_strength, "steps": f.refine_steps}
                       if f.route == "latent_upsample" else None),
            "estimate_s": None if self.estimate_s is None else round(self.estimate_s, 1),
            "limit_s": self.limit_s,
        }


def plan(services: Any, take_id: str) -> FinishPlan:
    """The final of take `take_id`; 4xx naming the field when it cannot be finished."""
    from bridge import providers
    from bridge.generators import finish
    from bridge.generators.presets import get_preset

    take = store.get_take(services.db(), take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="take_id")
    if providers.is_provider_model(take.model):
        raise InvalidRequest(
            f"Take '{take_id}' was made by the cloud model '{take.model}'; Finish re-renders "
            "on this machine from the same seed, which a cloud model cannot do. Make it "
            "again at the size you deliver, or finish a take of a local model.",
            field="model", code="not_finishable", details={"model": take.model})
    presets = services.generator.presets()
    preset = get_preset(presets, take.model)
    draft = GenerationRequest.from_dict(take.record.get("request") or {})
    final = services.generator.resolve(finish.plan(draft, take.id, preset))
    speed = getattr(services.queue, "speed", None)
    k = speed(final) if speed is not None else None
    estimate = k * finish.work_units(final) if k else None
    return FinishPlan(take, final, estimate, float(services.settings.max_estimate_s))


def estimate(services: Any, take_id: str) -> dict[str, Any]:
    return plan(services, take_id).to_json()


def finish(services: Any, take_id: str, *, priority: int = 0, force: bool = False,
           client_key: str | None = None) -> tuple[str, list, bool]:
    """Queue the final of `take_id`: (batch id, jobs, created), like a submission. Its
    take id is `jobs[0].take_id` once the job is done."""
    p = plan(services, take_id)
    if not force and p.estimate_s is not None and p.estimate_s > p.limit_s:
        raise InvalidRequest(
            f"Finishing '{take_id}' would take about {p.estimate_s / 60:.0f} minutes here; "
            f"the limit is {p.limit_s / 60:.0f}. Send \"force\": true to run it anyway.",
            field="force", code="too_slow",
            details={"estimate_s": round(p.estimate_s), "limit_s": round(p.limit_s)})
    # The duration was checked above with the final's own cost (the draft pass is priced
    # at the draft size); the queue's generic check would price every step at full size.
    sub = Submission(request=p.request, seed=p.request.seed, priority=priority,
                     client_key=client_key, force=True, shot_id=p.draft.shot_id,
                     board_id=p.draft.board_id)
    return services.queue.submit(sub)

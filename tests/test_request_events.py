"""Small real units: the request record round trip, and the event bus's sequence rules."""

from __future__ import annotations

import threading
import time

import pytest

from bridge.engine.events import EventBus
from bridge.engine.queue import batch_seeds
from bridge.engine.records import TRANSITIONS, JobState
from bridge.library.names import take_stem
from bridge.request import GenerationRequest, InitImage, MemoryProfile


def test_request_round_trip_keeps_every_field():
    full = GenerationRequest(
        prompt="a fox ü", model="tiny", negative_prompt="blur", seed=2**32 - 1, steps=8,
        guidance=1.5, width=64, height=32, num_frames=17, fps=23.976,
        init_image=InitImage(sha256="a" * 64, source="take_frame", take_id="t1", frame="last"),
        parent_take_id="t1", memory_profile=MemoryProfile.GROUP_OFFLOAD,
        cache="first_block_cache", compile=True)
    data = full.to_dict()
    assert data["memory_profile"] == "group_offload"
    assert GenerationRequest.from_dict(data) == full
    minimal = GenerationRequest(prompt="p")
    assert minimal.to_dict() == {"schema_version": 1, "prompt": "p", "model": "ltx-video",
                                 "seed": 0}
    assert GenerationRequest.from_dict(minimal.to_dict()) == minimal


def test_request_from_newer_schema_is_refused():
    with pytest.raises(ValueError, match="newer"):
        GenerationRequest.from_dict({"prompt": "p", "schema_version": 99})


def test_batch_seeds_are_distinct_and_wrap():
    assert batch_seeds(5, 3) == [5, 6, 7]
    assert batch_seeds(2**32 - 1, 2) == [2**32 - 1, 0]
    random_batch = batch_seeds(None, 64)
    assert len(set(random_batch)) == 64


def test_take_stem_is_a_safe_file_name():
    stem = take_stem('a "quoted" prompt: with/slashes\\ and é 東京 ...', 7, "t123")
    assert stem.endswith("_s7_t123")
    assert not any(c in stem for c in '<>:"/\\|?*')
    assert take_stem("", 1, "t9") == "take_s1_t9"


def test_terminal_states_have_no_way_out():
    for state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED):
        assert TRANSITIONS[state] == frozenset()
    assert JobState.CANCELLED in TRANSITIONS[JobState.QUEUED]


def test_event_bus_sequence_wait_and_reset():
    bus = EventBus(capacity=5)
    assert bus.poll(0).events == []
    for i in range(3):
        bus.publish("job.queued", job_id=f"j{i}")
    poll = bus.poll(1)
    assert [e["seq"] for e in poll.events] == [2, 3] and not poll.reset
    # Waiting: a publish from another thread wakes the poll before its timeout.
    timer = threading.Timer(0.2, lambda: bus.publish("job.done", job_id="j0"))
    timer.start()
    t0 = time.monotonic()
    woke = bus.poll(3, timeout=5)
    assert [e["kind"] for e in woke.events] == ["job.done"]
    assert time.monotonic() - t0 < 2
    # Fell off the buffer's end, or came from another epoch: reset, with what is left.
    for _ in range(10):
        bus.publish("job.progress")
    old = bus.poll(1)
    assert old.reset and old.events[0]["seq"] == bus.last_seq - 4
    other = bus.poll(bus.last_seq, epoch="not-this-one")
    assert other.reset and other.epoch == bus.epoch
    with pytest.raises(ValueError):
        bus.publish("not.a.kind")

"""Model presets for drafts and finals, without loading a model: which preset is the
default for a card, what a final's request is, and what cannot be finished."""

from __future__ import annotations

import pytest

from bridge.errors import Conflict, InvalidRequest
from bridge.generators import finish
from bridge.generators.presets import BUILTIN, default_for
from bridge.request import GenerationRequest

PRESETS = {p.name: p for p in BUILTIN}


def test_the_default_model_follows_the_card():
    assert default_for(24, PRESETS).name == "ltx-video-0.9.8-distilled"
    assert default_for(48, PRESETS).name == "ltx-video-0.9.8-distilled"
    assert default_for(80, PRESETS).name == "ltx-2"
    assert default_for(12, PRESETS) is None
    ltx98 = PRESETS["ltx-video-0.9.8-distilled"]
    assert ltx98.t2v_class == ltx98.condition_class == "LTXConditionPipeline"
    assert PRESETS["ltx-2"].t2v_class == "LTX2Pipeline"


def test_a_final_keeps_the_draft_and_changes_only_size_and_route():
    draft = GenerationRequest(prompt="a fox", model="tiny", seed=9, width=64, height=32,
                              num_frames=9, steps=2, negative_prompt="blur")
    final = finish.plan(draft, "t1", PRESETS["tiny"])
    assert (final.width, final.height) == (128, 64) and final.parent_take_id == "t1"
    assert final.replace(width=64, height=32, parent_take_id=None, final=None) == draft
    back = GenerationRequest.from_dict(final.to_dict())
    assert back == final and back.final.draft_take_id == "t1"
    with pytest.raises(Conflict) as again:
        finish.plan(final, "t2", PRESETS["tiny"])
    assert again.value.field == "take_id"
    with pytest.raises(InvalidRequest) as big:  # tiny's largest size is 512
        finish.plan(draft.replace(width=320), "t3", PRESETS["tiny"])
    assert big.value.field == "width"


def test_a_full_render_final_keeps_the_drafts_shape():
    wan = PRESETS["wan2.1-t2v-1.3b"]  # 832x480 by default, multiples of 16
    draft = GenerationRequest(prompt="a fox", model=wan.name, width=416, height=240,
                              num_frames=81, steps=10)
    final = finish.plan(draft, "t1", wan)
    assert final.final.route == "full_render" and final.steps == wan.steps
    assert (final.width, final.height) == (832, 480)

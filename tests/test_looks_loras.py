"""The LoRA shelf and LoRAs on a warm pipeline, with real LoRAs made here by peft.

The LoRAs are trained for nothing: peft builds random (non-zero) A and B matrices for the
tiny transformers, saved in diffusers' own LoRA format, so the real loading path runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bridge.errors import Conflict, GenerationFailed, InvalidRequest, NotFound
from bridge.generators import adapters
from bridge.generators.tiny import ensure_tiny, quiet_loading
from bridge.looks import lora_check, loras

SHELF = "Looks é 東京"


def make_lora(pipe_cls, models: Path, kind: str, out: Path, seed: int) -> Path:
    """A rank-4 LoRA on the attention projections of tiny model `kind`."""
    import torch
    from peft import LoraConfig, get_peft_model_state_dict

    pipe = pipe_cls.from_pretrained(ensure_tiny(models, kind))
    config = LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                        target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    torch.manual_seed(seed)
    pipe.transformer.add_adapter(config, adapter_name="make")
    state = get_peft_model_state_dict(pipe.transformer, adapter_name="make")
    pipe_cls.save_lora_weights(out, transformer_lora_layers=state)
    return out / "pytorch_lora_weights.safetensors"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    from diffusers import LTXPipeline, WanPipeline

    quiet_loading()
    root = tmp_path_factory.mktemp("looks kit")
    models = root / "models é"
    return {
        "models": models,
        "ltx": ensure_tiny(models, "ltx"),
        "style": make_lora(LTXPipeline, models, "ltx", root / "style a", seed=1),
        "grain": make_lora(LTXPipeline, models, "ltx", root / "grain b", seed=2),
        "wan": make_lora(WanPipeline, models, "wan", root / "wan c", seed=3),
    }


def render(pipe, seed: int = 0) -> np.ndarray:
    import torch

    out = pipe("a couple at a table", width=32, height=32, num_frames=9,
               num_inference_steps=2, guidance_scale=1.0, output_type="np",
               generator=torch.Generator().manual_seed(seed))
    return np.asarray(out.frames[0])


def test_the_shelf_adds_renames_trashes_and_restores_without_touching_the_file(kit, tmp_path):
    data = tmp_path / SHELF
    style = kit["style"]
    before = style.read_bytes()
    lo = loras.add(data, name="Film look", path=str(style), trigger_words=["fl1m", "fl1m"],
                   family="ltx")
    assert lo.sha256 == loras.sha256_of(style) and lo.layers == 16 and lo.rank == 4
    assert lo.trigger_words == ["fl1m"]  # 16 layers: 2 blocks x 2 attentions x q, k, v, out
    with pytest.raises(Conflict) as same:
        loras.add(data, name="Another", path=str(style))
    assert same.value.field == "path"
    with pytest.raises(Conflict):
        loras.add(data, name="film LOOK", path=str(kit["grain"]))  # names ignore case

    renamed = loras.update(data, lo.id, name="Warm film", trigger_words=["w4rm"])
    assert loras.get(data, "warm film").id == lo.id and renamed.trigger_words == ["w4rm"]
    loras.remove(data, lo.id)
    assert loras.list_loras(data) == [] and loras.list_loras(data, trashed=True)[0].id == lo.id
    with pytest.raises(Conflict) as trashed:
        loras.resolve(data, [("Warm film", 1.0)])
    assert trashed.value.field == "loras[0].lora"
    loras.restore(data, lo.id)
    assert [x.name for x in loras.list_loras(data)] == ["Warm film"]
    assert style.read_bytes() == before  # the file is the user's: never moved or changed
    saved = json.loads(loras.shelf_path(data).read_text(encoding="utf-8"))
    assert saved["schema_version"] == loras.SCHEMA and len(saved["loras"]) == 1


def test_bad_input_is_refused_by_field(kit, tmp_path):
    data = tmp_path / SHELF
    not_lora = tmp_path / "notes.safetensors"
    not_lora.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    cases = [
        (dict(name="x", path=str(not_lora)), "path"),
        (dict(name="x", path="relative.safetensors"), "path"),
        (dict(name="x", path=str(kit["style"]), family="sdxl"), "family"),
        (dict(name="", path=str(kit["style"])), "name"),
        (dict(name="x"), "path"),
        (dict(name="x", repo_id="nobody/not-cached", hf_cache=tmp_path / "hub"), "repo_id"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidRequest) as err:
            loras.add(data, **kwargs)
        assert err.value.field == field, kwargs
    loras.add(data, name="ok", path=str(kit["style"]))
    with pytest.raises(InvalidRequest) as heavy:
        loras.resolve(data, [("ok", 9.0)])
    assert heavy.value.field == "loras[0].weight"
    with pytest.raises(NotFound) as missing:
        loras.resolve(data, [("ok", 1.0), ("nope", 1.0)])
    assert missing.value.field == "loras[1].lora"


def test_a_damaged_shelf_is_never_read_as_empty(kit, tmp_path):
    data = tmp_path / SHELF
    loras.add(data, name="one", path=str(kit["style"]))
    path = loras.shelf_path(data)
    path.write_text('{"schema_version": 1, "loras": [', encoding="utf-8")
    with pytest.raises(Conflict):
        loras.add(data, name="two", path=str(kit["grain"]))
    assert path.read_text(encoding="utf-8") == '{"schema_version": 1, "loras": ['


def test_a_lora_for_another_architecture_is_refused_from_the_files(kit):
    assert lora_check.guess_family(list(lora_check.read_file(kit["wan"]))) == "wan"
    assert lora_check.check_fits("LTXPipeline", kit["ltx"], kit["style"]) == []
    problems = lora_check.check_fits("LTXPipeline", kit["ltx"], kit["wan"])
    assert problems and "has no layer 'blocks.0.attn1.to_q'" in " ".join(problems)


def test_a_lora_changes_the_output_and_switching_it_off_gives_the_base_exactly(kit, tmp_path):
    from diffusers import LTXPipeline

    data = tmp_path / SHELF
    a = loras.add(data, name="style", path=str(kit["style"]), family="ltx")
    b = loras.add(data, name="grain", path=str(kit["grain"]), family="ltx")
    pipe = LTXPipeline.from_pretrained(kit["ltx"])
    pipe.set_progress_bar_config(disable=True)
    state = adapters.Adapters()
    base = render(pipe)

    def use(*pairs):
        return adapters.apply(pipe, state, loras.resolve(data, list(pairs)), data,
                              model_folder=kit["ltx"])

    recorded = use((a.name, 1.0))
    with_a = render(pipe)
    assert recorded == [{"id": a.id, "name": "style", "sha256": a.sha256, "weight": 1.0}]
    assert np.abs(with_a - base).max() > 1e-3
    use()
    assert np.array_equal(render(pipe), base)
    use((a.name, 1.0), (b.name, 0.0))
    assert np.allclose(render(pipe), with_a, atol=1e-6)  # b at weight 0 adds nothing
    use((b.name, 1.0))
    with_b = render(pipe)
    use((a.name, 0.5), (b.name, 0.5))
    mixed = render(pipe)
    assert not np.allclose(mixed, with_a, atol=1e-4) and not np.allclose(mixed, with_b,
                                                                          atol=1e-4)
    use((a.name, 1.0))
    assert np.allclose(render(pipe), with_a, atol=1e-6)
    assert state.loads == 2  # each adapter loaded once; every switch after that is free


def test_a_changed_or_wrong_lora_fails_with_a_sentence_not_inside_diffusers(kit, tmp_path):
    from diffusers import LTXPipeline

    data = tmp_path / SHELF
    wrong = loras.add(data, name="wan look", path=str(kit["wan"]))
    pipe = LTXPipeline.from_pretrained(kit["ltx"])
    state = adapters.Adapters()
    with pytest.raises(GenerationFailed) as err:
        adapters.apply(pipe, state, loras.resolve(data, [("wan look", 1.0)]), data,
                       model_folder=kit["ltx"])
    assert err.value.code == "lora_incompatible" and "wan look" in err.value.message
    assert state.loads == 0 and wrong.family == "wan"

    copy = tmp_path / "copy é.safetensors"
    copy.write_bytes(kit["grain"].read_bytes())
    loras.add(data, name="copied", path=str(copy))
    applied = loras.resolve(data, [("copied", 1.0)])
    copy.write_bytes(kit["style"].read_bytes())  # the user overwrote the file since
    with pytest.raises(InvalidRequest) as changed:
        adapters.apply(pipe, state, applied, data, model_folder=kit["ltx"])
    assert changed.value.code == "lora_changed"


def test_a_job_applies_shelf_loras_records_them_and_refuses_a_wrong_one_before_queueing(
        server, kit):
    """Over real HTTP with the tiny model: the take names each LoRA (name, sha256, weight)
    in its record and Content Credentials, without a path from the editor's disk; a switch
    of LoRA reuses the warm base; a LoRA for another family is a 400 and nothing queues."""
    added = {}
    for name, key, family in (("style é", "style", "ltx"), ("grain", "grain", "ltx"),
                              ("wan look", "wan", None)):
        r = server.api("POST", "/loras", json={"name": name, "path": str(kit[key]),
                                               **({"family": family} if family else {})})
        assert r.status_code == 201, r.text
        added[key] = r.json()["lora"]
    assert added["wan"]["family"] == "wan"  # guessed from its layers
    listed = server.api("GET", "/loras").json()["loras"]
    assert {lo["name"] for lo in listed} >= {"style é", "grain", "wan look"}

    tiny = {"model": "tiny", "width": 32, "height": 32, "num_frames": 9, "steps": 2}
    [first] = server.make_takes(1, loras=[{"lora": "style é", "weight": 0.8}], **tiny)
    [second] = server.make_takes(1, loras=[{"lora": added["grain"]["id"]}], **tiny)
    used = first["record"]["request"]["loras"]
    assert used == [{"id": added["style"]["id"], "name": "style é",
                     "sha256": added["style"]["sha256"], "weight": 0.8, "family": "ltx"}]
    assert first["record"]["generation"]["loras"][0]["sha256"] == added["style"]["sha256"]
    assert second["record"]["generation"]["warm"] is True  # the base was not reloaded
    assert str(kit["style"].parent) not in json.dumps(first["record"])

    before = len(server.api("GET", "/jobs").json()["jobs"])
    wrong = server.api("POST", "/jobs", json={"prompt": "x", "loras": [{"lora": "wan look"}],
                                              **tiny})
    assert wrong.status_code == 400, wrong.text
    err = wrong.json()["error"]
    assert err["field"] == "loras[0].lora" and "Wan" in err["message"]
    heavy = server.api("POST", "/jobs", json={"prompt": "x", **tiny,
                                              "loras": [{"lora": "grain", "weight": 40}]})
    assert heavy.status_code == 400 and heavy.json()["error"]["field"].startswith("loras")
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before
    gone = server.api("DELETE", f"/loras/{added['grain']['id']}")
    assert gone.status_code == 200 and gone.json()["lora"]["trashed_at"]
    assert kit["grain"].is_file()


def test_the_cli_shares_the_shelf_with_the_api(kit, tmp_path):
    """`promptcut loras` needs no server and writes the same shelf file."""
    import subprocess
    import sys

    data = tmp_path / SHELF

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bridge", "loras", *args, "--data-dir",
                               str(data), "--json"], capture_output=True, text=True,
                              timeout=120, cwd=Path(__file__).resolve().parents[1])

    added = cli("add", str(kit["grain"]), "--name", "grain é", "--trigger", "gr41n")
    assert added.returncode == 0, added.stderr
    lora = json.loads(added.stdout)
    assert lora["trigger_words"] == ["gr41n"] and loras.get(data, "grain é").id == lora["id"]
    assert [x["name"] for x in json.loads(cli("list").stdout)] == ["grain é"]
    assert cli("remove", "grain é").returncode == 0
    assert json.loads(cli("list").stdout) == [] and kit["grain"].is_file()
    assert cli("rename", "nope", "x").returncode == 2

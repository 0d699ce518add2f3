"""Content Credentials on real takes: signed by the real C2PA SDK, read back by it.

Takes come from a real bridge with the tiny model; every reading is c2pa-python's own
validation, so "untrusted", "valid" and "tampered" mean what any C2PA validator would say.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bridge.config import Settings
from bridge.library import credentials, take_files
from bridge.library.credentials import CredentialState, IdentityError, Unsigned
from tests.conftest import ROOT, Bridge, new_data_dir

SHOT = {"width": 32, "height": 32, "num_frames": 9, "steps": 1}
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def promptcut(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1"}
    return subprocess.run([sys.executable, "-m", "bridge", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=120, env=env, cwd=ROOT)


def flip_a_pixel_byte(src: Path, dst: Path) -> None:
    data = bytearray(src.read_bytes())
    at = data.find(b"mdat") + 64
    data[at] ^= 0xFF
    dst.write_bytes(bytes(data))


def test_every_take_is_signed_and_reads_back_untrusted_but_intact(server, tmp_path):
    take = server.make_takes(1, prompt="a lighthouse at dusk, 東京", seed=11, **SHOT)[0]
    made = take["record"]["credentials"]
    assert made["signed"] is True and made["kind"] == "local"
    assert made["manifest"].startswith("urn:c2pa:")
    sidecar = json.loads(Path(take["media_path"]).with_suffix(".json").read_text("utf-8"))
    assert sidecar["credentials"]["manifest"] == made["manifest"]

    got = server.api("GET", f"/takes/{take['id']}/credentials")
    assert got.status_code == 200, got.text
    body = got.json()
    # Validators do not know the local authority: intact, signer untrusted, and we say so.
    assert body["state"] == "untrusted" and body["local_signer"] is True
    assert "signingCredential.untrusted" in body["failures"]
    assert "local certificate" in body["message"]
    assert body["manifest"] == made["manifest"]
    created = body["actions"][0]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == TRAINED
    assert created["softwareAgent"]["name"] == take["record"]["model_id"]
    assert body["generator"][0]["name"] == "Promptcut"
    assert body["take"]["request"]["seed"] == 11
    assert body["take"]["request"]["prompt"] == "a lighthouse at dusk, 東京"

    # The same file, checked against a trust list holding the local authority: valid.
    ca = server.data_dir / "credentials" / "local" / "ca.pem"
    trusted = credentials.verify(Path(take["media_path"]), trust_anchors=ca.read_text())
    assert trusted.state is CredentialState.VALID

    # The CLI says the same, and `--trust` is the in-house check the docs describe.
    plain = promptcut("verify", take["media_path"])
    assert plain.returncode == 4 and ": untrusted" in plain.stdout, plain.stderr
    assert "trainedAlgorithmicMedia" in plain.stdout and "seed 11" in plain.stdout
    inhouse = promptcut("verify", take["media_path"], "--trust", str(ca), "--json")
    assert inhouse.returncode == 0 and json.loads(inhouse.stdout)["state"] == "valid"

    # One changed byte in the pictures: tampered, exit status 6; each outcome its own code.
    bad = tmp_path / "changed é.mp4"
    flip_a_pixel_byte(Path(take["media_path"]), bad)
    assert credentials.verify(bad).state is CredentialState.TAMPERED
    cli = promptcut("verify", str(bad))
    assert cli.returncode == 6 and ": tampered" in cli.stdout
    assert promptcut("verify", str(tmp_path / "missing.mp4")).returncode == 3
    assert promptcut("verify", take["media_path"], str(bad)).returncode == 6  # the worst


def test_a_continued_take_names_its_start_image_and_parent_as_ingredients(server):
    parent = server.make_takes(1, prompt="a corridor, part 1", **SHOT)[0]
    child = server.make_takes(1, prompt="a corridor, part 2", parent_take_id=parent["id"],
                              init_image={"take_id": parent["id"], "frame": "last"},
                              **SHOT)[0]
    made = child["record"]["credentials"]
    assert [i["kind"] for i in made["ingredients"]] == ["start_image", "parent_take"]
    body = server.api("GET", f"/takes/{child['id']}/credentials").json()
    assert body["state"] == "untrusted"
    rels = [(i["format"], i["relationship"], i["signed"]) for i in body["ingredients"]]
    # The parent brings its own signed manifest along; the start image has none.
    assert rels == [("image/png", "inputTo", False), ("video/mp4", "inputTo", True)]


def test_importing_a_cut_leaves_the_takes_credentials_untouched(server):
    takes = server.make_takes(2, prompt="rain on a window", **SHOT)
    before = {t["id"]: Path(t["media_path"]).read_bytes() for t in takes}
    made = server.api("POST", "/timelines", json={"takes": [t["id"] for t in takes],
                                                  "name": "cut é", "formats": ["otio"]})
    assert made.status_code == 201, made.text
    otio = server.api("GET", made.json()["formats"]["otio"]["url"][len("/api/v1"):])
    imported = server.api("POST", "/timelines/import",
                          files={"file": ("cut é.otio", otio.content)})
    assert imported.status_code == 200, imported.text
    for t in takes:
        assert Path(t["media_path"]).read_bytes() == before[t["id"]]
        body = server.api("GET", f"/takes/{t['id']}/credentials").json()
        assert body["state"] == "untrusted" and body["manifest"] == \
            t["record"]["credentials"]["manifest"]


def test_signing_turned_off_keeps_takes_plain_and_says_so(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path), extra_args=("--no-sign",))
    try:
        bridge.start()
        take = bridge.make_takes(1, prompt="no credentials wanted", **SHOT)[0]
        made = take["record"]["credentials"]
        assert made["signed"] is False and "turned off" in made["reason"]
        body = bridge.api("GET", f"/takes/{take['id']}/credentials").json()
        assert body["state"] == "none" and body["signed_when_made"]["signed"] is False
        assert not (bridge.data_dir / "credentials").exists()  # no identity made either
        missing = bridge.api("GET", "/takes/t_nope/credentials")
        assert missing.status_code == 404 and missing.json()["error"]["field"] == "take_id"
    finally:
        bridge.stop()


# ------------------------------------------------------------------ identity, without a server

def test_local_identity_is_made_once_with_what_c2pa_needs(tmp_path):
    folder = tmp_path / "creds é"
    first = credentials.load_identity(folder)
    again = credentials.load_identity(folder)
    assert first.chain_pem == again.chain_pem and first.kind == "local"
    local = folder / "local"
    assert sorted(p.name for p in local.iterdir()) == ["ca.key", "ca.pem", "signer.key",
                                                       "signer.pem"]
    if os.name == "posix":
        assert (local / "signer.key").stat().st_mode & 0o777 == 0o600
        assert (local / "ca.key").stat().st_mode & 0o777 == 0o600
    leaf, ca = x509.load_pem_x509_certificates(first.chain_pem)
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def _studio_chain(folder: Path) -> tuple[Path, Path, Path]:
    """A studio's own CA and signing certificate, as a C2PA-issued one would be shaped."""
    now = dt.datetime.now(dt.timezone.utc)
    day = dt.timedelta(days=1)
    ca_key, key = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(
        ec.SECP384R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Studio Root")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - day).not_valid_after(now + 9 * day)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
          .sign(ca_key, hashes.SHA384()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Studio Ü")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - day).not_valid_after(now + 5 * day)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), False)
            .sign(ca_key, hashes.SHA384()))
    pem = serialization.Encoding.PEM
    folder.mkdir(parents=True)
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "key.pem").write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "root.pem").write_bytes(ca.public_bytes(pem))
    return folder / "chain.pem", folder / "key.pem", folder / "root.pem"


def _encoded(tmp_path: Path) -> Path:
    frames = np.random.default_rng(3).integers(0, 255, (9, 32, 32, 3), dtype=np.uint8)
    return take_files.write_take(frames, 8, {"k": 1}, tmp_path / "takes", "plain").video


def test_a_studio_certificate_signs_instead_and_a_broken_one_says_why(tmp_path):
    chain, key, root = _studio_chain(tmp_path / "studio")
    settings = Settings(data_dir=tmp_path / "data", signing_cert=chain, signing_key=key)
    identity = credentials.identity_for(settings)
    assert identity.kind == "studio" and identity.alg == "es384"
    src, dst = _encoded(tmp_path), tmp_path / "signed.mp4"
    made = credentials.sign_video(src, dst, {"model_id": "m"}, [], identity, title="a.mp4")
    assert made["signed"] and made["signer"] == "Studio Ü"
    assert credentials.verify(dst, trust_anchors=root.read_text()).state is CredentialState.VALID
    assert not (tmp_path / "data" / "credentials").exists()  # no local identity made

    _, other_key, _ = _studio_chain(tmp_path / "other")
    with pytest.raises(IdentityError, match="does not belong"):
        credentials.load_identity(tmp_path, cert=chain, key=other_key)
    broken = credentials.identity_for(
        Settings(data_dir=tmp_path / "data", signing_cert=chain, signing_key=other_key))
    assert isinstance(broken, Unsigned) and "does not belong" in broken.reason
    with pytest.raises(IdentityError, match="both"):
        credentials.load_identity(tmp_path, cert=chain)


def test_an_unreachable_timestamp_authority_leaves_the_take_unsigned(tmp_path):
    identity = credentials.load_identity(tmp_path / "creds", tsa_url="http://127.0.0.1:9/tsa")
    src, dst = _encoded(tmp_path), tmp_path / "signed.mp4"
    made = credentials.sign_video(src, dst, {"model_id": "m"}, [], identity)
    assert made["signed"] is False and made["reason"].startswith("Signing failed")
    assert src.exists()  # the unsigned video is the caller's to keep


def test_files_without_credentials_read_none(tmp_path):
    src = _encoded(tmp_path)
    assert credentials.verify(src).state is CredentialState.NONE
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    assert credentials.verify(text).state is CredentialState.NONE
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(src, copy)
    assert promptcut("verify", str(copy)).returncode == 5


def test_a_local_certificate_near_its_end_is_renewed_and_the_old_one_kept(tmp_path,
                                                                          monkeypatch):
    from bridge.library.credentials import identity

    first = credentials.load_identity(tmp_path)
    monkeypatch.setattr(identity, "RENEW_BEFORE", dt.timedelta(days=365 * 50))
    renewed = credentials.load_identity(tmp_path)
    assert renewed.chain_pem != first.chain_pem
    kept = sorted(p.name for p in (tmp_path / "local").glob("expired-*"))
    assert len(kept) == 2 and kept[0].endswith("signer.key")
    # Issued by the same authority, so one trust-list entry covers both.
    old_leaf, ca = x509.load_pem_x509_certificates(first.chain_pem)
    new_leaf, same_ca = x509.load_pem_x509_certificates(renewed.chain_pem)
    assert ca == same_ca and new_leaf.serial_number != old_leaf.serial_number


def test_a_delivered_mp4_is_signed_as_it_is_stored_and_its_sidecar_says_so(tmp_path):
    """Executors that hand back an encoded file (Ray nodes, providers) get signed too."""
    delivered = _encoded(tmp_path)
    settings = Settings(data_dir=tmp_path / "data é")
    record = {"take_id": "t_delivered", "model_id": "provider/model",
              "request": {"prompt": "from a provider", "seed": 5, "model": "m"}}
    sign = credentials.take_signer(settings, db=None)(record)
    files = take_files.store_encoded(delivered, record, tmp_path / "library", "delivered",
                                     sign=sign)
    sidecar = json.loads(files.sidecar.read_text("utf-8"))
    assert sidecar["credentials"]["signed"] is True
    assert sidecar["credentials"]["manifest"] == record["credentials"]["manifest"]
    reading = credentials.verify(files.video)
    assert reading.state is CredentialState.UNTRUSTED
    assert reading.take["take_id"] == "t_delivered" and "credentials" not in reading.take
    off = credentials.take_signer(Settings(data_dir=tmp_path / "off", sign_takes=False),
                                  db=None)
    plain_record = dict(record, take_id="t_plain")
    files = take_files.write_take(
        np.zeros((9, 32, 32, 3), np.uint8), 8, plain_record, tmp_path / "library", "plain",
        sign=off(plain_record))
    assert json.loads(files.sidecar.read_text("utf-8"))["credentials"]["signed"] is False
    assert credentials.verify(files.video).state is CredentialState.NONE


def _edit(src: Path, dst: Path, *, copy: bool = False, scale: float = 1.0, start: int = 0,
          crf: int = 23) -> Path:
    """What an editor's tools do to a file, with PyAV: a remux (streams copied, no manifest
    box), or a re-encode, optionally trimmed to start at frame `start` and resized."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4") as out:
        video = inp.streams.video[0]
        if copy:
            stream = out.add_stream_from_template(video)
            for packet in inp.demux(video):
                if packet.dts is not None:
                    packet.stream = stream
                    out.mux(packet)
            return dst
        stream = out.add_stream("libx264", rate=video.average_rate, options={"crf": str(crf)})
        stream.width = int(video.width * scale) // 2 * 2
        stream.height = int(video.height * scale) // 2 * 2
        stream.pix_fmt = "yuv420p"
        for n, frame in enumerate(inp.decode(video)):
            if n >= start:
                frame = frame.reformat(width=stream.width, height=stream.height,
                                       format="yuv420p")
                frame.pts = None
                out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return dst


def test_a_take_is_found_with_its_manifest_after_remux_reencode_trim_and_resize(tmp_path,
                                                                                  monkeypatch):
    from tests.take_media import ramp

    monkeypatch.setenv("PROMPTCUT_SIGNER_NAME", "Studio Nord é")
    settings = Settings(data_dir=tmp_path / "data é")
    record = {"take_id": "t_watermarked", "model_id": "m",
              "request": {"prompt": "a marked take", "seed": 3, "model": "m"}}
    files = take_files.write_take(ramp(12, 192, 256), 12, record,
                                  settings.media_dir / "batch", "marked",
                                  sign=credentials.take_signer(settings, db=None)(record))
    made = json.loads(files.sidecar.read_text("utf-8"))["credentials"]
    assert made["signed"] and made["signer"] == "Studio Nord é"  # never the host name
    mark = made["watermark"]["mark"]
    original = credentials.verify(files.video)
    assert original.state is CredentialState.UNTRUSTED and original.signer == "Studio Nord é"
    edits = {"remux": {"copy": True}, "re-encode": {"crf": 30}, "trim": {"start": 5},
             "resize": {"scale": 0.75}}
    roots = [settings.media_dir, settings.trash_dir]
    for name, how in edits.items():
        copy = _edit(files.video, tmp_path / f"{name} é.mp4", **how)
        assert credentials.verify(copy).state is CredentialState.NONE, name  # stripped
        found = credentials.recover(copy, roots)
        assert found is not None and found.mark == mark, name
        assert found.take_id == "t_watermarked" and found.original == files.video, name
        assert found.manifest == made["manifest"] and found.original_state == "untrusted"
    # A file never marked reads no mark; the CLI says "recovered" with its own exit code.
    assert credentials.recover(_encoded(tmp_path), roots) is None
    cli = promptcut("verify", str(tmp_path / "resize é.mp4"), "--data-dir",
                    str(settings.data_dir), "--json")
    assert cli.returncode == 7, cli.stderr
    assert json.loads(cli.stdout)["recovered"]["take_id"] == "t_watermarked"


def test_a_manifest_whose_take_is_not_a_take_record_reads_as_none_not_a_500(server, tmp_path):
    """The take in a file's manifest is typed in the answer; a file signed by someone else
    with something else under Promptcut's take label answers `take: null` and says why."""
    take = server.make_takes(1, prompt="a file signed again", seed=5, **SHOT)[0]
    media = Path(take["media_path"])
    identity = credentials.identity_for(Settings(data_dir=server.data_dir))
    resigned = tmp_path / "resigned.mp4"
    made = credentials.sign_video(media, resigned, {"model_id": "not a take"}, [], identity)
    assert made["signed"]
    os.replace(resigned, media)  # this test's own take, signed over with a foreign record
    got = server.api("GET", f"/takes/{take['id']}/credentials")
    assert got.status_code == 200, got.text
    assert got.json()["take"] is None
    assert "promptcut.take.unreadable" in got.json()["failures"]

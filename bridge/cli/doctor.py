"""`promptcut doctor`: what works on this machine and what does not, each with its fix.

One line per check, in the order a person meets them: Python and torch, the GPU, the
models, the library folder and its disk, the port, the Premiere plugins, the signing
certificate, the log. `ok` and `note` pass; `FAIL` lines carry the fix and make the exit
status 1. `--json` prints the same as a list of records.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict, dataclass
from typing import Any

from bridge.cli import premiere

LOW_DISK_GB = 20


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | note | fail
    detail: str
    fix: str | None = None


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("doctor", help="check this machine and say how to fix problems")
    p.add_argument("--data-dir", help="the library's data dir")
    p.add_argument("--port", type=int, help="the port the bridge uses")
    p.add_argument("--platform", choices=premiere.SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("--home", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from

    settings = settings_from(args)
    host = premiere.this_host(args.platform, args.home)
    checks: list[Check] = []
    for step in (_python, _torch, _gpus, _presets, _data_dir, _port, _plugins, _signing, _log):
        try:
            checks += step(settings, host)
        except Exception as exc:  # a check that breaks is itself a finding, not a crash
            checks.append(Check(step.__name__.strip("_"), "fail", f"could not check: {exc}"))
    if args.json:
        print(json.dumps([asdict(c) for c in checks], indent=2, ensure_ascii=False))
    else:
        for c in checks:
            label = {"ok": "ok  ", "note": "note", "fail": "FAIL"}[c.status]
            print(f"{label}  {c.name}: {c.detail}")
            if c.fix:
                print(f"      fix: {c.fix}")
    return 1 if any(c.status == "fail" for c in checks) else 0


def _python(settings, host) -> list[Check]:
    v = sys.version_info
    ok = v >= (3, 10)
    return [Check("python", "ok" if ok else "fail", f"{sys.version.split()[0]} ({sys.executable})",
                  None if ok else "Install Python 3.10 or newer.")]


def _torch(settings, host) -> list[Check]:
    try:
        import torch
    except ImportError:
        return [Check("torch", "fail", "not installed",
                      "pip install torch (the build for your GPU: see pytorch.org's install "
                      "page).")]
    cuda, hip = torch.version.cuda, getattr(torch.version, "hip", None)
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_built())
    build = (f"CUDA {cuda}" if cuda else f"ROCm {hip}" if hip else "Metal (MPS)" if mps
             else "CPU only")
    check = Check("torch", "ok", f"{torch.__version__}, {build} build")
    if build == "CPU only" and shutil.which("nvidia-smi"):
        check = Check("torch", "fail", f"{torch.__version__} is a CPU-only build, but this "
                      "machine has an NVIDIA GPU", "Reinstall torch with CUDA: the command on "
                      "pytorch.org's install page for your CUDA version.")
    return [check]


def _gpus(settings, host) -> list[Check]:
    import torch

    out = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            out.append(Check(f"gpu {i}", "ok", f"{torch.cuda.get_device_name(i)}, "
                             f"{free / 2**30:.1f} of {total / 2**30:.1f} GiB free"))
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        out.append(Check("gpu", "ok", "Apple GPU (MPS), memory shared with the system"))
    else:
        out.append(Check("gpu", "note", "no GPU that torch can use: takes render on the CPU, "
                         "where only the tiny test model is practical",
                         "On a machine with an NVIDIA GPU, install torch's CUDA build."))
    return out


def _presets(settings, host) -> list[Check]:
    from bridge.generators.manager import ModelManager
    from bridge.generators.presets import all_presets

    states = ModelManager(settings, lambda: all_presets(settings.data_dir)).states()
    ready = [s.name for s in states if s.state == "ready" and not s.test_model]
    missing = [s.name for s in states if s.state != "ready" and not s.test_model]
    detail = f"ready: {', '.join(ready) or 'none'}"
    if missing:
        detail += f"; not downloaded: {', '.join(missing)}"
    fix = None if ready else ("Download one: promptcut models download "
                              f"{missing[0] if missing else 'NAME'} (or from the panel).")
    return [Check("models", "ok" if ready else "note", detail, fix)]


def _data_dir(settings, host) -> list[Check]:
    folder = settings.data_dir
    probe = folder if folder.exists() else next(p for p in folder.parents if p.exists())
    free_gb = shutil.disk_usage(probe).free / 1e9
    writable = _writable(probe)
    out = [Check("data dir", "ok" if writable else "fail",
                 f"{folder}{'' if folder.exists() else ' (made on first start)'}",
                 None if writable else f"Make {probe} writable, or choose another folder with "
                 "--data-dir or PROMPTCUT_DATA_DIR.")]
    low = free_gb < LOW_DISK_GB
    out.append(Check("disk", "note" if low else "ok", f"{free_gb:.1f} GB free there",
                     "Free some space: a video model takes 10-30 GB, takes a few MB each."
                     if low else None))
    return out


def _writable(folder) -> bool:
    import os

    return os.access(folder, os.W_OK)


def _port(settings, host) -> list[Check]:
    from bridge.server import PortBusy, check_port

    try:
        check_port(settings.host, settings.port)
    except PortBusy as exc:
        running = "already running" in str(exc)
        return [Check("port", "ok" if running else "fail", str(exc),
                      None if running else f"Stop the program on port {settings.port}, or run "
                      "Promptcut with --port N (then `promptcut panel install --port N`).")]
    return [Check("port", "ok", f"{settings.port} is free for `promptcut serve`")]


def _plugins(settings, host) -> list[Check]:
    if not host.supported:
        return [Check("premiere plugins", "note",
                      f"Premiere Pro runs on Windows and macOS, not {host.system}: the browser "
                      "panel and `promptcut desktop` work here")]
    uxp = premiere.installed_uxp(host)
    cep = premiere.installed_cep(host)
    out = [Check("uxp plugin", "ok" if uxp else "note",
                 f"installed: {uxp[0]}" if uxp else "not installed (Premiere 25.6 and later)",
                 None if uxp else "promptcut panel install, then double-click the .ccx it "
                 "writes.")]
    if cep:
        flags = premiere.debug_mode(host)
        off = [f"CSXS.{v}" for v, on in flags.items() if on is False]
        out.append(Check("cep extension", "fail" if off else "ok",
                         f"installed: {cep}" + (f"; PlayerDebugMode off for {', '.join(off)}"
                                                if off else ""),
                         "promptcut panel install (sets PlayerDebugMode)" if off else None))
    else:
        out.append(Check("cep extension", "note", "not installed (Premiere before 25.6)",
                         "promptcut panel install --only cep"))
    return out


def _signing(settings, host) -> list[Check]:
    from bridge.library.credentials import Unsigned, identity_for

    if not settings.sign_takes:
        return [Check("signing", "note", "turned off: new takes carry no Content Credentials",
                      "Unset PROMPTCUT_SIGN (or drop --no-sign) to sign takes again.")]
    fresh = not (settings.signing_cert or settings.signing_key or
                 (settings.credentials_dir / "local" / "signer.pem").exists())
    if fresh:  # doctor only looks: the identity is made by the first `promptcut serve`
        return [Check("signing", "ok", "the local signing certificate is made on the first "
                      f"`promptcut serve`, in {settings.credentials_dir / 'local'}")]
    identity = identity_for(settings)
    if isinstance(identity, Unsigned):
        return [Check("signing", "fail", identity.reason,
                      "Point PROMPTCUT_SIGNING_CERT and PROMPTCUT_SIGNING_KEY at a valid PEM "
                      "chain and key, or unset both to sign with the local certificate.")]
    detail = (f"{identity.kind} certificate '{identity.subject}' issued by '{identity.issuer}', "
              f"valid until {identity.not_after:%Y-%m-%d}")
    if identity.kind == "local":
        detail += (f"; validators call it untrusted until {identity.ca_path} is on their "
                   "trust list (`promptcut docs credentials`)")
    return [Check("signing", "ok", detail)]


def _log(settings, host) -> list[Check]:
    from bridge.logfile import log_path

    return [Check("log", "ok", str(log_path(settings)))]

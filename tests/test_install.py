"""Promptcut installs like real software: a wheel that serves the panel from any folder,
Premiere plugins installed into a (fake) home folder, and a doctor that sees them.

The wheel test builds the sdist and the wheel from it (`python -m build`), installs the
wheel with `--no-deps` into a fresh venv that borrows this environment's heavy packages
(torch, diffusers) through a .pth file, and runs its `promptcut serve` from another folder
with no PYTHONPATH: only the installed package can answer. Node bundles the Premiere
plugins; without Node or the panel's npm packages these tests skip and say why.
"""

from __future__ import annotations

import io
import json
import os
import plistlib
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port, new_data_dir

PANEL = ROOT / "panel"
SKIP_COPY = {".git", ".venv", "node_modules", "dist", "build", "__pycache__", ".pytest_cache",
             ".ruff_cache", "screenshots", "bench"}


def need_node() -> None:
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed (it bundles the Premiere plugins)")
    if not (PANEL / "node_modules" / "esbuild").is_dir():
        pytest.skip("panel/node_modules is missing: run `npm ci` in panel/ (dev.py test does)")


def copy_checkout(dest: Path) -> Path:
    """The checkout's files without build outputs; the panel's npm packages linked in."""
    shutil.copytree(ROOT, dest, ignore=lambda d, names: [
        n for n in names if n in SKIP_COPY or n.endswith(".egg-info")])
    os.symlink((PANEL / "node_modules").resolve(), dest / "panel" / "node_modules",
               target_is_directory=True)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PROMPTCUT_PANEL_DIR")}
    return {**env, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1", **extra}


def promptcut(*args: str, env: dict | None = None, exe: list[str] | None = None,
              cwd: Path = ROOT) -> subprocess.CompletedProcess:
    cmd = (exe or [sys.executable, "-m", "bridge"]) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=240,
                          env=env or clean_env(), cwd=cwd)


@pytest.fixture(scope="module")
def bundled_panel(tmp_path_factory) -> Path:
    """A copy of panel/ with its plugins bundled, so the checkout's panel/dist is untouched."""
    need_node()
    panel = tmp_path_factory.mktemp("panel copy") / "panel é"
    shutil.copytree(PANEL, panel, ignore=lambda d, names: [
        n for n in names if n in ("node_modules", "dist")])
    os.symlink((PANEL / "node_modules").resolve(), panel / "node_modules",
               target_is_directory=True)
    subprocess.run(["node", "scripts/bundle.mjs"], cwd=panel, check=True, capture_output=True,
                   timeout=240)
    return panel


def ccx_domains(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert {"index.html", "panel.js", "icons/plugin.png"} <= set(z.namelist())
        return json.loads(z.read("manifest.json"))["requiredPermissions"]["network"]["domains"]


@pytest.mark.slow
def test_the_wheel_serves_the_panel_and_both_plugins_from_any_folder(tmp_path):
    need_node()
    checkout = copy_checkout(tmp_path / "checkout")
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                            str(dist), str(checkout)], capture_output=True, text=True,
                           timeout=300, env=clean_env())
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheel = next(dist.glob("promptcut-*.whl"))
    sdist = next(dist.glob("promptcut-*.tar.gz"))
    assert sdist.stat().st_size > 0
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert {"bridge/_panel/index.html", "bridge/_panel/src/main.js",
            "bridge/_panel/dist/uxp/manifest.json", "bridge/_panel/dist/cep/CSXS/manifest.xml",
            "bridge/_docs/credentials.md", "bridge/_docs/LICENSE",
            "promptcut-0.1.0.dist-info/licenses/LICENSE"} <= names
    with tarfile.open(sdist) as t:
        assert "promptcut-0.1.0/LICENSE" in t.getnames()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv),
                                                    "platbase": str(venv)}))
    # The heavy dependencies (torch, diffusers, ...) come from this environment.
    (site / "_promptcut_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                          "--no-deps", "--no-index", "-q", str(wheel)],
                         capture_output=True, text=True, timeout=300, env=clean_env())
    assert pip.returncode == 0, pip.stdout + pip.stderr

    elsewhere = tmp_path / "somewhere else é"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import bridge; print(bridge.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, env=clean_env())
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    port = free_port()
    data = new_data_dir(tmp_path / "data")
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(bindir / "promptcut"), "serve", "--port", str(port),
                             "--data-dir", str(data)], cwd=elsewhere, env=clean_env(),
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            try:
                if requests.get(f"{base}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        page = requests.get(f"{base}/panel/", timeout=10)
        assert page.status_code == 200 and 'src="src/main.js"' in page.text
        assert requests.get(f"{base}/panel/src/main.js", timeout=10).status_code == 200
        ccx = requests.get(f"{base}/panel/packages/promptcut.ccx", timeout=30)
        assert ccx.status_code == 200, ccx.text
        assert "promptcut-0.1.0.ccx" in ccx.headers["Content-Disposition"]
        assert ccx_domains(ccx.content) == [f"http://127.0.0.1:{port}",
                                            f"http://localhost:{port}"]
        cep = requests.get(f"{base}/panel/packages/promptcut-cep.zip", timeout=30)
        assert cep.status_code == 200
        with zipfile.ZipFile(io.BytesIO(cep.content)) as z:
            assert "org.promptcut.panel/CSXS/manifest.xml" in z.namelist()
            launcher = z.read("org.promptcut.panel/launcher.js")
            assert b"/panel/?host=cep" in launcher
            assert f"var DEFAULT_PORT = {port};".encode() in launcher  # this bridge's port
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    serve_log = (data / "logs" / "promptcut.log").read_text(encoding="utf-8")
    assert "serving" in serve_log and "%|" not in serve_log  # useful; no progress bars

    # The installed command also installs the plugins, from the wheel's own files.
    home = tmp_path / "fake home"
    installed = promptcut("panel", "install", "--platform", "macos", "--home", str(home),
                          "--data-dir", str(data), exe=[str(bindir / "promptcut")],
                          cwd=elsewhere)
    assert installed.returncode == 0, installed.stderr
    assert (home / "Library/Application Support/Adobe/CEP/extensions/org.promptcut.panel"
            / "CSXS" / "manifest.xml").is_file()
    # The docs that messages cite, and the license, from the installed copy.
    docs = promptcut("docs", "credentials", exe=[str(bindir / "promptcut")], cwd=elsewhere)
    assert docs.returncode == 0 and Path(docs.stdout.strip()).is_relative_to(venv)
    assert "Content Credentials" in Path(docs.stdout.strip()).read_text(encoding="utf-8")
    lic = promptcut("docs", "license", "--show", exe=[str(bindir / "promptcut")], cwd=elsewhere)
    assert "Apache License" in lic.stdout and "Version 2.0" in lic.stdout


def test_a_build_without_the_plugins_fails_unless_asked(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=lambda d, names: [  # no node_modules, no dist
        n for n in names if n in SKIP_COPY or n == "node_modules" or n.endswith(".egg-info")])
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
             str(tmp_path / "dist"), str(checkout)]
    refused = subprocess.run(build, capture_output=True, text=True, timeout=300, env=clean_env())
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "cannot build the Premiere plugins" in out and "PROMPTCUT_BUILD_WITHOUT_PLUGINS" in out
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_panel_install_on_a_fake_mac_home_and_doctor_sees_it(bundled_panel, tmp_path):
    env = clean_env(PROMPTCUT_PANEL_DIR=str(bundled_panel))
    home, data = tmp_path / "home é", new_data_dir(tmp_path)
    args = ("panel", "install", "--platform", "macos", "--home", str(home), "--port", "9123",
            "--data-dir", str(data))
    first = promptcut(*args, env=env)
    assert first.returncode == 0, first.stderr
    ext = home / "Library/Application Support/Adobe/CEP/extensions/org.promptcut.panel"
    assert (ext / "CSXS" / "manifest.xml").is_file()
    assert "var DEFAULT_PORT = 9123;" in (ext / "launcher.js").read_text("utf-8")
    for version in (11, 12):
        plist = home / "Library" / "Preferences" / f"com.adobe.CSXS.{version}.plist"
        assert plistlib.loads(plist.read_bytes())["PlayerDebugMode"] == "1"
    ccx = data / "plugins" / "promptcut-0.1.0.ccx"
    assert ccx_domains(ccx.read_bytes()) == ["http://127.0.0.1:9123", "http://localhost:9123"]
    assert "port 9123" in first.stdout and "double-click" in first.stdout

    # Adobe's own settings survive; one it cannot read is kept beside, never written over.
    plist11 = home / "Library" / "Preferences" / "com.adobe.CSXS.11.plist"
    plist11.write_bytes(plistlib.dumps({"PlayerDebugMode": "0", "LogLevel": "4"}))
    plist12 = home / "Library" / "Preferences" / "com.adobe.CSXS.12.plist"
    plist12.write_bytes(b"not a plist")
    again = promptcut(*args, env=env)  # the earlier copies are moved aside, never deleted
    assert again.returncode == 0, again.stderr
    kept = list((data / "trash").glob("cep-extension-*"))
    assert len(kept) == 1 and (kept[0] / "CSXS" / "manifest.xml").is_file()
    assert not [p for p in ext.parent.iterdir() if p.name != "org.promptcut.panel"]
    assert plistlib.loads(plist11.read_bytes()) == {"PlayerDebugMode": "1", "LogLevel": "4"}
    assert [p.read_bytes() for p in plist12.parent.glob("com.adobe.CSXS.12.plist.unreadable-*")
            ] == [b"not a plist"]
    old_ccx = list((data / "trash").glob("*-promptcut-0.1.0.ccx"))
    assert len(old_ccx) == 1 and ccx_domains(old_ccx[0].read_bytes()) == ccx_domains(
        ccx.read_bytes())

    # As Creative Cloud does once the .ccx is double-clicked: a folder named <id>_<version>.
    (home / "Library/Application Support/Adobe/UXP/Plugins/External"
     / "org.promptcut.panel_0.1.0").mkdir(parents=True)
    doctor = promptcut("doctor", "--json", "--platform", "macos", "--home", str(home),
                       "--data-dir", str(data), "--port", str(free_port()), env=env)
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert checks["cep extension"]["status"] == "ok", checks["cep extension"]
    assert checks["uxp plugin"]["status"] == "ok"
    assert checks["port"]["status"] == "ok" and checks["signing"]["status"] == "ok"
    assert checks["log"]["detail"].endswith("promptcut.log")


def test_panel_uninstall_trashes_what_install_added_and_puts_debug_mode_back(bundled_panel,
                                                                           tmp_path):
    env = clean_env(PROMPTCUT_PANEL_DIR=str(bundled_panel))
    home, data = tmp_path / "home é", new_data_dir(tmp_path)
    prefs = home / "Library" / "Preferences"
    prefs.mkdir(parents=True)
    plist11, plist12 = prefs / "com.adobe.CSXS.11.plist", prefs / "com.adobe.CSXS.12.plist"
    plist11.write_bytes(plistlib.dumps({"PlayerDebugMode": "0", "LogLevel": "4"}))
    where = ("--platform", "macos", "--home", str(home), "--data-dir", str(data))
    for _ in range(2):  # a reinstall remembers the first "before", not its own "1"
        assert promptcut("panel", "install", *where, env=env).returncode == 0
    assert plistlib.loads(plist12.read_bytes())["PlayerDebugMode"] == "1"
    ext = home / "Library/Application Support/Adobe/CEP/extensions/org.promptcut.panel"
    ccx = data / "plugins" / "promptcut-0.1.0.ccx"
    assert ext.is_dir() and ccx.is_file()

    done = promptcut("panel", "uninstall", *where, "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert not ext.exists() and not ccx.exists()
    trashed = [Path(m["to"]) for m in report["moved_to_trash"]]
    assert all(t.is_relative_to(data / "trash") and t.exists() for t in trashed)
    assert len(trashed) == 2 and (trashed[0] / "CSXS" / "manifest.xml").is_file()
    assert plistlib.loads(plist11.read_bytes()) == {"PlayerDebugMode": "0", "LogLevel": "4"}
    assert "PlayerDebugMode" not in plistlib.loads(plist12.read_bytes())
    again = promptcut("panel", "uninstall", *where, env=env)  # nothing left: says so
    assert again.returncode == 0 and "No CEP extension" in again.stdout


def test_panel_install_on_a_fake_windows_home_names_the_registry_steps(bundled_panel,
                                                                          tmp_path):
    env = clean_env(PROMPTCUT_PANEL_DIR=str(bundled_panel))
    home, data = tmp_path / "Users" / "editor", new_data_dir(tmp_path)
    done = promptcut("panel", "install", "--platform", "windows", "--home", str(home),
                     "--data-dir", str(data), "--only", "cep", env=env)
    assert done.returncode == 0, done.stderr
    ext = home / "AppData/Roaming/Adobe/CEP/extensions/org.promptcut.panel"
    assert (ext / "CSXS" / "manifest.xml").is_file()
    for version in (11, 12):
        assert (f"reg add HKCU\\Software\\Adobe\\CSXS.{version} /v PlayerDebugMode /t REG_SZ "
                "/d 1 /f") in done.stdout
    assert not (data / "plugins" / "promptcut-0.1.0.ccx").exists()  # --only cep
    undo = promptcut("panel", "uninstall", "--platform", "windows", "--home", str(home),
                     "--data-dir", str(data), env=env)
    assert undo.returncode == 0 and not ext.exists()
    for version in (11, 12):  # another system's registry: the commands that undo it
        assert (f"reg delete HKCU\\Software\\Adobe\\CSXS.{version} /v PlayerDebugMode /f"
                ) in undo.stdout


def test_panel_install_outside_windows_and_macos_says_what_to_do(tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("this machine runs Premiere's platforms")
    done = promptcut("panel", "install", "--data-dir", str(new_data_dir(tmp_path)))
    assert done.returncode == 2 and "--platform" in done.stderr


def test_a_checkout_without_bundles_answers_404_naming_the_fix(tmp_path, monkeypatch):
    from bridge.app import create_app
    from bridge.config import Settings

    empty = tmp_path / "panel"
    empty.mkdir()
    monkeypatch.setenv("PROMPTCUT_PANEL_DIR", str(empty))
    port = free_port()
    app = create_app(Settings(data_dir=new_data_dir(tmp_path), port=port), start_worker=False)
    r = app.test_client().get("/panel/packages/promptcut.ccx",
                              headers={"Host": f"127.0.0.1:{port}"})
    assert r.status_code == 404
    error = r.get_json()["error"]
    assert error["code"] == "package_missing" and "npm run bundle" in error["message"]


def test_logs_prints_where_the_log_is(tmp_path):
    data = new_data_dir(tmp_path)
    done = promptcut("logs", "--data-dir", str(data), "--tail", "5")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == str(data / "logs" / "promptcut.log")


def _dev():
    import importlib.util

    spec = importlib.util.spec_from_file_location("promptcut_dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_dev_serve_picks_the_torch_build_that_fits_each_machine():
    dev = _dev()
    M = dev.Machine

    def pick(system, arch, gpu, **env):
        return dev.choose_torch(M(system, arch, gpu), env)

    # Linux and Windows with an NVIDIA GPU: uv picks PyTorch's CUDA build for the driver.
    cuda = pick("linux", "x86_64", True)
    assert (cuda.build, cuda.backend, cuda.index) == ("cuda", "auto", None)
    win = pick("win32", "AMD64", True)
    assert (win.build, win.backend) == ("cuda", "auto")
    assert pick("win32", "AMD64", True, PROMPTCUT_TORCH_CUDA_INDEX="I").pip_args()[-1] == "I"
    assert pick("win32", "AMD64", True, PROMPTCUT_TORCH_CUDA_INDEX="I").backend is None
    mac = pick("darwin", "arm64", False)
    assert (mac.build, mac.pip_args(), mac.backend) == ("mps", ["torch"], None)
    assert "Metal" in mac.reason
    assert pick("darwin", "x86_64", False).build == "cpu"
    # Linux without a GPU (either architecture): the CPU-only build through uv, whose
    # backend name stands for PyTorch's index (we never write the address ourselves).
    for arch in ("x86_64", "aarch64"):
        lin = pick("linux", arch, False)
        assert (lin.build, lin.backend, lin.pip_args()) == ("cpu", "cpu", ["torch"])
    cpu = pick("linux", "x86_64", False, PROMPTCUT_TORCH_CPU_INDEX="file:///wheels/cpu")
    assert cpu.pip_args() == ["torch", "--index-url", "file:///wheels/cpu"]
    assert cpu.backend is None
    assert (pick("win32", "AMD64", False).pip_args(), pick("win32", "AMD64", False).backend) == (
        ["torch"], None)
    own = pick("linux", "x86_64", False, PROMPTCUT_TORCH="torch==2.5.1",
               PROMPTCUT_TORCH_INDEX="file:///w")
    assert (own.build, own.pip_args()) == ("custom", ["torch==2.5.1", "--index-url", "file:///w"])
    assert pick("linux", "x86_64", False, PROMPTCUT_TORCH="torch").backend is None


def test_served_files_carry_one_charset_and_one_date(server):
    for path in ("/panel/", "/panel/styles.css", "/api/v1/health"):
        r = requests.get(f"{server.url}{path}", timeout=10)
        assert r.status_code == 200
        assert len(r.raw.headers.getlist("date")) == 1, path
        types = r.raw.headers.getlist("content-type")
        assert len(types) == 1 and types[0].count("charset") <= 1, (path, types)
    assert requests.get(f"{server.url}/panel/", timeout=10).headers["content-type"] == (
        "text/html; charset=utf-8")

"""`promptcut desktop`: the bridge and the panel in one window, for working beside any editor.

The bridge runs in this process (a server thread) and the panel opens in a pywebview
window at /panel/, with the token passed in the URL fragment, so there is nothing to pair.
pywebview is an optional extra (`pip install "promptcut[desktop]"`), imported only here.

The page gets a small js_api (DesktopApi) for what a browser cannot do well: native save
dialogs and showing a file in Explorer/Finder. Those calls accept only files inside the
data dir, so the page cannot use them to read or reveal anything else.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from bridge.config import Settings

log = logging.getLogger("promptcut.desktop")

MISSING = ("The desktop window needs pywebview, an optional extra. Install it with:\n"
           '    pip install "promptcut[desktop]"\n'
           "or use the panel in a browser: run `promptcut serve` and open the link it prints.")


def import_webview():
    """pywebview, or None with the install hint printed (it is optional)."""
    try:
        import webview
    except ImportError:
        print(MISSING, file=sys.stderr)
        return None
    return webview


class DesktopApi:
    """Methods the panel calls as window.pywebview.api.<name>(...) (see hosts/desktop.js).

    `ask_save(name)` shows the native save dialog and returns the chosen path or None; it is
    a parameter so the file handling is testable without a window.
    """

    def __init__(self, settings: Settings, ask_save: Callable[[str], str | None] | None = None):
        self._root = settings.data_dir.resolve()
        self._ask_save = ask_save
        self.window = None  # set once the window exists

    def _inside_data_dir(self, path: str) -> Path:
        real = Path(path).resolve()
        if not real.is_relative_to(self._root) or not real.is_file():
            raise ValueError("Only files in Promptcut's library can be saved or shown.")
        return real

    def _ask(self, name: str) -> str | None:
        if self._ask_save:
            return self._ask_save(name)
        return native_save_dialog(self.window, name)

    def save_file(self, name: str, data_b64: str) -> str | None:
        """Writes bytes the panel built (a timeline file) where the editor chooses."""
        try:
            data = base64.b64decode(data_b64, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("The file data is not valid base64.") from None
        target = self._ask(Path(name).name)
        if not target:
            return None
        tmp = Path(f"{target}.part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return str(target)

    def save_copy(self, source: str, name: str) -> str | None:
        """Copies a take's media file where the editor chooses."""
        src = self._inside_data_dir(source)
        target = self._ask(Path(name).name or src.name)
        if not target:
            return None
        shutil.copyfile(src, target)
        return str(target)

    def reveal(self, path: str) -> bool:
        """Shows the file in Explorer or Finder (its folder on Linux)."""
        real = self._inside_data_dir(path)
        if sys.platform == "win32":
            subprocess.Popen(["explorer", "/select,", str(real)])
        elif sys.platform == "darwin":
            subprocess.Popen(["open", "-R", str(real)])
        else:
            subprocess.Popen(["xdg-open", str(real.parent)])
        return True


def native_save_dialog(window, name: str) -> str | None:
    import webview

    # pywebview 6 names it FileDialog.SAVE; 5.x has the SAVE_DIALOG constant.
    kind = getattr(getattr(webview, "FileDialog", None), "SAVE", None) or webview.SAVE_DIALOG
    chosen = window.create_file_dialog(kind, save_filename=name)
    if not chosen:
        return None
    return chosen if isinstance(chosen, str) else chosen[0]


def panel_url(settings: Settings, token: str) -> str:
    # The fragment never reaches the server or its logs; the panel stores it and removes it.
    return f"http://127.0.0.1:{settings.port}/panel/?host=desktop#token={token}"


def allow_pywebview_api(app) -> None:
    """Lets pywebview build window.pywebview.api in the window's page.

    pywebview makes each js_api function with `new Function(...)`, which the panel's CSP
    (script-src 'self') refuses as eval: the api never appears and pywebviewready never
    fires. Only the page the window opens (/panel/?host=desktop) gets 'unsafe-eval'; a
    browser tab on /panel/ keeps the strict policy.
    """
    from flask import request

    @app.after_request
    def _csp(response):
        csp = response.headers.get("Content-Security-Policy")
        if csp and request.path == "/panel/" and request.args.get("host") == "desktop":
            response.headers["Content-Security-Policy"] = csp.replace(
                "script-src 'self'", "script-src 'self' 'unsafe-eval'", 1)
        return response


def run_desktop(settings: Settings) -> int:
    webview = import_webview()
    if webview is None:
        return 2
    from bridge import __version__
    from bridge.cli import running
    from bridge.errors import CannotStart
    from bridge.server import checked_app, serve

    try:
        app = checked_app(settings)
    except CannotStart as exc:
        print(exc, file=sys.stderr)
        return 1
    services = app.extensions["promptcut"]
    allow_pywebview_api(app)
    listening = threading.Event()
    holder: dict = {}

    def ready(server) -> None:
        holder["server"] = server
        # The same record `promptcut serve` writes, so other commands (token, generate,
        # board ...) find this window's library rather than making a second one.
        holder["record"] = running.announce(settings.data_dir, settings.port, __version__)
        listening.set()

    def run_server() -> None:
        try:
            serve(app, settings, ready=ready)
        except Exception as exc:  # reported in the window's absence below
            holder["error"] = exc
            listening.set()

    thread = threading.Thread(target=run_server, name="promptcut-bridge", daemon=True)
    thread.start()
    listening.wait(60)
    if "server" not in holder:
        print(f"The bridge did not start: {holder.get('error', 'timed out')}", file=sys.stderr)
        return 1

    api = DesktopApi(settings)
    window = webview.create_window(
        "Promptcut", panel_url(settings, services.token), js_api=api, width=1280, height=820,
        min_size=(320, 400), background_color="#1d1d1d")
    api.window = window
    try:
        webview.start()
    finally:
        running.withdraw(holder.get("record"))

    # Window closed: stop serving, so the worker finishes its step and the database closes.
    # Waiting long-polls and streams are woken at once and running requests get a few
    # seconds; the web view's idle keep-alive connections do not hold the server up.
    from bridge.server import stop

    stop(holder["server"])
    thread.join(10)
    if thread.is_alive():
        services.worker.stop()
        services.events.close()
    return 0

"""The service's log: one rotating file in the data dir, and a quiet console.

`promptcut serve` and `promptcut desktop` write `<data dir>/logs/promptcut.log` (5 MiB, five
old files kept), so a failure can be read after the terminal is gone and an error message
can name the file (`promptcut logs` prints where it is). Third-party libraries log only
warnings, and their progress bars (model downloads, pipeline loading) are turned off: the
panel shows progress, the log shows what happened.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from bridge.config import Settings

MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY = ("waitress.queue", "httpx", "urllib3", "huggingface_hub", "filelock", "diffusers",
         "transformers", "PIL", "accelerate", "torch", "matplotlib", "asyncio")


def log_path(settings: Settings) -> Path:
    return settings.logs_dir / "promptcut.log"


def see_the_log(settings: Settings) -> str:
    """The end of an error message that sends a person to the log file."""
    return f"see the log: {log_path(settings)}"


def configure(settings: Settings | None, *, verbose: bool = False) -> Path | None:
    """Console logging for every command; the rotating file too when `settings` is given.

    A service (`settings` given) logs INFO to its console and file. The other commands are
    quiet, as command-line tools are: only warnings reach the terminal unless `-v`.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter(FORMAT))
    if settings is None and not verbose:
        console.setLevel(logging.WARNING)
    root.addHandler(console)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    if settings is None:
        return None
    # The hub's download bars would fill the console of a long-running service.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    path = log_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError as exc:  # a read-only data dir still lets the service run
        logging.getLogger("promptcut").warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


SECRET_WORDS = ("key", "token", "secret", "password", "passphrase")


def redacted(argv: list[str]) -> list[str]:
    """A command line fit for the log: the value of any option named like a secret hidden.

    No command takes a secret on its command line today (keys are asked for, the token is
    read from its file); this keeps one added later out of the log all the same.
    """
    out: list[str] = []
    hide = False
    for arg in argv:
        if hide:
            out.append("***")
            hide = False
            continue
        name, eq, _ = arg.partition("=")
        secret = name.startswith("-") and any(w in name.lower() for w in SECRET_WORDS)
        if secret and eq:
            out.append(f"{name}=***")
        else:
            out.append(arg)
            hide = secret
    return out


def record_cli_run(settings: Settings, argv: list[str], code: int, seconds: float) -> None:
    """One line in the library's log for a command run, so the log tells what was done to the
    library from a terminal too. Only into a data dir that exists: a command never makes a
    library by logging."""
    if not settings.data_dir.is_dir():
        return
    path = log_path(settings)
    try:
        path.parent.mkdir(exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter(FORMAT))
    record = logging.LogRecord("promptcut.cli", logging.INFO, __file__, 0,
                               "cli run (pid %d): promptcut %s -> exit %d in %.1f s",
                               (os.getpid(), " ".join(redacted(argv)), code, seconds), None)
    try:
        handler.emit(record)
    finally:
        handler.close()

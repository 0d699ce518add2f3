"""File names for takes: readable in Premiere's bin, valid on Windows, macOS and Linux.

One place for the rule, used twice: `take_stem` makes a stem from any prompt (it never
fails, so a job can never be refused at the end for its name), and `check_stem` refuses a
stem that breaks the rule (a guard in the writers). A test checks that every stem
`take_stem` makes passes `check_stem`, for arbitrary prompts.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 40
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in (*range(1, 10), "¹", "²", "³")
}


def _invisible(ch: str) -> bool:
    """Control and format characters: NUL, newlines, bidi overrides (U+202E can make
    'clip_txt.mp4' display as 'clip_4pm.txt'), zero-width joiners, byte-order marks,
    and lone surrogates, which no file system can store."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def take_stem(prompt: str, seed: int, take_id: str) -> str:
    """`<slug>_s<seed>_<take id>`: the first words of the prompt, made safe."""
    text = unicodedata.normalize("NFC", prompt)
    text = "".join(" " if _invisible(ch) or _WINDOWS_BAD.match(ch) else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip(" .")[:MAX_SLUG].strip(" .")
    slug = text.replace(" ", "_") or "take"
    if slug.split(".")[0].upper() in _WINDOWS_RESERVED:
        slug = f"take_{slug}"
    return f"{slug}_s{seed}_{take_id}"


def check_stem(stem: str) -> None:
    """Raise ValueError unless `stem` is a portable file name stem."""
    if not isinstance(stem, str) or not stem:
        raise ValueError("stem must be a non-empty string")
    if (stem.startswith(".") or stem.endswith((" ", ".")) or _WINDOWS_BAD.search(stem)
            or any(_invisible(ch) for ch in stem)):
        raise ValueError(
            f"stem {stem!r} is not a portable file name (no leading dot, no trailing space or "
            'dot, none of <>:"/\\|?*, control, format or unpaired surrogate characters)')
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        raise ValueError(f"stem {stem!r} is a reserved device name on Windows")

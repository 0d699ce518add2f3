"""File paths to the `file://` URLs editors open, and back.

OTIO's `url_utils.url_from_filepath` does not percent-encode and cannot turn a Windows path
into a URL when it runs on Linux or macOS, so URLs are built here with urllib. Premiere writes
FCP7 XML paths as `file://localhost/C%3a/dir/a%20b.mov` (host `localhost`, the drive colon
encoded, lower-case hex); other tools read RFC 8089 `file:///C:/dir/a%20b.mov`.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, unquote, urlsplit

from otio_export.errors import TimelineError

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# RFC 3986 pchar without ':', '%' and "'": an apostrophe is legal in a URL, but adapters
# build XPath predicates from URLs ("[@src='...']") and an encoded one breaks nothing.
_SAFE = "/-._~!$&()*+,;=@"


def is_windows_path(path: str) -> bool:
    return bool(_DRIVE.match(path)) or path.startswith("\\\\")


@functools.lru_cache(maxsize=4096)
def path_to_url(path: str, *, premiere: bool = False) -> str:
    """A percent-encoded file URL for an absolute path (POSIX, Windows drive or UNC).

    `premiere=True` gives Premiere's own FCP7 XML form. A relative path (which an imported
    file may hold: `media/a.mov`, relative to that file's folder) is written as the same
    relative reference, percent-encoded, so the written file resolves it as the imported
    one did: against its own folder.
    """
    if not path or "\x00" in path or re.search("[\ud800-\udfff]", path):
        raise TimelineError("A media path is empty or holds a NUL or an unpaired surrogate.",
                            field="media_path")
    if path.startswith(("\\\\", "//")) and not path.startswith("///"):
        # UNC, \\server\share\dir\file or //server/share/dir/file as url_to_path gives it:
        # file://server/share/... in every format (Premiere's own form for network shares).
        host, _, rest = path[2:].replace("\\", "/").partition("/")
        if not host or not rest:
            raise TimelineError(f"Network path {path!r} names no share.", field="media_path")
        return f"file://{quote(host, safe='')}/{quote(rest, safe=_SAFE)}"
    if _DRIVE.match(path):
        drive, rest = path[0].upper(), path[3:].replace("\\", "/")
        if premiere:
            # Premiere encodes the drive colon and uses lower-case hex (C%3a); match it
            # byte for byte so a re-import sees the same URL it wrote.
            return f"file://localhost/{drive}%3a/{quote(rest, safe=_SAFE)}"
        return f"file:///{drive}:/{quote(rest, safe=_SAFE)}"
    if not path.startswith("/"):
        return quote(path.replace("\\", "/"), safe=_SAFE)
    host = "localhost" if premiere else ""
    return f"file://{host}{quote(path, safe=_SAFE)}"


@functools.lru_cache(maxsize=4096)
def url_to_path(url: str) -> str | None:
    """The local path a `file:` URL (any of the forms editors write) points at, else None.

    Handles `file://localhost/D%3a/x`, `file:///C:/x`, `file:/C:/x`, `file:///home/x`,
    `file://server/share/x` (UNC, returned as //server/share/x), bare absolute paths, which
    some tools write instead of URLs, and relative references (.otioz bundles), unquoted.
    """
    if not url:
        return None
    if url.startswith("/") or _DRIVE.match(url):
        return url
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return unquote(parts.path)  # relative, as in an .otioz bundle: media/a%20b.mp4
    if parts.scheme.lower() != "file":
        return None
    path = unquote(parts.path)
    host = parts.netloc.lower()
    if host not in ("", "localhost"):
        return f"//{parts.netloc}{path}"
    if re.match(r"^/[A-Za-z]:([\\/]|$)", path):
        return path[1:].replace("\\", "/")
    return path

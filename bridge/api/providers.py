"""/providers: which cloud providers exist, whether a key is stored; store or forget one.

A key goes in (PUT) and never comes out: responses say `has_key` and the key's last four
characters, nothing more. Storing one turns that provider's presets in GET /models from
`needs_key` to `ready`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from bridge import providers
from bridge.api.common import get_str, json_body, services
from bridge.errors import InvalidRequest, NotFound
from bridge.providers import keys

bp = Blueprint("providers", __name__)
MAX_KEY = 4096


def provider_json(name: str) -> dict[str, Any]:
    spec = providers.SPECS[name]
    data = services().settings.data_dir
    return {"name": name, "label": spec.label, "has_key": keys.has(data, name),
            "key_hint": keys.hint(data, name), "docs": spec.docs, "how": spec.key_help,
            "paid": True,
            "models": [p.name for p in providers.PRESETS.values() if p.provider == name]}


def _known(name: str) -> str:
    if name not in providers.SPECS:
        raise NotFound(f"There is no provider '{name}'. Choose one of: "
                       f"{', '.join(providers.SPECS)}.", field="name")
    return name


@bp.get("/providers")
def list_providers():
    return {"providers": [provider_json(n) for n in providers.SPECS]}


@bp.put("/providers/<name>/key")
def set_key(name: str):
    _known(name)
    key = get_str(json_body(), "key", required=True, allow_empty=False, max_len=MAX_KEY)
    key = key.strip()
    if any(c.isspace() for c in key):
        raise InvalidRequest("'key' must not contain spaces or line breaks.", field="key")
    keys.store(services().settings.data_dir, name, key)
    services().events.publish("model.updated", name=name, data={"provider": name})
    return {"provider": provider_json(name)}


@bp.delete("/providers/<name>/key")
def delete_key(name: str):
    _known(name)
    removed = keys.remove(services().settings.data_dir, name)
    return {"provider": provider_json(name), "removed": removed}

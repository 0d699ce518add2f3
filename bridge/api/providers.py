"""/providers: which cloud providers exist, whether a key is stored; store or forget one.

A key goes in (PUT) and never comes out: answers say `has_key` and the key's last four
characters, nothing more. Storing one turns that provider's presets in GET /models from
`needs_key` to `ready` and starts its executors; removing it stops them.
"""

from __future__ import annotations

from flask import Blueprint

from bridge import providers
from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.scale import KeyIn, ProviderAnswer, ProviderList, ProviderOut
from bridge.engine.events import EventKind
from bridge.errors import InvalidRequest, NotFound
from bridge.providers import keys

bp = Blueprint("providers", __name__)


def provider_out(name: str) -> ProviderOut:
    spec = providers.SPECS[name]
    data = services().settings.data_dir
    return ProviderOut(name=name, label=spec.label, has_key=keys.has(data, name),
                       key_hint=keys.hint(data, name), docs=spec.docs, how=spec.key_help,
                       paid=True, models=[p.name for p in providers.PRESETS.values()
                                          if p.provider == name])


def _known(name: str) -> str:
    if name not in providers.SPECS:
        raise NotFound(f"There is no provider '{name}'. Choose one of: "
                       f"{', '.join(providers.SPECS)}.", field="name")
    return name


def _changed(name: str) -> None:
    s = services()
    providers.sync(s.worker, s.settings.data_dir, s.settings.images_dir)
    s.events.publish(EventKind.MODEL_UPDATED, name=name, data={"provider": name})


@route(bp, "GET", "/providers", summary="Cloud providers and whether a key is stored",
       replies={200: ProviderList})
def list_providers():
    return ProviderList(providers=[provider_out(n) for n in providers.SPECS])


@route(bp, "PUT", "/providers/<name>/key", summary="Store a provider's API key",
       description="The key is kept with mode 0600 in the data dir and never returned.",
       body=KeyIn, replies={200: ProviderAnswer}, errors=(409,))
def set_key(name: str, body: KeyIn):
    _known(name)
    if any(c.isspace() for c in body.key):
        raise InvalidRequest("'key' must not contain spaces or line breaks.", field="key")
    keys.store(services().settings.data_dir, name, body.key)
    _changed(name)
    return ProviderAnswer(provider=provider_out(name))


@route(bp, "DELETE", "/providers/<name>/key", summary="Forget a provider's API key",
       replies={200: ProviderAnswer}, errors=(409,))
def delete_key(name: str):
    _known(name)
    removed = keys.remove(services().settings.data_dir, name)
    _changed(name)
    return ProviderAnswer(provider=provider_out(name), removed=removed)

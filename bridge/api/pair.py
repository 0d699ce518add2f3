"""Trade a one-time pairing code (printed by `promptcut serve`) for the API token."""

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.misc import PairIn, PairOut
from bridge.errors import PromptcutError

bp = Blueprint("pair", __name__)


@route(bp, "POST", "/pair", summary="Trade a one-time pairing code for the token",
       public=True, body=PairIn, replies={200: PairOut}, errors=(429,))
def pair(body: PairIn):
    if not services().pairing.redeem(body.code):
        raise PromptcutError("That pairing code is wrong, used or expired; restart "
                             "`promptcut serve` for a new one, or paste the token from "
                             "`promptcut token`.", field="code", code="bad_pairing_code",
                             status=403)
    return PairOut(token=services().token)

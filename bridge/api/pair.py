"""Trade a one-time pairing code (printed by `promptcut serve`) for the API token."""

import math

from flask import Blueprint, jsonify

from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.misc import PairIn, PairOut
from bridge.errors import PromptcutError
from bridge.pairing import PairingLocked

bp = Blueprint("pair", __name__)


@route(bp, "POST", "/pair", summary="Trade a one-time pairing code for the token",
       public=True, body=PairIn, replies={200: PairOut}, errors=(429,))
def pair(body: PairIn):
    try:
        redeemed = services().pairing.redeem(body.code)
    except PairingLocked as exc:
        wait = math.ceil(exc.retry_after_s)
        err = PromptcutError(f"Too many wrong pairing codes; try again in {wait} s, or paste "
                             "the token from `promptcut token`.", field="code",
                             code="pairing_locked", status=429,
                             details={"retry_after_s": wait})
        return jsonify(err.to_json()), 429, {"Retry-After": str(wait)}
    if not redeemed:
        raise PromptcutError("That pairing code is wrong, used or expired; restart "
                             "`promptcut serve` for a new one, or paste the token from "
                             "`promptcut token`.", field="code", code="bad_pairing_code",
                             status=403)
    return PairOut(token=services().token)

"""Trade a one-time pairing code (printed by `promptcut serve`) for the API token."""

from flask import Blueprint

from bridge.api.common import get_str, json_body, services
from bridge.errors import PromptcutError

bp = Blueprint("pair", __name__)


@bp.post("/pair")
def pair():
    code = get_str(json_body(), "code", required=True, allow_empty=False, max_len=100)
    if not services().pairing.redeem(code):
        raise PromptcutError("That pairing code is wrong, used or expired; restart "
                             "`promptcut serve` for a new one, or paste the token from "
                             "`promptcut token`.", field="code", code="bad_pairing_code",
                             status=403)
    return {"token": services().token}

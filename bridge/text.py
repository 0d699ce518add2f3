"""The rule for free text a person types: prompts, negative prompts, notes, labels, names.

It sits at the bottom of the package because the request type (bridge.request) declares its
prompt with it, and the API's bodies (bridge.api.schemas) use it for every other text field.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

# What the document says of free text; the validator below is the rule itself (it also
# catches lone surrogates, which a JSON Schema pattern cannot name).
TEXT_PATTERN = "^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
ALLOWED_CONTROLS = frozenset("\t\n")


def check_text(value: str) -> str:
    """Refuse NUL, control characters other than tab and newline, and lone surrogates.

    They are accepted by JSON but break what comes after: tokenizers, file names, the
    sidecar JSON, editors' timeline files. Refused at submit, naming the position.
    """
    for i, ch in enumerate(value):
        if ch in ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            raise PydanticCustomError(
                "invalid_character",
                "contains the character {char} at position {position}; control "
                "characters other than tab and newline are not allowed",
                {"char": f"U+{ord(ch):04X}", "position": i})
    return value


# The one free-text type: prompts, negative prompts, notes, tags, names, labels.
Text = Annotated[str, AfterValidator(check_text),
                 Field(json_schema_extra={"pattern": TEXT_PATTERN})]


def text(max_length: int, *, min_length: int = 0, strip: bool = False) -> Any:
    """Free text with bounds (`min_length=1` with `strip` refuses blank text as required)."""
    return Annotated[str, StringConstraints(strip_whitespace=strip, min_length=min_length,
                                            max_length=max_length),
                     AfterValidator(check_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]

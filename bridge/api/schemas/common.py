"""Types every request and response body shares: free text, ids, the error shape.

Bodies are strict (no "3" for 3, no true for 1, no NaN) and forbid unknown fields, as the
hand-written readers did; answers are plain models whose every field is always present, so
the generated TypeScript marks them required and a renamed field fails the panel's build.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    create_model,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Required, TypedDict, is_typeddict

from bridge.text import ALLOWED_CONTROLS, TEXT_PATTERN, Text, check_text, text  # noqa: F401

# Ids the bridge gave out; anything longer is refused before it reaches the database.
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SHA256_PATTERN = "^[0-9a-f]{64}$"


def check_sha256(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise PydanticCustomError("invalid", "must be a sha256 in lowercase hex, as POST "
                                  "/images answers")
    return value


Sha256 = Annotated[str, AfterValidator(check_sha256),
                   Field(json_schema_extra={"pattern": SHA256_PATTERN})]


class Body(BaseModel):
    """A request body: strict types, unknown fields refused, no NaN or Infinity."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class Query(BaseModel):
    """Query parameters arrive as strings, so they are converted (lax), and unknown ones
    are ignored as they always were."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class Answer(BaseModel):
    """A response body. Its fields take no defaults: each is always sent, so each is
    required in the document. (Not pydantic's "serialization defaults required": that
    reaches into nested TypedDicts and makes their optional keys required.)"""


Number = int | float


class ErrorFacts(TypedDict, total=False):
    """The facts a refusal carries beside its sentence, by what it is about; a refusal sends
    only those that apply (`choices` for a value not on a list, `suggestion` and `nearest`
    for a size or frame count the preset does not take, `retry_after_s` for a busy library)."""

    choices: list[str | Number | list[Number] | None]
    suggestion: Number | str
    nearest: list[Number]
    multiple: int
    rule: str
    min: Number
    max: Number
    model: str
    conditioning: str | None
    frame: int | str
    estimate_s: Number
    limit_s: Number
    id: str
    draft_take_id: str
    path: str
    retry_after_s: Number
    rates: str
    char: str
    position: int


class ErrorDetail(BaseModel):
    code: str = Field(description="required, wrong_type, out_of_range, too_long, "
                      "unknown_field, invalid_choice, invalid_character, not_found, ... "
                      "(see docs/api.md)")
    message: str = Field(description="a sentence a person can act on")
    field: str | None = Field(description="the field at fault as a dotted path "
                              "(`init_image.frame`, `takes[2]`), or a header name")
    details: ErrorFacts | None = Field(
        default=None, description="e.g. the nearest valid values: suggestion, nearest, "
        "choices")


class Error(BaseModel):
    """Every refusal: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetail


def answer_of(record: type, model_name: str, /, *, base: type[BaseModel] = Answer,
              exclude: tuple[str, ...] = (), **changes: Any) -> type[BaseModel]:
    """An answer model with every field of a record (a pydantic model, a dataclass or a
    TypedDict), each required (an answer always carries them all; a TypedDict's optional key
    is None when absent), so the record stays the one place its fields are named. `exclude`
    leaves fields out; `changes` narrow a field's type or add one: name=(type, default or
    ... or Field(...))."""
    fields: dict[str, Any] = {}
    if is_typeddict(record):
        hints = typing.get_type_hints(record, include_extras=False)
        fields = {n: (t, ...) if n in record.__required_keys__ else (t | None, None)
                  for n, t in hints.items()}
    elif isinstance(record, type) and issubclass(record, BaseModel):
        for field_name, info in record.model_fields.items():
            fields[field_name] = (info.rebuild_annotation(),
                                  Field(description=info.description))
    else:
        hints = typing.get_type_hints(record, include_extras=True)
        fields = {f.name: (hints[f.name], ...) for f in dataclasses.fields(record)}
    for field_name in exclude:
        fields.pop(field_name)
    fields.update(changes)
    return create_model(model_name, __base__=base, __doc__=record.__doc__, **fields)


def shape_of(record: Any, name: str, /, **changes: Any) -> Any:
    """A TypedDict record under another name with some keys' types narrowed (a key keeps
    whether it is required), for an answer that carries the record as stored."""
    hints = {n: _unrequired(t) for n, t in
             typing.get_type_hints(record, include_extras=True).items()}
    hints.update(changes)
    fields = {n: Required[t] if n in record.__required_keys__ else t for n, t in hints.items()}
    shape = TypedDict(name, fields, total=False)  # type: ignore[operator]
    shape.__doc__ = record.__doc__
    return shape


def _unrequired(hint: Any) -> Any:
    return typing.get_args(hint)[0] if typing.get_origin(hint) in (
        Required, typing.Required, typing.NotRequired) else hint


class DocumentedAs:
    """Annotated marker: document a field with `record`'s schema while it is validated by
    the record's own reader (otio_export's Cut.from_dict names the field at fault the same
    way and applies rules a schema cannot), so the record stays the one place."""

    def __init__(self, record: Any) -> None:
        self.record = record

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        return handler(TypeAdapter(self.record).core_schema)

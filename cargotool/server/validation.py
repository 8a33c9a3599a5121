"""One mechanism for the JSON types of request bodies: the type a route declares with
`describe(..., body=Type)` (server/schema.py) is both its OpenAPI request body and what `json_body(request)`
checks the parsed body against, so the document and the check cannot drift and no handler repeats them.

- A route that takes no body declares `body=NO_BODY`; `tests/integration/test_body_types.py` fails for any
  POST/PUT/PATCH route that declares neither, and `json_body` refuses to read the body of a route that has
  no type (a programming error, caught by the tests and the fuzzer).
- Only JSON *types* are checked here (pydantic, strict: no "5" for 5, no 1 for true; unknown fields are
  left to the handler, as the bodies' docstring says). Ranges, formats and required-but-blank stay with the
  domain, which has the better words for them. A field may carry those words for a type error too:
  `rate_rub: Annotated[float, Say("Укажите ставку целым числом рублей")]`.
- The check runs when the handler reads the body, not before it: the handler's own gates (the webhook
  secret, the paywall, rate limits) answer first, so a caller without access learns nothing of the shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Callable, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter, ValidationError

from ..core.errors import InvalidInput

ATTRIBUTE = "__body_type__"
MESSAGE = "Проверьте данные запроса"
TYPE_ERRORS = {  # pydantic's error type → what the field should have been
    "missing": "Обязательное поле",
    "string_type": "Ожидался текст",
    "int_type": "Ожидалось целое число",
    "float_type": "Ожидалось число",
    "bool_type": "Ожидалось true или false",
    "dict_type": "Ожидался объект",
    "typed_dict_type": "Ожидался объект",
    "model_type": "Ожидался объект",
    "list_type": "Ожидался список",
    "none_required": "Ожидался null",
}


class NoBody:
    """Declares that a route takes no body (whatever is sent is not read)."""


NO_BODY = NoBody


@dataclass(frozen=True)
class Say:
    """The words for a field's type error, instead of the generic ones (`Annotated[int, Say("…")]`)."""

    text: str


def declare(handler: Callable, kind: Any) -> None:
    setattr(handler, ATTRIBUTE, kind)


def declared(handler: Callable | None) -> Any:
    """The body type a route's handler declared; NO_BODY; or None when it declared nothing."""
    return getattr(handler, ATTRIBUTE, None)


@lru_cache(maxsize=None)
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


def check_body(kind: Any, value: Any) -> Any:
    """`value` when it is of type `kind`. No body at all (None) is never one; it is checked as `{}` first,
    so the answer names the fields it lacks."""
    if value is None:
        check(kind, {})
        raise InvalidInput(MESSAGE, fields={"body": TYPE_ERRORS["dict_type"]})
    check(kind, value)
    return value


def check(kind: Any, value: Any) -> None:
    """InvalidInput (400) naming each field whose JSON type is not the declared one."""
    try:
        _adapter(kind).validate_python(value, strict=True)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = _field_name(value, error["loc"], error["type"] == "missing")
            fields.setdefault(name, _say(kind, name) or _text(error))
        raise InvalidInput(MESSAGE, fields=fields) from None


def _field_name(value: Any, loc: tuple, missing: bool) -> str:
    """The dotted path of the field in the body. pydantic's `loc` also names union members ("str",
    "function-after[...]"); those are not in the body, so the path stops before the first of them."""
    path: list[str] = []
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        elif not (missing and last):
            break
        path.append(str(step))
    return ".".join(path) or "body"


def _text(error: dict) -> str:
    if error["type"] == "literal_error":
        return "Допустимо: " + error.get("ctx", {}).get("expected", "")
    return TYPE_ERRORS.get(error["type"], "Неверный тип значения")


def _say(kind: Any, name: str) -> str | None:
    """A top-level field's own words (`Say`), if its type carries them."""
    try:
        hint = get_type_hints(kind, include_extras=True).get(name)
    except (TypeError, NameError):
        return None
    while hint is not None:
        if get_origin(hint) is Annotated:
            return next((m.text for m in hint.__metadata__ if isinstance(m, Say)), None)
        args = get_args(hint)  # NotRequired[...] / Required[...] wrap the Annotated
        hint = args[0] if len(args) == 1 else None
    return None

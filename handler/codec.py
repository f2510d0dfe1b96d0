"""JSON in and out without losing a digit.

DynamoDB numbers are decimals of up to 38 significant digits; Python floats are not. Request bodies are
parsed with every fractional number as ``Decimal`` (integers stay ``int``), and responses print every
``Decimal`` exactly as DynamoDB returned it, so ``0.1``, ``1e-130`` and a 38-digit integer all survive
a round trip. simplejson does both natively (``use_decimal``); the standard library cannot print a
Decimal as a JSON number.
"""

import base64
from decimal import Decimal
from typing import Any

import simplejson
from boto3.dynamodb.types import Binary


class BodyError(ValueError):
    """The request body is not valid JSON (or uses NaN/Infinity, which JSON does not have)."""


def _reject_constant(name: str) -> Any:
    raise BodyError(f"{name} is not a valid JSON value")


def decode(text: str) -> Any:
    """Parse JSON text, fractional numbers as ``Decimal``; raise ``BodyError`` on bad input."""
    try:
        return simplejson.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except simplejson.JSONDecodeError as error:
        raise BodyError(f"request body is not valid JSON: {error.msg} at position {error.pos}") from None


def _non_json_types(value: Any) -> Any:
    """DynamoDB sets travel as sorted lists and binary attributes as base64 text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda member: getattr(member, "value", member))
    if isinstance(value, Binary | bytes | bytearray):
        raw: Any = getattr(value, "value", value)  # a Binary's bytes, which boto3-stubs does not declare
        return base64.b64encode(bytes(raw)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(value: Any) -> str:
    """Serialise a DynamoDB-shaped value to JSON text, numbers exact and Unicode kept as is."""
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, default=_non_json_types)

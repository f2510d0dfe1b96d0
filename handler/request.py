"""Turn an incoming event into a validated ``Request``, or an ``ApiError`` saying exactly what is wrong.

The body keeps the documents' shape ``{"operation", "tableName", "payload"}``. The table is the one the
function is configured with: ``tableName`` may be left out, and a different one is refused. Payload
fields are allow-listed per operation, so no caller can smuggle ``TableName`` (or anything else) into
the SDK call.
"""

from dataclasses import dataclass
from typing import Any

from handler.codec import BodyError, decode
from handler.errors import ApiError, bad_request

_OBJECT = dict
_TEXT = str
_FLAG = bool

# The payload fields each operation accepts, and their JSON types. Required fields are in REQUIRED.
_EXPRESSION_FIELDS = {"ExpressionAttributeNames": _OBJECT, "ExpressionAttributeValues": _OBJECT}
ALLOWED_FIELDS: dict[str, dict[str, type]] = {
    "create": {"Item": _OBJECT, "ConditionExpression": _TEXT, "ReturnValues": _TEXT, **_EXPRESSION_FIELDS},
    "read": {
        "Key": _OBJECT,
        "ConsistentRead": _FLAG,
        "ProjectionExpression": _TEXT,
        "ExpressionAttributeNames": _OBJECT,
    },
    "update": {
        "Key": _OBJECT,
        "UpdateExpression": _TEXT,
        "ConditionExpression": _TEXT,
        "ReturnValues": _TEXT,
        **_EXPRESSION_FIELDS,
    },
    "delete": {"Key": _OBJECT, "ConditionExpression": _TEXT, "ReturnValues": _TEXT, **_EXPRESSION_FIELDS},
    "list": {
        "Limit": int,
        "ExclusiveStartKey": _OBJECT,
        "FilterExpression": _TEXT,
        "ProjectionExpression": _TEXT,
        "ConsistentRead": _FLAG,
        **_EXPRESSION_FIELDS,
    },
}
REQUIRED_FIELDS = {"create": ("Item",), "read": ("Key",), "update": ("Key", "UpdateExpression"), "delete": ("Key",)}
OPERATIONS = (*ALLOWED_FIELDS, "echo", "ping")
_TOP_LEVEL_FIELDS = {"operation", "tableName", "payload"}
_JSON_TYPE_NAMES = {dict: "an object", str: "a string", bool: "a boolean", int: "an integer"}


@dataclass(frozen=True)
class Request:
    operation: str
    payload: Any


def from_proxy_body(body: str | None, is_base64: bool = False) -> Any:
    """The JSON document inside an API Gateway proxy event's body."""
    if body is None or body.strip() == "":
        raise bad_request("request body is empty; send a JSON object with an 'operation'")
    if is_base64:
        import base64
        import binascii

        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise bad_request("request body is not UTF-8 JSON") from None
    try:
        return decode(body)
    except BodyError as error:
        raise bad_request(str(error), "InvalidJson") from None


def parse(document: Any, configured_table: str) -> Request:
    """Validate a request document against the operation's allow-list."""
    if not isinstance(document, dict):
        raise bad_request("request body must be a JSON object with an 'operation'")
    unknown = sorted(set(document) - _TOP_LEVEL_FIELDS)
    if unknown:
        raise bad_request(f"unknown top-level field(s) {unknown}; allowed: {sorted(_TOP_LEVEL_FIELDS)}")
    operation = document.get("operation")
    if operation not in OPERATIONS:
        shown = "missing" if operation is None else repr(operation)
        raise bad_request(
            f"operation {shown} is not supported; valid operations: {', '.join(OPERATIONS)}",
            "UnknownOperation",
        )
    table = document.get("tableName")
    if table is not None and table != configured_table:
        raise ApiError(403, "ForeignTable", f"this API serves only table '{configured_table}'")
    payload = document.get("payload")
    if operation in ALLOWED_FIELDS:
        payload = _check_payload(operation, {} if payload is None else payload)
    return Request(operation, payload)


def _check_payload(operation: str, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise bad_request(f"'payload' for {operation} must be a JSON object")
    allowed = ALLOWED_FIELDS[operation]
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise bad_request(
            f"payload field(s) {unknown} are not allowed for {operation}; allowed: {sorted(allowed)}",
            "UnknownField",
        )
    missing = [name for name in REQUIRED_FIELDS.get(operation, ()) if name not in payload]
    if missing:
        raise bad_request(f"{operation} needs payload field(s) {missing}", "MissingField")
    for name, value in payload.items():
        expected = allowed[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise bad_request(f"payload field '{name}' must be {_JSON_TYPE_NAMES[expected]}", "WrongType")
    return payload

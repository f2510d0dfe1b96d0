"""The seven operations. Each takes the validated payload and returns the JSON-ready result."""

from collections.abc import Callable
from typing import Any

from handler.errors import ApiError

Table = Any  # boto3's dynamodb.Table resource


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def create(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return _without_metadata(table.put_item(**payload))


def read(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    response = _without_metadata(table.get_item(**payload))
    if "Item" not in response:
        raise ApiError(404, "NotFound", "no item has that key")
    return response


def update(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return _without_metadata(table.update_item(**payload))


def delete(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return _without_metadata(table.delete_item(**payload))


def list_items(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return _without_metadata(table.scan(**payload))


def echo(_table: Table, payload: Any) -> Any:
    return payload


def ping(_table: Table, _payload: Any) -> str:
    return "pong"


OPERATIONS: dict[str, Callable[[Table, Any], Any]] = {
    "create": create,
    "read": read,
    "update": update,
    "delete": delete,
    "list": list_items,
    "echo": echo,
    "ping": ping,
}

"""The seven operations. Each takes the validated payload and returns the JSON-ready result."""

from collections.abc import Callable
from typing import Any

from handler.dynamo import Table
from handler.errors import ApiError


def create(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return table.put_item(**payload)


def read(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    response = table.get_item(**payload)
    if "Item" not in response:
        raise ApiError(404, "NotFound", "no item has that key")
    return response


def update(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return table.update_item(**payload)


def delete(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return table.delete_item(**payload)


def list_items(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    return table.scan(**payload)


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

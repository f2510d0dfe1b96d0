"""The table, as the operations use it: boto3's low-level client with exact number conversion both ways.

boto3's ``Table`` resource converts numbers with a 38-digit context that raises on *reading* some values
DynamoDB itself accepted and returns, such as 1E+38 (returned as a 39-digit integer). Reading here uses
``Decimal(text)``, which is exact; writing keeps boto3's serializer, which enforces DynamoDB's own limit.
"""

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

# Request fields holding DynamoDB values, and response fields to convert back.
_VALUE_FIELDS = ("Item", "Key", "ExclusiveStartKey", "ExpressionAttributeValues")
_RESULT_FIELDS = ("Item", "Attributes", "LastEvaluatedKey")


class _ExactDeserializer(TypeDeserializer):
    def _deserialize_n(self, value: str) -> Decimal:
        return Decimal(value)

    def _deserialize_ns(self, value: list[str]) -> set[Decimal]:
        return {Decimal(member) for member in value}


_serializer, _deserializer = TypeSerializer(), _ExactDeserializer()


def _to_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in attributes.items()}


def _from_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


class Table:
    """The five item calls the handler makes, on one table, with plain Python values in and out."""

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name = client, name

    def _call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        request = {k: _to_wire(v) if k in _VALUE_FIELDS else v for k, v in payload.items()}
        response: dict[str, Any] = getattr(self.client, operation)(TableName=self.name, **request)
        response.pop("ResponseMetadata", None)
        for field in _RESULT_FIELDS:
            if field in response:
                response[field] = _from_wire(response[field])
        if "Items" in response:
            response["Items"] = [_from_wire(item) for item in response["Items"]]
        return response

    def put_item(self, **payload: Any) -> dict[str, Any]:
        return self._call("put_item", payload)

    def get_item(self, **payload: Any) -> dict[str, Any]:
        return self._call("get_item", payload)

    def update_item(self, **payload: Any) -> dict[str, Any]:
        return self._call("update_item", payload)

    def delete_item(self, **payload: Any) -> dict[str, Any]:
        return self._call("delete_item", payload)

    def scan(self, **payload: Any) -> dict[str, Any]:
        return self._call("scan", payload)

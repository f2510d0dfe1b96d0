"""MiniStack answers a names or values map that no expression can use as DynamoDB does (expression_params.py).

The expected messages are DynamoDB's: PutItem's as recorded on DynamoDB by nubo-db/dynamodb-conformance, the others
as AWS's DynamoDB Local 3.3.1 gives them (asked on this machine); dynalite's ``validateExpressionParams`` states the
same rule."""

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from ministack.services import dynamodb

from local_runtime.ministack.patches import TUNED
from local_runtime.patching import Patch, Patches

pytestmark = pytest.mark.unit
NAMES = {"#n": "n"}
VALUES = {":v": {"S": "x"}}
NAMES_MESSAGE = "ExpressionAttributeNames can only be specified when using expressions"


def values_message(null_expressions: str) -> str:
    return f"ExpressionAttributeValues can only be specified when using expressions: {null_expressions}"


@pytest.fixture
def table() -> Iterator[str]:
    """A table in MiniStack's in-process DynamoDB, with every patch of TUNED applied; both undone after."""
    name = f"expression-params-{uuid.uuid4().hex[:8]}"
    schema = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}
    attributes = {"AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
    status, _, body = dynamodb._create_table(
        {"TableName": name, **schema, **attributes, "BillingMode": "PAY_PER_REQUEST"}
    )
    assert status == 200, body
    TUNED.apply()
    try:
        yield name
    finally:
        Patches(Patch.applied).undo()
        dynamodb._delete_table({"TableName": name})


def _answer(call: Callable[[dict], tuple], request: dict) -> tuple[int, str]:
    status, _headers, body = call(request)
    return status, json.loads(body).get("message", "")


def test_put_item__values_without_an_expression_get_dynamodbs_message(table):
    # GIVEN a PutItem with ExpressionAttributeValues and no ConditionExpression (the API's `create` can send it)
    request = {"TableName": table, "Item": {"id": {"S": "a"}}, "ExpressionAttributeValues": VALUES}
    # WHEN MiniStack answers, THEN it is DynamoDB's message, outside the "1 validation error detected" envelope
    assert _answer(dynamodb._put_item, request) == (400, values_message("ConditionExpression is null"))


KEY = {"id": {"S": "a"}}
CASES = {
    "put, names": (dynamodb._put_item, {"Item": KEY, "ExpressionAttributeNames": NAMES}, NAMES_MESSAGE),
    "put, names before values": (
        dynamodb._put_item,
        {"Item": KEY, "ExpressionAttributeNames": NAMES, "ExpressionAttributeValues": VALUES},
        NAMES_MESSAGE,
    ),
    "update, values": (
        dynamodb._update_item,
        {"Key": KEY, "ExpressionAttributeValues": VALUES},
        values_message("UpdateExpression and ConditionExpression are null"),
    ),
    "update, names": (dynamodb._update_item, {"Key": KEY, "ExpressionAttributeNames": NAMES}, NAMES_MESSAGE),
    "delete, values": (
        dynamodb._delete_item,
        {"Key": KEY, "ExpressionAttributeValues": VALUES},
        values_message("ConditionExpression is null"),
    ),
    "scan, values": (dynamodb._scan, {"ExpressionAttributeValues": VALUES}, values_message("FilterExpression is null")),
    "scan, values with a projection only": (
        dynamodb._scan,
        {"ProjectionExpression": "id", "ExpressionAttributeValues": VALUES},
        values_message("FilterExpression is null"),
    ),
    "scan, names": (dynamodb._scan, {"ExpressionAttributeNames": NAMES}, NAMES_MESSAGE),
    "get, names": (dynamodb._get_item, {"Key": KEY, "ExpressionAttributeNames": NAMES}, NAMES_MESSAGE),
    "query, values": (
        dynamodb._query,
        {
            "KeyConditions": {"id": {"AttributeValueList": [KEY["id"]], "ComparisonOperator": "EQ"}},
            "ExpressionAttributeValues": VALUES,
        },
        values_message("FilterExpression and KeyConditionExpression are null"),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_operation__answers_a_stray_map_as_dynamodb_does(table, case):
    call, request, message = case
    assert _answer(call, {"TableName": table, **request}) == (400, message)


def test_a_map_an_expression_uses__is_still_checked_by_ministack(table):
    # GIVEN values the condition uses, and one it does not: MiniStack's own "unused" check still answers
    request = {
        "TableName": table,
        "Item": KEY,
        "ConditionExpression": "attribute_not_exists(id) OR n = :v",
        "ExpressionAttributeValues": {**VALUES, ":w": {"S": "y"}},
    }
    status, message = _answer(dynamodb._put_item, request)
    assert status == 400 and "unused in expressions" in message and ":w" in message
    # AND an empty map keeps MiniStack's "must not be empty" answer
    empty = {"TableName": table, "Item": KEY, "ExpressionAttributeValues": {}}
    assert "must not be empty" in _answer(dynamodb._put_item, empty)[1]

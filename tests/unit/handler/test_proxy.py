"""The handler behind API Gateway's proxy integration, against moto's DynamoDB."""

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.support.fixtures import REQUEST_NAMES, bad_request_cases, load_request
from tests.support.gaps import mark_gap

pytestmark = pytest.mark.unit


def proxy_event(body: Any = None, raw: str | None = None) -> dict[str, Any]:
    return {
        "httpMethod": "POST",
        "path": "/DynamoDBManager",
        "requestContext": {"requestId": "api-req", "stage": "dev"},
        "headers": {"Content-Type": "application/json"},
        "body": raw if raw is not None else json.dumps(body),
        "isBase64Encoded": False,
    }


def invoke(app, context, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
    response = app.lambda_handler(proxy_event(body, raw), context)
    assert response["headers"]["Content-Type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_documents_request__answers_200(app, context, name):
    # GIVEN the item the documents' read/update/delete requests name
    invoke(app, context, load_request("create", tableName=None))
    # WHEN the documents' request is sent (tableName omitted: the function knows its table)
    status, body = invoke(app, context, load_request(name, tableName=None))
    # THEN it succeeds
    assert status == 200, body


def test_round_trip__create_read_update_list_delete(app, context):
    assert invoke(app, context, {"operation": "create", "payload": {"Item": {"id": "7", "name": "Bob"}}}) == (200, {})
    assert invoke(app, context, {"operation": "read", "payload": {"Key": {"id": "7"}}})[1] == {
        "Item": {"id": "7", "name": "Bob"}
    }
    status, body = invoke(
        app,
        context,
        load_request(
            "update",
            tableName=None,
            payload={
                "Key": {"id": "7"},
                "UpdateExpression": "SET age = :a",
                "ExpressionAttributeValues": {":a": 30},
                "ReturnValues": "UPDATED_NEW",
            },
        ),
    )
    assert (status, body["Attributes"]) == (200, {"age": 30})
    status, body = invoke(app, context, {"operation": "list"})
    assert body["Count"] == 1 and body["Items"] == [{"id": "7", "name": "Bob", "age": 30}]
    assert "ResponseMetadata" not in body
    assert invoke(app, context, {"operation": "delete", "payload": {"Key": {"id": "7"}}}) == (200, {})
    assert invoke(app, context, {"operation": "read", "payload": {"Key": {"id": "7"}}})[0] == 404


def test_numbers_and_unicode__survive_exactly(app, context):
    raw_item = (
        '{"id": "n", "big": 12345678901234567890123456789012345678, "small": 0.000000000000000000001,'
        ' "pi": 3.14159265358979323846264338327950288, "neg": -17, "text": "żółw 🐢 \\u00e9",'
        ' "nested": {"list": [1, 2.5, true, null, {"deep": []}], "map": {}}}'
    )
    raw = '{"operation": "create", "payload": {"Item": ' + raw_item + "}}"
    assert invoke(app, context, raw=raw)[0] == 200
    response = app.lambda_handler(proxy_event({"operation": "read", "payload": {"Key": {"id": "n"}}}), context)
    item = json.loads(response["body"], parse_float=Decimal)["Item"]
    assert item == json.loads(raw_item, parse_float=Decimal)
    assert "12345678901234567890123456789012345678" in response["body"]
    assert "3.14159265358979323846264338327950288" in response["body"]


@pytest.mark.aws_behaviour("bad-requests")
@pytest.mark.parametrize("case", bad_request_cases())
def test_bad_request__gets_its_4xx(app, context, case, request):
    mark_gap(request, "moto", case.get("gaps", {}))
    status, body = invoke(app, context, case.get("body"), case.get("raw"))
    assert status == case["status"], body
    assert body["error"]["code"] == case["code"]
    assert body["error"]["requestId"] == context.aws_request_id
    assert "Traceback" not in json.dumps(body)


def test_unknown_operation__lists_valid_operations(app, context):
    status, body = invoke(app, context, {"operation": "frobnicate"})
    assert status == 400
    for operation in ("create", "read", "update", "delete", "list", "echo", "ping"):
        assert operation in body["error"]["message"]


def test_conditional_write_conflict__gives_409_and_keeps_the_item(app, context):
    invoke(app, context, {"operation": "create", "payload": {"Item": {"id": "c", "v": 1}}})
    status, body = invoke(
        app,
        context,
        {
            "operation": "create",
            "payload": {"Item": {"id": "c", "v": 2}, "ConditionExpression": "attribute_not_exists(id)"},
        },
    )
    assert (status, body["error"]["code"]) == (409, "ConditionalCheckFailedException")
    assert invoke(app, context, {"operation": "read", "payload": {"Key": {"id": "c"}}})[1]["Item"]["v"] == 1


def test_list__paginates_with_limit_and_exclusive_start_key(app, context):
    for index in range(5):
        invoke(app, context, {"operation": "create", "payload": {"Item": {"id": f"p{index}"}}})
    seen, start = [], None
    for _ in range(10):
        payload = {"Limit": 2, **({"ExclusiveStartKey": start} if start else {})}
        body = invoke(app, context, {"operation": "list", "payload": payload})[1]
        seen += [item["id"] for item in body["Items"]]
        start = body.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(seen) == [f"p{index}" for index in range(5)]


def test_base64_body__is_decoded(app, context):
    import base64

    event = proxy_event()
    event.update(body=base64.b64encode(b'{"operation": "ping"}').decode(), isBase64Encoded=True)
    assert json.loads(app.lambda_handler(event, context)["body"]) == "pong"


def test_unexpected_failure__is_a_500_without_internals(app, context, monkeypatch):
    def explode(_table, _payload):
        raise RuntimeError("/secret/path/module.py exploded")

    monkeypatch.setitem(app.OPERATIONS, "ping", explode)
    status, body = invoke(app, context, {"operation": "ping"})
    assert status == 500 and body["error"]["code"] == "InternalError"
    assert "secret" not in json.dumps(body)

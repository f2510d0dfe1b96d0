"""Every operation end to end: real HTTP through API Gateway to the function and DynamoDB."""

import json
import uuid
from decimal import Decimal

import pytest

from tests.support.fixtures import REQUEST_NAMES, load_request

pytestmark = pytest.mark.e2e


def new_id() -> str:
    return f"e2e-{uuid.uuid4()}"


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_documents_request__answers_200(api, outputs, name):
    # GIVEN the documents' item exists (their read/update/delete requests name id "1")
    api.call(load_request("create", tableName=outputs["table_name"]))
    # WHEN the documents' request is sent as written, naming the stack's table
    document = load_request(name)
    if "tableName" in document:
        document["tableName"] = outputs["table_name"]
    response = api.post(document)
    # THEN it succeeds with DynamoDB's response shape
    assert response.status_code == 200, response.text
    assert "ResponseMetadata" not in response.text


def test_echo_and_ping__touch_no_table(api):
    assert api.call(load_request("echo")) == load_request("echo")["payload"]
    assert api.call(load_request("ping")) == "pong"


def test_round_trip__create_read_update_read_list_delete_read(api):
    item_id = new_id()
    key = {"Key": {"id": item_id}}
    assert api.call({"operation": "create", "payload": {"Item": {"id": item_id, "name": "Bob"}}}) == {}
    assert api.call({"operation": "read", "payload": {**key, "ConsistentRead": True}}) == {
        "Item": {"id": item_id, "name": "Bob"}
    }
    updated = api.call(
        {
            "operation": "update",
            "payload": {
                **key,
                "UpdateExpression": "SET #n = :n",
                "ExpressionAttributeNames": {"#n": "name"},
                "ExpressionAttributeValues": {":n": "Alice"},
                "ReturnValues": "ALL_NEW",
            },
        }
    )
    assert updated == {"Attributes": {"id": item_id, "name": "Alice"}}
    assert api.call({"operation": "read", "payload": {**key, "ConsistentRead": True}})["Item"]["name"] == "Alice"
    listed = api.call(
        {
            "operation": "list",
            "payload": {
                "FilterExpression": "id = :id",
                "ExpressionAttributeValues": {":id": item_id},
                "ConsistentRead": True,
            },
        }
    )
    assert listed["Items"] == [{"id": item_id, "name": "Alice"}] and listed["Count"] == 1
    assert api.call({"operation": "delete", "payload": {**key, "ReturnValues": "ALL_OLD"}}) == {
        "Attributes": {"id": item_id, "name": "Alice"}
    }
    response = api.post({"operation": "read", "payload": {**key, "ConsistentRead": True}})
    assert response.status_code == 404 and response.json()["error"]["code"] == "NotFound"


def test_values__survive_exactly(api):
    item_id = new_id()
    raw_item = (
        '{"id": "' + item_id + '", "big": 12345678901234567890123456789012345678, "tiny": 0.000000000000000000001,'
        ' "pi": 3.1415926535897932384626433832795028, "negative": -42, "text": "żółw 🐢 naïve 中文",'
        ' "nested": {"list": [1, 2.5, true, false, null, {"deep": ["x"]}], "empty": {}}}'
    )
    assert api.post(raw='{"operation": "create", "payload": {"Item": ' + raw_item + "}}").status_code == 200
    response = api.post({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}})
    assert response.status_code == 200
    assert json.loads(response.text, parse_float=Decimal)["Item"] == json.loads(raw_item, parse_float=Decimal)
    assert "3.1415926535897932384626433832795028" in response.text


def test_conditional_write_conflict__gives_409_and_keeps_the_first(api):
    item_id = new_id()
    conditional = {"ConditionExpression": "attribute_not_exists(id)"}
    api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}, **conditional}})
    response = api.post({"operation": "create", "payload": {"Item": {"id": item_id, "v": 2}, **conditional}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ConditionalCheckFailedException"
    assert (
        api.call({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}})["Item"]["v"] == 1
    )


def test_list__paginates(api):
    batch = new_id()
    ids = sorted(f"{batch}-{index}" for index in range(5))
    for item_id in ids:
        api.call({"operation": "create", "payload": {"Item": {"id": item_id, "batch": batch}}})
    seen, start, pages = [], None, 0
    query = {
        "FilterExpression": "#batch = :b",  # BATCH is a DynamoDB reserved word
        "ExpressionAttributeNames": {"#batch": "batch"},
        "ExpressionAttributeValues": {":b": batch},
        "ConsistentRead": True,
    }
    while pages < 200:  # bounded: the table holds only what the suite wrote
        page = api.call(
            {"operation": "list", "payload": {"Limit": 2, **query, **({"ExclusiveStartKey": start} if start else {})}}
        )
        seen += [item["id"] for item in page["Items"]]
        pages += 1
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert sorted(seen) == ids
    assert pages >= 2, "Limit=2 must split the scan into pages"


def test_item_over_400_kb__400_and_nothing_written(api):
    item_id = new_id()
    response = api.post({"operation": "create", "payload": {"Item": {"id": item_id, "blob": "x" * (400 * 1024 + 1)}}})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ValidationException"
    assert (
        api.post({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}}).status_code == 404
    )


def test_read_of_sets_and_binary_written_by_another_writer__sorted_lists_and_base64(api, clients, outputs):
    # GIVEN an item with DynamoDB types JSON has no word for (string and number sets, binary), written directly
    item_id = f"typed-{uuid.uuid4().hex[:8]}"
    clients("dynamodb").put_item(
        TableName=outputs["table_name"],
        Item={"id": {"S": item_id}, "tags": {"SS": ["b", "a"]}, "sizes": {"NS": ["10", "2"]}, "blob": {"B": b"\x00hi"}},
    )
    # WHEN it is read through the API
    item = api.call({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}})["Item"]
    # THEN sets come back as sorted lists, exact numbers stay exact, binary as base64 text
    assert item == {"id": item_id, "tags": ["a", "b"], "sizes": [2, 10], "blob": "AGhp"}

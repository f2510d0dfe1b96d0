"""Bad input gets a clear 4xx with a JSON body, never a 5xx; the API key is enforced."""

import uuid

import pytest

from local_runtime.faults.client import FaultApi
from tests.support.fixtures import bad_request_cases
from tests.support.gaps import mark_gap

pytestmark = pytest.mark.e2e


@pytest.mark.aws_behaviour("bad-requests")
@pytest.mark.parametrize("case", bad_request_cases())
def test_bad_request__gets_its_4xx(api, case, backend, request):
    mark_gap(request, backend, case.get("gaps", {}))
    response = api.post(case.get("body"), raw=case.get("raw"))
    assert response.status_code == case["status"], response.text
    error = response.json()["error"]
    assert error["code"] == case["code"]
    assert error["message"] and error["requestId"]
    assert "Traceback" not in response.text and ".py" not in response.text


def test_unknown_operation__400_lists_valid_operations(api):
    response = api.post({"operation": "frobnicate", "payload": {}})
    assert response.status_code == 400
    assert all(
        op in response.json()["error"]["message"]
        for op in ("create", "read", "update", "delete", "list", "echo", "ping")
    )


@pytest.mark.aws_behaviour("api-key-missing")
def test_no_api_key__403(api):
    response = api.post({"operation": "ping"}, key=None)
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


@pytest.mark.aws_behaviour("api-key-wrong")
def test_wrong_api_key__403(api):
    assert api.post({"operation": "ping"}, key="not-the-key-0000000000000000000000").status_code == 403


@pytest.mark.needs("faults")
def test_foreign_table__403_and_no_call(faults):
    # GIVEN the fault proxy in the function's path holds one fault for any call on the foreign table
    foreign = FaultApi(faults.stack.outputs["fault_proxy_url"], f"someone-elses-{uuid.uuid4().hex[:8]}")
    foreign.set("all", error="InternalServerError", count=1)
    try:
        # WHEN a request names that table
        body = {"operation": "create", "tableName": foreign.table, "payload": {"Item": {"id": "x"}}}
        response = faults.api.post(body)
        # THEN it is refused, and the fault is still there: no call on that table went to DynamoDB
        assert response.status_code == 403, response.text
        assert [rule["operation"] for rule in foreign.listed()] == ["all"]
    finally:
        foreign.clear()


@pytest.mark.aws_behaviour("update-expression-syntax")
@pytest.mark.parametrize(
    "expression", ["SET = =", "SET v :v", "SET v = :v SET w = :v", "REMOVE :v", "ADD v", "SET v = :v,", "SET v = :v;"]
)
def test_invalid_update_expression__400(api, expression):
    # GIVEN an update whose expression breaks DynamoDB's grammar (the values it names are all given)
    key = {"id": f"bad-update-{uuid.uuid4()}"}
    payload = {"Key": key, "UpdateExpression": expression, "ExpressionAttributeValues": {":v": 1}}
    # WHEN it is sent, THEN DynamoDB's own validation answers 400, and nothing is written
    response = api.post({"operation": "update", "payload": payload})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ValidationException"
    assert "UpdateExpression" in response.json()["error"]["message"]
    assert api.post({"operation": "read", "payload": {"Key": key, "ConsistentRead": True}}).status_code == 404

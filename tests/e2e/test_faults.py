"""The handler's answers when DynamoDB misbehaves, through the real API: faults injected by the fault proxy.

Each test sets faults with the ``faults`` fixture (cleared afterwards, also on failure) on a stack whose
function calls DynamoDB through the proxy, then asserts what the caller gets and what DynamoDB holds.
"""

import io
import time
import uuid

import pytest

from benchmarks.load import Api
from bootstrap.report import Progress
from harness_cli import lifecycle
from local_runtime.faults.rules import AWS_ERRORS
from tests.support.cli import run_cli
from tests.support.gaps import mark_gap
from tests.support.polling import api_after_up, poll

pytestmark = pytest.mark.e2e
THROTTLING = [code for code, (status, _, _) in AWS_ERRORS.items() if status == 400]
UNAVAILABLE = [code for code, (status, _, _) in AWS_ERRORS.items() if status >= 500]


def _create(item_id: str, **attributes: object) -> dict:
    return {"operation": "create", "payload": {"Item": {"id": item_id, **attributes}}}


def _read(item_id: str) -> dict:
    return {"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}}


@pytest.mark.parametrize("code", THROTTLING)
@pytest.mark.needs("faults")
def test_create_throttled_past_the_sdk_s_retries__429_with_retry_after_and_nothing_written(faults, code):
    # GIVEN every PutItem is throttled
    faults.set("PutItem", error=code, probability=1)
    item_id = f"fault-{uuid.uuid4()}"
    # WHEN a create comes in
    response = faults.api.post(_create(item_id))
    # THEN the SDK's 3 attempts are throttled, the caller gets 429 with Retry-After, and no item exists
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "Throttled"
    faults.clear("PutItem")
    assert faults.api.post(_read(item_id)).status_code == 404


@pytest.mark.needs("faults")
def test_update_throttled__429_and_the_old_item_intact(faults):
    item_id = f"fault-{uuid.uuid4()}"
    faults.api.call(_create(item_id, v=1))
    faults.set("UpdateItem", error="ProvisionedThroughputExceededException")
    update = {"Key": {"id": item_id}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": 2}}
    assert faults.api.post({"operation": "update", "payload": update}).status_code == 429
    assert faults.api.call(_read(item_id)) == {"Item": {"id": item_id, "v": 1}}


@pytest.mark.needs("faults")
def test_first_call_throttled_only__absorbed_by_the_sdk_s_retry__200(faults):
    # GIVEN the next PutItem only is throttled (--count 1)
    faults.set("PutItem", error="ThrottlingException", count=1)
    item_id = f"fault-{uuid.uuid4()}"
    # WHEN a create comes in, THEN the SDK retries it and the caller sees 200, the item written once
    faults.api.call(_create(item_id))
    assert faults.api.call(_read(item_id)) == {"Item": {"id": item_id}}
    assert faults.stack.faults.listed() == []  # the one failure was used up


@pytest.mark.parametrize("code", UNAVAILABLE)
@pytest.mark.needs("faults")
def test_dynamodb_unavailable__503_with_retry_after(faults, code):
    faults.set("GetItem", error=code)
    response = faults.api.post(_read("anything"))
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "ServiceUnavailable"


@pytest.mark.needs("faults")
def test_all_operations__every_one_fails_and_clear_restores_normal_answers(faults):
    item_id = f"fault-{uuid.uuid4()}"
    faults.set("all", error="InternalServerError")
    statuses = [faults.api.post(body).status_code for body in (_create(item_id), _read(item_id), {"operation": "list"})]
    assert statuses == [503, 503, 503]
    faults.clear("all")
    faults.api.call(_create(item_id))
    assert faults.api.call(_read(item_id)) == {"Item": {"id": item_id}}


@pytest.mark.needs("faults")
def test_dropped_connection__503_after_the_sdk_s_retries_and_nothing_written(faults):
    faults.set("PutItem", drop=True)
    item_id = f"fault-{uuid.uuid4()}"
    response = faults.api.post(_create(item_id))
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "ServiceUnavailable" and response.headers["Retry-After"] == "1"
    faults.clear("PutItem")
    assert faults.api.post(_read(item_id)).status_code == 404


@pytest.mark.needs("faults")
def test_latency_within_the_timeout__200_late(faults):
    faults.set("GetItem", latency_ms=500)
    started = time.monotonic()
    assert faults.api.post(_read("anything")).status_code == 404
    assert time.monotonic() - started >= 0.5


@pytest.mark.aws_behaviour("function-timeout")
@pytest.mark.needs("faults")
def test_latency_beyond_the_function_s_timeout__502_then_normal_once_cleared(stack_factory):
    # GIVEN a stack whose function times out after 2 s, with the fault proxy in its path
    settings = stack_factory(timeout_s=2, faults=True)
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    api = api_after_up(outputs)
    fault_api = run_cli(settings, "faults", "set", "--operation", "GetItem", "--latency-ms", "5000")
    assert fault_api.returncode == 0, fault_api.stderr
    # WHEN a read waits 5 s on DynamoDB, THEN Lambda ends it at 2 s and API Gateway answers as on AWS
    response = api.post(_read("anything"))
    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})
    # AND once cleared, a new execution environment answers normally
    assert run_cli(settings, "faults", "clear").returncode == 0
    poll(lambda: api.post(_read("anything")).status_code, accept=lambda status: status == 404, timeout=30)


@pytest.mark.needs("faults")
def test_cli__set_list_clear_drive_the_stack_s_answers(fault_stack):
    # GIVEN the stack's faults are set from the command line
    item_id = f"fault-{uuid.uuid4()}"
    set_ = run_cli(fault_stack.settings, "faults", "set", "--operation", "PutItem", "--error", "ThrottlingException")
    assert set_.returncode == 0, set_.stderr
    try:
        # THEN list shows it and the API answers 429
        listed = run_cli(fault_stack.settings, "faults", "list")
        assert "PutItem     ThrottlingException, probability 1, until cleared" in listed.stdout
        assert fault_stack.api.post(_create(item_id)).status_code == 429
    finally:
        cleared = run_cli(fault_stack.settings, "faults", "clear")
    # AND after clear the API answers normally and nothing is left set
    assert cleared.returncode == 0, cleared.stderr
    fault_stack.api.call(_create(item_id))
    assert run_cli(fault_stack.settings, "faults", "list").stdout.strip() == "no faults are set"


def test_cli__a_stack_without_faults__exit_2_saying_how(settings, outputs):
    if outputs.get("faults"):
        pytest.skip("the session's stack was brought up with --faults")
    result = run_cli(settings, "faults", "list")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: stack ") and "./harness up --faults" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# API Gateway gives up on an integration after 29 s (REST APIs' default, maximum without a quota increase).
INTEGRATION_GAPS: dict[str, str] = {}


@pytest.mark.aws_behaviour("integration-timeout")
@pytest.mark.needs("faults")
def test_latency_beyond_api_gateway_s_29_s__504(stack_factory, backend, request, clients):
    mark_gap(request, backend, INTEGRATION_GAPS)
    # GIVEN a function allowed 40 s, whose GetItem takes 5 s, behind an integration that waits 3 s: AWS lets an
    # integration set timeoutInMillis (50-29000; 29 s is the default both emulators use without it, unit-tested),
    # so the 504 is proven in 3 s instead of 29
    settings = stack_factory(timeout_s=40, faults=True)
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    apigw, api_id = clients("apigateway"), outputs["rest_api_id"]
    resource = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] != "/")
    patch = [{"op": "replace", "path": "/timeoutInMillis", "value": "3000"}]
    apigw.update_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="POST", patchOperations=patch)
    apigw.create_deployment(restApiId=api_id, stageName=settings.stage, description="integration timeout 3 s")
    api = Api(outputs["api_url"], outputs["api_key"], timeout=60)
    assert run_cli(settings, "faults", "set", "--operation", "GetItem", "--latency-ms", "5000").returncode == 0
    # WHEN a read comes in, THEN API Gateway stops waiting at the integration's timeout and answers 504
    started = time.monotonic()
    response = api.post(_read("anything"))
    assert (response.status_code, response.json()) == (504, {"message": "Endpoint request timed out"})
    assert time.monotonic() - started >= 2.5  # it waited for the integration, then gave up

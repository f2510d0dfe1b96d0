"""Every error answer carries the invocation's requestId, and the function logs that id with the status, so
``./harness logs --request-id`` finds the invocation behind any error a caller reports."""

import io
import json

import pytest
from botocore.stub import Stubber

pytestmark = pytest.mark.unit
READ_ABSENT = {"operation": "read", "payload": {"Key": {"id": "absent"}}}
CREATE = {"operation": "create", "payload": {"Item": {"id": "1"}}}


def _event(body: object) -> dict:
    return {"httpMethod": "POST", "requestContext": {"requestId": "api-req"}, "body": json.dumps(body)}


@pytest.fixture
def log(app):
    """What the function's logger writes, from here on (Powertools keeps the stream of its first set-up)."""
    stream = io.StringIO()
    previous = app.logger.registered_handler.setStream(stream)
    yield stream
    app.logger.registered_handler.setStream(previous)


def _boom(_table, _payload):
    raise KeyError("a bug")


@pytest.mark.parametrize(
    ("body", "dynamodb_error", "status"),
    [
        ({"operation": "nope"}, None, 400),
        (READ_ABSENT, None, 404),
        ({**CREATE, "payload": {**CREATE["payload"], "ConditionExpression": "attribute_exists(id)"}}, None, 409),
        (CREATE, "ThrottlingException", 429),
        (CREATE, "ServiceUnavailable", 503),
        (CREATE, "AccessDeniedException", 500),
        ({"operation": "ping"}, "bug", 500),
    ],
    ids=["400", "404", "409", "429", "503", "500-sdk", "500-bug"],
)
def test_error_answer__carries_the_request_id_which_the_log_records_carry(
    app, context, log, monkeypatch, body, dynamodb_error, status
):
    # GIVEN a request that fails in this way
    if dynamodb_error == "bug":
        monkeypatch.setitem(app.OPERATIONS, "ping", _boom)
    stub = Stubber(app.table.client)
    if dynamodb_error not in (None, "bug"):
        monkeypatch.setenv("DDB_MAX_ATTEMPTS", "1")
        stub.add_client_error("put_item", dynamodb_error)
        stub.activate()
    # WHEN it comes in through the API
    response = app.lambda_handler(_event(body), context)
    # THEN the answer names the invocation, and the log's summary record has the same id and the status
    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"]["requestId"] == context.aws_request_id
    records = [json.loads(line) for line in log.getvalue().splitlines() if line.startswith("{")]
    done = [record for record in records if record["message"] == "request done"]
    assert [(record["function_request_id"], record["status"]) for record in done] == [(context.aws_request_id, status)]
    assert all(record["function_request_id"] == context.aws_request_id for record in records)

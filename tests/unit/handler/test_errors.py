"""DynamoDB failures an emulator cannot produce on demand, mapped to HTTP answers (botocore Stubber)."""

import json

import pytest
from botocore.exceptions import ConnectionClosedError
from botocore.stub import Stubber

from tests.support.botocore_scripting import script_http

pytestmark = pytest.mark.unit
EVENT = {
    "httpMethod": "POST",
    "requestContext": {"requestId": "r"},
    "body": json.dumps({"operation": "create", "payload": {"Item": {"id": "1"}}}),
}


@pytest.fixture
def stubbed(app):
    """The handler's own DynamoDB client, with every answer scripted."""
    client = app.table.client
    with Stubber(client) as stub:
        yield stub


@pytest.mark.parametrize(
    ("code", "status", "retry_after"),
    [
        ("ProvisionedThroughputExceededException", 429, "1"),
        ("ThrottlingException", 429, "1"),
        ("RequestLimitExceeded", 429, "1"),
        ("InternalServerError", 503, "1"),
        ("ServiceUnavailable", 503, "1"),
        ("AccessDeniedException", 500, None),
        ("ResourceNotFoundException", 500, None),
    ],
)
def test_dynamodb_error__maps_to_status(app, context, stubbed, code, status, retry_after):
    # GIVEN DynamoDB answers with this error even after the SDK's own retries
    stubbed.add_client_error("put_item", code, "internal detail that must not leak")
    # WHEN a create comes in
    response = app.lambda_handler(EVENT, context)
    # THEN the caller gets the mapped status, Retry-After where retrying helps, and no internals
    assert response["statusCode"] == status
    assert response["headers"].get("Retry-After") == retry_after
    assert "internal detail" not in response["body"]
    assert json.loads(response["body"])["error"]["requestId"] == context.aws_request_id


def test_connection_closed_after_the_sdk_s_retries__503_with_retry_after(app, context, monkeypatch):
    # GIVEN DynamoDB's connection closes without an answer, every attempt
    def closed(**_kwargs):
        raise ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    monkeypatch.setattr(app.table.client, "put_item", closed)
    # WHEN a create comes in, THEN 503 with Retry-After, as for DynamoDB's own unavailability
    response = app.lambda_handler(EVENT, context)
    assert response["statusCode"] == 503 and response["headers"]["Retry-After"] == "1"
    assert json.loads(response["body"])["error"]["code"] == "ServiceUnavailable"


def test_validation_error__passes_dynamodb_message_on(app, context, stubbed):
    stubbed.add_client_error("put_item", "ValidationException", "Item size has exceeded the maximum allowed size")
    response = app.lambda_handler(EVENT, context)
    assert response["statusCode"] == 400
    assert "maximum allowed size" in json.loads(response["body"])["error"]["message"]


@pytest.mark.usefixtures("sdk_retries_without_backoff")
def test_throttled_write__is_retried_by_the_sdk_then_succeeds(app, context):
    # GIVEN DynamoDB throttles the first two attempts (HTTP 400 with the throttling code), then accepts
    throttled = (400, {}, b'{"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}')
    served = script_http(app.table.client, "PutItem", [throttled, throttled, (200, {}, b"{}")])
    # WHEN a create comes in, THEN the SDK's standard retry mode absorbs the throttling
    assert app.lambda_handler(EVENT, context)["statusCode"] == 200
    assert served == [400, 400, 200]


@pytest.mark.usefixtures("sdk_retries_without_backoff")
def test_throttled_write__still_throttled_after_retries_gives_429(app, context):
    throttled = (400, {}, b'{"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}')
    served = script_http(app.table.client, "PutItem", [throttled] * 10)
    response = app.lambda_handler(EVENT, context)
    assert (response["statusCode"], response["headers"]["Retry-After"]) == (429, "1")
    assert served == [400, 400, 400]  # DDB_MAX_ATTEMPTS=3 attempts, then the caller is told to retry

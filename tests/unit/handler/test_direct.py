"""The documents' console test: invoking the function directly with the request document as event."""

import pytest

from handler.errors import ApiError
from tests.support.fixtures import load_request

pytestmark = pytest.mark.unit


def test_direct_echo__returns_the_payload(app, context):
    event = load_request("echo")
    assert app.lambda_handler(event, context) == event["payload"]


def test_direct_ping__returns_pong(app, context):
    assert app.lambda_handler({"operation": "ping"}, context) == "pong"


def test_direct_create_then_read__uses_the_configured_table(app, context):
    app.lambda_handler({"operation": "create", "payload": {"Item": {"id": "d", "name": "Bob"}}}, context)
    assert app.lambda_handler({"operation": "read", "payload": {"Key": {"id": "d"}}}, context) == {
        "Item": {"id": "d", "name": "Bob"}
    }


def test_direct_unknown_operation__raises_with_the_valid_list(app, context):
    with pytest.raises(ApiError) as raised:
        app.lambda_handler({"operation": "nope"}, context)
    assert raised.value.status == 400 and "ping" in raised.value.message

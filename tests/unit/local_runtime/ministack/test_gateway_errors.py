"""API Gateway's own errors on MiniStack carry AWS's x-amzn-ErrorType (gateway_errors.py); the end-to-end answers are
in tests/e2e/test_gateway_answers.py."""

import asyncio
import json

import pytest
from ministack.services import apigateway_v1

from local_runtime.ministack import gateway_errors
from local_runtime.ministack.patches import TUNED
from local_runtime.patching import Patch, Patches

pytestmark = pytest.mark.unit
FAILED = {"error": True, "body": {"errorMessage": "boom", "errorType": "RuntimeError"}}


@pytest.fixture(autouse=True)
def tuned():
    TUNED.apply()
    yield
    Patches(Patch.applied).undo()


def test_invalid_api_key__403_with_aws_error_type():
    # GIVEN the gateway error MiniStack raises for a missing or wrong key, on an API with no customised responses
    request = {
        "api_id": "no-such-api",
        "stage": {"deploymentId": "d"},
        "stage_name": "dev",
        "headers": {},
        "path_params": {},
        "resource_path": "/DynamoDBManager",
        "request_id": "r-1",
    }
    error = apigateway_v1._gw_error("INVALID_API_KEY", "Forbidden")
    # WHEN it is rendered, THEN it is AWS's answer, error type included
    status, headers, body = apigateway_v1._gateway_error_response(error, request)
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
    assert headers["x-amzn-ErrorType"] == "ForbiddenException"


def _answer_with(invocation_fails: bool) -> tuple:
    """What the patched request handler answers when MiniStack's own handler met a 502 from this invocation."""

    async def execute(*_args: object) -> tuple:
        async def invoke() -> None:  # MiniStack reads the invocation's result in a task of its own
            if invocation_fails:
                assert apigateway_v1._lambda_proxy_response(FAILED) == (None, "Internal server error")

        await asyncio.ensure_future(invoke())
        return 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'

    original, gateway_errors._original_handle_execute = gateway_errors._original_handle_execute, execute
    try:
        return asyncio.run(apigateway_v1._handle_execute_in_scope("api", "dev"))
    finally:
        gateway_errors._original_handle_execute = original


def test_failed_invocation__502_with_aws_error_type_and_the_function_s_502_untouched():
    # GIVEN a 502 that API Gateway makes because the function failed, THEN it carries API Gateway's error type
    _status, headers, _body = _answer_with(invocation_fails=True)
    assert headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    # AND a 502 the function answered itself is the function's: nothing is added to it
    _status, headers, _body = _answer_with(invocation_fails=False)
    assert "x-amzn-ErrorType" not in headers

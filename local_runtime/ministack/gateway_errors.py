"""API Gateway's own errors carry the ``x-amzn-ErrorType`` AWS sets on them (``tests/e2e/test_gateway_answers.py``
cites where AWS publishes each).

MiniStack stamps the header from a table of gateway response types, which lacks INVALID_API_KEY: a missing or wrong
key got 403 ``{"message": "Forbidden"}`` without ``x-amzn-ErrorType: ForbiddenException``. And the 502 for a failed
invocation is not one of its gateway errors at all: ``_invoke_lambda_proxy_v1`` builds it by hand, with only a
Content-Type. AWS answers it as its other errors, ``x-amzn-ErrorType: InternalServerErrorException``. A 502 the
function returns itself is the function's answer and is left alone: the failure is noted where MiniStack reads the
invocation's result (``note_failed_invocation``, called by ``tuned._lambda_proxy_response_as_aws``), and the request's
answer is completed once it is made (``handle_execute_with_error_type``).
"""

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from ministack.services import apigateway_v1

GATEWAY_RESPONSE_ERROR_TYPES = {**apigateway_v1._GATEWAY_RESPONSE_ERROR_TYPES, "INVALID_API_KEY": "ForbiddenException"}
FAILED_INVOCATION_ERROR_TYPE = "InternalServerErrorException"

# One list per request, shared with the tasks it starts (they copy the context, not the list): a failure is noted in it.
_failed_invocations: ContextVar[list[bool] | None] = ContextVar("harness_failed_invocations", default=None)
_original_handle_execute: Callable[..., Awaitable[Any]] = apigateway_v1._handle_execute_in_scope


def note_failed_invocation() -> None:
    """The function failed: API Gateway answers this request with its own 502."""
    noted = _failed_invocations.get()
    if noted is not None:
        noted.append(True)


async def handle_execute_with_error_type(*args: Any, **kwargs: Any) -> Any:
    """MiniStack's execute-api request, its 502 for a failed invocation carrying API Gateway's error type."""
    noted: list[bool] = []
    token = _failed_invocations.set(noted)
    try:
        response = await _original_handle_execute(*args, **kwargs)
    finally:
        _failed_invocations.reset(token)
    if noted and isinstance(response, tuple) and response[0] == 502:
        status, headers, body = response
        return status, {**headers, "x-amzn-ErrorType": FAILED_INVOCATION_ERROR_TYPE}, body
    return response

"""API Gateway's Lambda proxy integration calls Lambda's ``Invoke`` in process, not through a client round trip.

LocalStack's integration calls Lambda with its internal boto client: with ``IN_MEMORY_CLIENT`` that serialises the
call with botocore, signs it, parses it again through the whole handler chain into Lambda's ``Invoke``, serialises
the answer and parses it back. That was 1.8 ms of LocalStack's CPU per create through the API (``py-spy``). Here
the integration calls the provider's ``Invoke`` operation itself, with what the chain would have given it: the
function's ARN, the event as payload, ``RequestResponse``, a request id and an X-Ray trace header. Lambda's
errors reach the integration as the ``ClientError`` the client raised, so it answers the same 502 (or 500 for
``AccessDeniedException``). One difference: the internal client retried throttling and 5xx answers with botocore's
backoff (up to five attempts); here a throttled or failed ``Invoke`` answers 502 at once. An integration with
``credentials`` (a role to call Lambda as) keeps the client: that call is signed by the role session our IAM
enforcement checks.
"""

import functools
import io
from typing import Any

from botocore.exceptions import ClientError
from localstack.aws.api import RequestContext, ServiceException
from localstack.http import Request
from localstack.services.apigateway.next_gen.execute_api.integrations.aws import RestApiAwsProxyIntegration
from localstack.services.plugins import SERVICE_PLUGINS
from localstack.utils.aws.arns import parse_arn
from localstack.utils.xray.trace_header import TraceHeader


@functools.cache
def _lambda_api() -> Any:
    """Lambda's skeleton: its API model and the provider's operations (loaded once, before any integration runs)."""
    return SERVICE_PLUGINS.require("lambda").skeleton


def invoke_in_process(function_arn: str, event: bytes) -> bytes:
    arn = parse_arn(function_arn)
    # the HTTP request the client would have sent, without its body: Invoke reads only its User-Agent
    context = RequestContext(Request("POST", f"/2015-03-31/functions/{function_arn}/invocations"))
    context.region, context.account_id = arn["region"], arn["account"]
    lambda_api = _lambda_api()
    context.service, context.operation = lambda_api.service, lambda_api.service.operation_model("Invoke")
    context.trace_context["aws_trace_header"] = TraceHeader.from_header_str(None).ensure_root_exists()
    request = {"FunctionName": function_arn, "InvocationType": "RequestResponse", "Payload": io.BytesIO(event)}
    try:
        answer = lambda_api.dispatch_table["Invoke"](context, request)
    except ServiceException as error:  # as the chain would have answered it, and the client raised it
        error_response = {
            "Error": {"Code": error.code, "Message": str(error)},
            "ResponseMetadata": {"HTTPStatusCode": error.status_code},
        }
        raise ClientError(error_response, "Invoke") from error  # type: ignore[arg-type]
    return answer.get("Payload") or b""


def install() -> None:
    """Replace ``RestApiAwsProxyIntegration.call_lambda`` (once; API Gateway's module is loaded lazily)."""
    original = RestApiAwsProxyIntegration.call_lambda
    if getattr(original, "in_process", False):
        return

    def call_lambda(function_arn: str, event: bytes, source_arn: str, credentials: str | None = None) -> Any:
        if credentials:
            return original(function_arn=function_arn, event=event, source_arn=source_arn, credentials=credentials)
        return invoke_in_process(function_arn, event)

    call_lambda.in_process = True  # type: ignore[attr-defined]
    RestApiAwsProxyIntegration.call_lambda = staticmethod(call_lambda)

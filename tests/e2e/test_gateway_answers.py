"""API Gateway's own answers, as AWS gives them: the status, the body and the headers it sets on its errors, for a
missing or wrong key, an unknown route or method, throttling and quota, a failed or slow integration; and a proxy
integration's body passed to the function as sent, whatever its Content-Type.

AWS's answers and where they are published:
- status per gateway response (INVALID_API_KEY and MISSING_AUTHENTICATION_TOKEN 403, THROTTLED and QUOTA_EXCEEDED
  429), and the default body ``{"message": $context.error.messageString}``: "Gateway response types for API Gateway",
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
- ``x-amzn-ErrorType`` ``ForbiddenException`` / ``MissingAuthenticationTokenException`` with "Forbidden" / "Missing
  Authentication Token": "How do I troubleshoot HTTP 403 errors from API Gateway?",
  https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
- 429 "Too Many Requests" (throttle) and "Limit Exceeded" (quota): "How can I troubleshoot '429 Too Many Requests' or
  'Limit Exceeded' errors for my API Gateway API?", https://repost.aws/knowledge-center/api-gateway-429-limit;
  ``TooManyRequestsException`` is "the value populated to the x-amzn-ErrorType response header by API Gateway"
  (the AWS SDKs' reference for that error)
- 502 ``{"message": "Internal server error"}`` when the function fails: "How do I resolve HTTP 502 errors from API
  Gateway REST APIs with Lambda proxy integration?", https://repost.aws/knowledge-center/malformed-502-api-gateway;
  its ``x-amzn-ErrorType: InternalServerErrorException`` as recorded on AWS in LocalStack's snapshot tests
  (localstack/localstack, tests/aws/services/apigateway/test_apigateway_integrations.snapshot.json)
- 504 ``{"message": "Endpoint request timed out"}`` after the integration's timeout (29 s unless
  ``timeoutInMillis``): "Amazon API Gateway quotas", https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
- the body of a proxy integration's event: the request's payload as sent, base64-encoded only when its Content-Type
  matches the API's ``binaryMediaTypes`` (this API has none): "Content type conversions in API Gateway",
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html, and "Input
  format of a Lambda function for proxy integration", https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
No AWS recording of ``x-amzn-ErrorType`` on the quota's 429 or on the 504 was found: those answers are checked for
status, body and the headers every gateway error has (Content-Type, x-amzn-RequestId), not for an error type.
"""

import io
import json
import zipfile
from dataclasses import dataclass

import pytest
import requests

from benchmarks.load import Api
from bootstrap.report import Progress
from harness_cli import lifecycle
from tests.support.polling import api_after_up, poll

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    message: str
    error_type: str | None  # x-amzn-ErrorType, where AWS's is published (module docstring)


FORBIDDEN = GatewayAnswer(403, "Forbidden", "ForbiddenException")
MISSING_TOKEN = GatewayAnswer(403, "Missing Authentication Token", "MissingAuthenticationTokenException")
THROTTLED = GatewayAnswer(429, "Too Many Requests", "TooManyRequestsException")
QUOTA_EXCEEDED = GatewayAnswer(429, "Limit Exceeded", None)
FUNCTION_FAILED = GatewayAnswer(502, "Internal server error", "InternalServerErrorException")
TIMED_OUT = GatewayAnswer(504, "Endpoint request timed out", None)


def assert_gateway_answer(response: requests.Response, expected: GatewayAnswer) -> None:
    """API Gateway's error as AWS sends it: status, JSON body, and the headers it sets on its own errors."""
    assert (response.status_code, response.json()) == (expected.status, {"message": expected.message}), response.text
    assert response.headers.get("Content-Type", "").split(";")[0] == "application/json"
    assert response.headers.get("x-amzn-RequestId")
    if expected.error_type:
        assert response.headers.get("x-amzn-ErrorType") == expected.error_type


@pytest.mark.aws_behaviour("gateway-no-key")
def test_no_api_key__forbidden_as_aws_answers(api):
    assert_gateway_answer(api.post({"operation": "ping"}, key=None), FORBIDDEN)


@pytest.mark.aws_behaviour("gateway-wrong-key")
def test_wrong_api_key__forbidden_as_aws_answers(api):
    assert_gateway_answer(api.post({"operation": "ping"}, key="not-the-key-0000000000000000000000"), FORBIDDEN)


# (method, path below the stage) that the API does not define; the resource is /DynamoDBManager, POST only
ELSEWHERE = {
    "unknown route": ("POST", "Nope"),
    "path below the resource": ("POST", "DynamoDBManager/extra"),
    "GET": ("GET", "DynamoDBManager"),
    "PUT": ("PUT", "DynamoDBManager"),
    "DELETE": ("DELETE", "DynamoDBManager"),
    "PATCH": ("PATCH", "DynamoDBManager"),
}


@pytest.mark.aws_behaviour("gateway-unknown-route")
@pytest.mark.parametrize(("method", "path"), ELSEWHERE.values(), ids=ELSEWHERE.keys())
def test_unknown_route_or_method__missing_authentication_token(api, method, path):
    # GIVEN a method and path the API does not define, sent with the right key (routing comes first)
    stage_url = api.url.rsplit("/", 1)[0]
    # WHEN it is sent, THEN API Gateway answers as for any request it cannot route
    assert_gateway_answer(api.send(method, f"{stage_url}/{path}", '{"operation": "ping"}'), MISSING_TOKEN)


@pytest.mark.aws_behaviour("gateway-throttle")
def test_usage_plan_throttle__too_many_requests_as_aws_answers(stack_factory):
    # GIVEN a stack whose usage plan allows 1 request a second with a burst of 1, once a request got through
    api = api_after_up(lifecycle.up(stack_factory(plan_rate_limit=1.0, plan_burst_limit=1), Progress(io.StringIO())))
    poll(lambda: api.post({"operation": "ping"}).status_code, accept=lambda status: status == 200, timeout=30)
    # WHEN more arrive at once, THEN those over the burst get API Gateway's 429
    responses = [api.post({"operation": "ping"}) for _ in range(4)]
    throttled = [response for response in responses if response.status_code == 429]
    assert throttled
    for response in throttled:
        assert_gateway_answer(response, THROTTLED)


@pytest.mark.aws_behaviour("gateway-quota")
def test_usage_plan_quota__limit_exceeded_as_aws_answers(stack_factory):
    # GIVEN a stack whose key may make 3 requests a day, all made (on AWS the readiness probes used some of them)
    api = api_after_up(lifecycle.up(stack_factory(plan_quota_per_day=3), Progress(io.StringIO())))
    statuses = [api.post({"operation": "ping"}).status_code for _ in range(4)]
    assert 429 in statuses and set(statuses) <= {200, 429}
    # WHEN one more comes, THEN API Gateway refuses it with its quota answer
    assert_gateway_answer(api.post({"operation": "ping"}), QUOTA_EXCEEDED)


def _code_zip(app_source: str) -> bytes:
    """A deployment zip whose ``handler/app.py`` is ``app_source`` (the function's Handler stays the same)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler/__init__.py", "")
        archive.writestr("handler/app.py", app_source)
    return buffer.getvalue()


def _stack_running(stack_factory, clients, app_source: str, **settings) -> tuple[Api, dict]:
    """A stack of its own whose function runs ``app_source``; its API and outputs."""
    outputs = lifecycle.up(stack_factory(**settings), Progress(io.StringIO()))
    api_after_up(outputs)
    lambda_client = clients("lambda")
    lambda_client.update_function_code(FunctionName=outputs["function_name"], ZipFile=_code_zip(app_source))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=outputs["function_name"])
    return Api(outputs["api_url"], outputs["api_key"], timeout=60), outputs


RAISES = "def lambda_handler(event, context):\n    raise RuntimeError('the function failed')\n"
SLEEPS = "import time\n\n\ndef lambda_handler(event, context):\n    time.sleep(6)\n"


@pytest.mark.aws_behaviour("gateway-function-raises")
def test_function_raises__internal_server_error_as_aws_answers(stack_factory, clients):
    # GIVEN a function that raises, WHEN the API calls it, THEN API Gateway answers 502, not the function's error
    api, _ = _stack_running(stack_factory, clients, RAISES)
    response = api.post({"operation": "ping"})
    assert_gateway_answer(response, FUNCTION_FAILED)
    assert "the function failed" not in response.text


@pytest.mark.aws_behaviour("gateway-integration-timeout")
def test_function_outlasts_the_integration__endpoint_request_timed_out(stack_factory, clients, settings):
    # GIVEN a function allowed 20 s that takes 6, behind an integration that waits 3 s (timeoutInMillis; the 29 s
    # default is unit-tested), so the 504 is proven in 3 s
    api, outputs = _stack_running(stack_factory, clients, SLEEPS, timeout_s=20)
    apigw, api_id = clients("apigateway"), outputs["rest_api_id"]
    resource = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] != "/")
    patch = [{"op": "replace", "path": "/timeoutInMillis", "value": "3000"}]
    apigw.update_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="POST", patchOperations=patch)
    apigw.create_deployment(restApiId=api_id, stageName=settings.stage, description="integration timeout 3 s")
    # WHEN a request comes in, THEN API Gateway stops waiting at 3 s and answers 504
    assert_gateway_answer(api.post({"operation": "ping"}), TIMED_OUT)


# A body whose characters a form decoder would change ("+", "&", "=", "%20"), and Content-Types a client may send.
AS_SENT = {"operation": "echo", "payload": {"text": "a+b=c&d e%20f", "é": "ü"}}
CONTENT_TYPES = {
    "curl -d's default": "application/x-www-form-urlencoded",
    "form with charset": "application/x-www-form-urlencoded; charset=utf-8",
    "multipart, not multipart": "multipart/form-data; boundary=none",
    "text": "text/plain",
    "binary": "application/octet-stream",
    "xml": "application/xml",
    "json with charset": "application/json; charset=utf-8",
    "none": None,
}


@pytest.mark.aws_behaviour("any-content-type")
@pytest.mark.parametrize("content_type", CONTENT_TYPES.values(), ids=CONTENT_TYPES.keys())
def test_any_content_type__the_body_reaches_the_function_as_sent(api, content_type):
    # GIVEN a JSON document sent with a Content-Type that is not JSON's (or none), as curl -d does
    body = json.dumps(AS_SENT, ensure_ascii=False).encode()
    # WHEN it is posted, THEN the function gets it byte for byte (no binary media types: no base64) and answers
    response = api.post(raw=body, **{"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json() == AS_SENT["payload"]
    assert response.headers.get("x-amzn-RequestId")

"""API Gateway's integration timeout for LocalStack's Lambda proxy integration: 504 after 29 s, as on AWS.

On AWS a REST API stops waiting for its integration after ``timeoutInMillis`` (29 s by default, and at most
without a quota increase) and answers 504 ``{"message": "Endpoint request timed out"}``; the function runs
on. LocalStack's ``AWS_PROXY`` integration waits as long as the function runs (its HTTP integration has the
timeout, its Lambda one not). This runs the invocation on a pool thread and stops waiting in time. The pool
keeps its threads: a thread started per invocation cost 0.6 ms of LocalStack's CPU per create (``py-spy``).
"""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from typing import Any

from localstack.services.apigateway.next_gen.execute_api.gateway_response import IntegrationTimeoutError
from localstack.services.apigateway.next_gen.execute_api.integrations.aws import RestApiAwsProxyIntegration

DEFAULT_TIMEOUT_MS = 29_000
# A thread stays taken while its function runs on past the timeout; LocalStack's exit stops the functions first.
_INVOCATIONS = ThreadPoolExecutor(max_workers=1024, thread_name_prefix="harness-aws-proxy-integration")


def _timeout_s(context: Any) -> float:
    integration = getattr(context, "integration", None) or {}
    return int(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000


def install() -> None:
    """Wrap ``RestApiAwsProxyIntegration.invoke`` (once)."""
    original = RestApiAwsProxyIntegration.invoke
    if getattr(original, "within_integration_timeout", False):
        return

    def invoke_within_timeout(self: RestApiAwsProxyIntegration, context: Any) -> Any:
        invocation = _INVOCATIONS.submit(original, self, context)
        try:
            return invocation.result(_timeout_s(context))  # its exception, if any, raised here as it was
        except WaitedTooLong:
            if invocation.done():  # it ended meanwhile, or raised a TimeoutError of its own: as it ended
                return invocation.result()
            invocation.cancel()  # still queued (every pool thread taken): it never starts
            raise IntegrationTimeoutError("Endpoint request timed out") from None

    invoke_within_timeout.within_integration_timeout = True  # type: ignore[attr-defined]
    RestApiAwsProxyIntegration.invoke = invoke_within_timeout

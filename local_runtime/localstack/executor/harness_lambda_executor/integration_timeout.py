"""API Gateway's integration timeout for LocalStack's Lambda proxy integration: 504 after 29 s, as on AWS.

On AWS a REST API stops waiting for its integration after ``timeoutInMillis`` (29 s by default, and at most
without a quota increase) and answers 504 ``{"message": "Endpoint request timed out"}``; the function runs
on. LocalStack's ``AWS_PROXY`` integration waits as long as the function runs (its HTTP integration has the
timeout, its Lambda one not). This runs the invocation in a thread of its own and stops waiting in time.
"""

import threading
from typing import Any

from localstack.services.apigateway.next_gen.execute_api.gateway_response import IntegrationTimeoutError
from localstack.services.apigateway.next_gen.execute_api.integrations.aws import RestApiAwsProxyIntegration

DEFAULT_TIMEOUT_MS = 29_000


def _timeout_s(context: Any) -> float:
    integration = getattr(context, "integration", None) or {}
    return int(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000


def install() -> None:
    """Wrap ``RestApiAwsProxyIntegration.invoke`` (once)."""
    original = RestApiAwsProxyIntegration.invoke
    if getattr(original, "within_integration_timeout", False):
        return

    def invoke_within_timeout(self: RestApiAwsProxyIntegration, context: Any) -> Any:
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["response"] = original(self, context)
            except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread as it was
                outcome["error"] = error

        worker = threading.Thread(target=run, name="harness-aws-proxy-integration", daemon=True)
        worker.start()
        worker.join(_timeout_s(context))
        if worker.is_alive():
            raise IntegrationTimeoutError("Endpoint request timed out")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    invoke_within_timeout.within_integration_timeout = True  # type: ignore[attr-defined]
    RestApiAwsProxyIntegration.invoke = invoke_within_timeout

"""A LocalStack extension that enforces what AWS enforces and open-source LocalStack does not.

- **The role's identity policies** (IAM enforcement is LocalStack Pro's): calls signed with a role
  session's credentials are checked against the role's policies (``role_policies.py``, deciding with
  ``enforcement.py``) and refused with AWS's AccessDenied error; other credentials are not checked.
  On unless ``ENFORCE_IAM=0`` (LocalStack's own name for the setting; installing us is opting in).
- **API Gateway's request limits** (LocalStack validates API keys, disabled ones included, but throttles
  nothing): stage and method throttling, then the usage plan's throttle and quota for the request's
  API key (``request_limits.py``, counting with ``throttling.py``), answered with API Gateway's 429s.
  On unless ``HARNESS_ENFORCE_USAGE_PLANS=0``.
- **API Gateway's integration timeout** (``integration_timeout.py``): a Lambda proxy integration still
  running after 29 s answers 504, as on AWS; LocalStack waited as long as the function ran. Always on.
- **The request body as sent** (``request_body.py``): a proxy integration gets the body byte for byte whatever its
  Content-Type, as on AWS; LocalStack re-encoded a form body, or refused a multipart one, before. Always on.

The community runtime has ``Extension`` (the API) but no loader for the ``localstack.extensions``
namespace (that is LocalStack Pro's), so ``load_harness_enforcement``, an ``on_infra_start`` hook, drives
the extension's lifecycle with the community gateway's own composite handlers (``localstack/aws/app.py``).
"""

import logging
import os
import sys
import threading

from localstack.aws import handlers as gateway_handlers
from localstack.aws.api import RequestContext
from localstack.aws.chain import CompositeHandler, HandlerChain
from localstack.extensions.api import Extension
from localstack.http import Response
from localstack.runtime import hooks

from harness_lambda_executor.role_policies import RoleSessionPolicies

LOG = logging.getLogger(__name__)
REST_API_HANDLERS = "localstack.services.apigateway.next_gen.execute_api.handlers"


def _setting(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


class HarnessEnforcement(Extension):
    name = "harness-enforcement"

    def __init__(self) -> None:
        super().__init__()
        self.enforce_iam = _setting("ENFORCE_IAM", "1")
        self.enforce_limits = _setting("HARNESS_ENFORCE_USAGE_PLANS", "1")
        self._api_gateway_patched = False
        self._installing = threading.Lock()

    def on_platform_start(self) -> None:
        # API Gateway loads lazily: patch it, and add our handler to its invocation chain, once it exists.
        gateway_handlers.preprocess_request.append(self._patch_api_gateway)

    def update_request_handlers(self, handlers: CompositeHandler) -> None:
        if self.enforce_iam:
            handlers.append(RoleSessionPolicies())

    def _patch_api_gateway(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        """Runs in every request before it is routed (a flag test once done). LocalStack loads API Gateway,
        and with it the module below, before it routes an API Gateway request: none passes unlimited."""
        if self._api_gateway_patched:
            return
        # getattr: the module may be half-imported by another request's thread
        invocation_chain = getattr(sys.modules.get(REST_API_HANDLERS), "preprocess_request", None)
        if invocation_chain is None:
            return
        with self._installing:  # requests run concurrently: add the handler once
            if not self._api_gateway_patched:
                # these import API Gateway's modules
                from harness_lambda_executor import integration_timeout, lambda_integration, request_body
                from harness_lambda_executor.request_limits import RequestLimits

                if not os.environ.get("HARNESS_DEBUG_PORT"):  # a request paused at a breakpoint waits
                    integration_timeout.install()
                request_body.install()
                lambda_integration.install()
                if self.enforce_limits:
                    invocation_chain.append(RequestLimits())
                self._api_gateway_patched = True


@hooks.on_infra_start()
def load_harness_enforcement() -> None:
    """Does for our extension what LocalStack Pro's extension manager does for installed extensions."""
    extension = HarnessEnforcement()
    extension.on_extension_load()
    extension.on_platform_start()
    extension.update_request_handlers(gateway_handlers.serve_custom_service_request_handlers)
    LOG.info(
        "harness enforcement: role policies %s, API Gateway request limits %s",
        "on" if extension.enforce_iam else "off (ENFORCE_IAM=0)",
        "on" if extension.enforce_limits else "off (HARNESS_ENFORCE_USAGE_PLANS=0)",
    )

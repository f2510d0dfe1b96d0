"""A LocalStack extension that enforces what AWS enforces and open-source LocalStack does not.

- **The role's identity policies** (IAM enforcement is LocalStack Pro's): every AWS call signed with a
  role session's credentials (an access key of STS's AssumeRole, which is how LocalStack's Lambda gives a
  function its role) is evaluated by ``enforcement.py`` against that role's inline and attached policies,
  and refused with AWS's AccessDenied error. Other credentials (the root ``test`` key) are not checked.
  On unless ``ENFORCE_IAM=0`` (LocalStack's own name for the setting; installing us is opting in).
- **API Gateway's request limits** (LocalStack's next-gen invocation validates API keys, disabled ones
  included, but throttles nothing): stage and method throttling from the stage's ``methodSettings``, then
  the usage plan's throttle and quota for the request's API key (``throttling.py``), answered with
  API Gateway's 429s. On unless ``HARNESS_ENFORCE_USAGE_PLANS=0``.

The community runtime has ``Extension`` (the API) but no loader for the ``localstack.extensions``
namespace (that is LocalStack Pro's), so ``load_extension``, an ``on_infra_start`` hook, drives the
extension's lifecycle with the community gateway's own composite handlers.
"""

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from localstack.aws import handlers as gateway_handlers
from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import CompositeHandler, HandlerChain
from localstack.constants import AWS_REGION_US_EAST_1, DEFAULT_AWS_ACCOUNT_ID
from localstack.extensions.api import Extension
from localstack.http import Response
from localstack.runtime import hooks
from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

from harness_lambda_executor import enforcement, throttling

LOG = logging.getLogger(__name__)
REST_API_HANDLERS = "localstack.services.apigateway.next_gen.execute_api.handlers"
_SESSION_KEY_PREFIXES = ("LSIA", "ASIA")  # STS's temporary access keys (LocalStack's parity setting picks one)


def _setting(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


class RoleSessionPolicies:
    """Request handler: a call signed by a role session is refused unless the role's policies allow it."""

    def __call__(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        if context.operation is None or context.is_internal_call:
            return
        access_key = extract_access_key_id_from_auth_header(context.request.headers) or ""
        if not access_key.startswith(_SESSION_KEY_PREFIXES):
            return
        from localstack.services.sts.models import sts_stores

        session = sts_stores[DEFAULT_AWS_ACCOUNT_ID][AWS_REGION_US_EAST_1].credentials.get(access_key)
        if session is None or ":assumed-role/" not in session.arn:
            return
        role_name = session.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        statements = _role_statements(session.account_id, role_name)
        service = context.service.service_name
        request = context.service_request or {}
        for action, resource in enforcement.requested(
            service, context.operation.name, request, context.region, context.account_id
        ):
            decision = enforcement.evaluate(statements, action, resource)
            if decision is not enforcement.Decision.ALLOW:
                message = enforcement.denied_message(session.arn, action, resource, decision)
                LOG.info("denied by the role's policies: %s", message)
                raise _access_denied(context.service.protocol, message)


def _access_denied(protocol: str, message: str) -> CommonServiceException:
    """The error code and status each protocol family answers AccessDenied with."""
    if protocol in ("json", "smithy-rpc-v2-cbor"):
        return CommonServiceException("AccessDeniedException", message, status_code=400, sender_fault=True)
    if protocol == "rest-json":
        return CommonServiceException("AccessDeniedException", message, status_code=403, sender_fault=True)
    return CommonServiceException("AccessDenied", message, status_code=403, sender_fault=True)


def _role_statements(account_id: str, role_name: str) -> list[Any]:
    """The statements of the role's inline and attached policies (none if the role is gone)."""
    from localstack.services.iam.models import iam_stores

    store = iam_stores[account_id][AWS_REGION_US_EAST_1]  # IAM is global: any region holds the roles
    role = store.ROLES.get(role_name)
    if role is None:
        return []
    documents = list(role.inline_policies.values())
    for arn in role.attached_policy_arns:
        managed = store.MANAGED_POLICIES.get(arn)
        if managed is not None:
            version = managed.versions.get(managed.policy.get("DefaultVersionId"), {})
            documents.append(version.get("Document") or "{}")
        else:
            documents.append(_aws_managed_documents().get(arn.split(":policy", 1)[-1], "{}"))
    return [statement for document in documents for statement in enforcement.parse_document(document)]


@functools.cache
def _aws_managed_documents() -> dict[str, str]:
    """AWS's managed policies, from the data set LocalStack's IAM ships (read once, when first needed)."""
    import localstack.services.iam as iam_package

    data = json.loads((Path(iam_package.__file__).parent / "resources" / "aws_managed_policies.json").read_text())
    return {f"{policy['Path']}{name}": json.dumps(policy["Document"]) for name, policy in data.items()}


class RequestLimits:
    """REST API invocation handler: stage/method throttling, then the usage plan's throttle and quota."""

    def __init__(self) -> None:
        self.limiter = throttling.Limiter()

    def __call__(self, chain: HandlerChain, context: Any, response: Response) -> None:
        from localstack.services.apigateway.next_gen.execute_api import gateway_response

        method = context.resource_method or {}
        path, verb = (context.resource or {}).get("path", ""), method.get("httpMethod", "")
        where = (context.account_id, context.region, context.api_id, context.stage)
        if not self.limiter.take_token((*where, path, verb), _method_throttle(context, path, verb)):
            raise gateway_response.ThrottledError(throttling.THROTTLED)
        if not method.get("apiKeyRequired"):
            return
        plan, key_id = _usage_plan_and_key(context)
        if plan is None:
            return  # no key, or not one of this stage's enabled keys: API key validation answers 403
        per_key = (context.account_id, context.region, plan["id"], key_id)
        throttle = _plan_throttle(plan, context.api_id, context.stage, path, verb)
        if not self.limiter.take_token(("plan", *per_key), throttle):
            raise gateway_response.ThrottledError(throttling.THROTTLED)
        if not self.limiter.take_quota(per_key, plan.get("quota")):
            raise gateway_response.QuotaExceededError(throttling.QUOTA_EXCEEDED)


def _method_throttle(context: Any, path: str, verb: str) -> dict[str, Any] | None:
    settings = (context.stage_configuration or {}).get("methodSettings") or {}
    chosen = settings.get(f"{path.replace('/', '~1')}/{verb}") or settings.get("*/*")
    if not chosen:
        return None
    return {"rateLimit": chosen.get("throttlingRateLimit"), "burstLimit": chosen.get("throttlingBurstLimit")}


def _plan_throttle(plan: dict[str, Any], api_id: str, stage: str, path: str, verb: str) -> dict[str, Any] | None:
    """The plan's per-method throttle for this stage if it sets one, else the plan's own."""
    for api_stage in plan.get("apiStages") or []:
        if api_stage.get("apiId") == api_id and api_stage.get("stage") == stage:
            per_method = (api_stage.get("throttle") or {}).get(f"{path}/{verb}")
            if per_method:
                return per_method
    return plan.get("throttle")


def _usage_plan_and_key(context: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The usage plan of this stage holding the request's (enabled) API key, and the key's id."""
    from localstack.services.apigateway.next_gen.execute_api import moto_helpers

    if context.deployment.rest_api.rest_api.get("apiKeySource", "HEADER") != "HEADER":
        return None, None  # AUTHORIZER keys come from authorizers, which open-source LocalStack lacks
    value = (context.invocation_request.get("headers") or {}).get("X-API-Key")
    if not value:
        return None, None
    account, region = context.account_id, context.region
    for plan in moto_helpers.get_usage_plans(account_id=account, region_name=region):
        if not any(s.get("apiId") == context.api_id and s.get("stage") == context.stage for s in plan["apiStages"]):
            continue
        for key in moto_helpers.get_usage_plan_keys(usage_plan_id=plan["id"], account_id=account, region_name=region):
            if key["value"] == value:
                enabled = moto_helpers.get_api_key(api_key_id=key["id"], account_id=account, region_name=region)
                return (plan, key["id"]) if enabled.get("enabled") else (None, None)
    return None, None


class HarnessEnforcement(Extension):
    name = "harness-enforcement"

    def __init__(self) -> None:
        super().__init__()
        self.enforce_iam = _setting("ENFORCE_IAM", "1")
        self.enforce_limits = _setting("HARNESS_ENFORCE_USAGE_PLANS", "1")
        self.request_limits = RequestLimits()
        self._limits_installed = False

    def on_platform_start(self) -> None:
        if self.enforce_limits:
            # API Gateway loads lazily: add our handler to its invocation chain once its handlers exist.
            gateway_handlers.preprocess_request.append(self._install_request_limits)

    def update_request_handlers(self, handlers: CompositeHandler) -> None:
        if self.enforce_iam:
            handlers.append(RoleSessionPolicies())

    def _install_request_limits(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        """Runs first in every request (a flag test once done): LocalStack loads API Gateway, and so the
        module below, before routing any API Gateway request, so no invocation passes unlimited."""
        if self._limits_installed or (rest_api_handlers := sys.modules.get(REST_API_HANDLERS)) is None:
            return
        rest_api_handlers.preprocess_request.append(self.request_limits)
        self._limits_installed = True


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

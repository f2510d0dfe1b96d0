"""The API Gateway half of the extension: stage/method throttling, then the usage plan of the request's key.

A handler of LocalStack's next-gen REST API invocation chain, run before its API key validation: a
request without a key, or with an unknown or disabled one, passes through to that validation's 403.
Limits come from the stage (``methodSettings``) and from LocalStack's usage-plan store (the same
``moto_helpers`` its key validation reads); ``throttling.py`` keeps the buckets and the quota counters.
"""

from typing import Any

from localstack.http import Response
from localstack.services.apigateway.next_gen.execute_api import gateway_response, moto_helpers
from rolo.gateway import HandlerChain

from harness_lambda_executor import throttling


class RequestLimits:
    """REST API invocation handler: stage/method throttling, then the usage plan's throttle and quota."""

    def __init__(self) -> None:
        self.limiter = throttling.Limiter()

    def __call__(self, chain: HandlerChain, context: Any, response: Response) -> None:
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
    if context.deployment.rest_api.rest_api.get("apiKeySource", "HEADER") != "HEADER":
        return None, None  # AUTHORIZER keys come from authorizers, which open-source LocalStack lacks
    value = (context.invocation_request.get("headers") or {}).get("X-API-Key")
    if not value:
        return None, None
    account, region = context.account_id, context.region
    for plan in moto_helpers.get_usage_plans(account_id=account, region_name=region):
        stages = plan.get("apiStages") or []
        if not any(s.get("apiId") == context.api_id and s.get("stage") == context.stage for s in stages):
            continue
        for key in moto_helpers.get_usage_plan_keys(usage_plan_id=plan["id"], account_id=account, region_name=region):
            if key["value"] == value:
                api_key = moto_helpers.get_api_key(api_key_id=key["id"], account_id=account, region_name=region)
                return (plan, key["id"]) if api_key.get("enabled") else (None, None)
    return None, None

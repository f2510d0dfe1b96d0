"""The API key and the usage plan (throttle + daily quota) that binds it to the stage."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.api import Throttle, oldest_first, paginate
from bootstrap.aws_errors import created_meanwhile, delete_or_absent
from bootstrap.client_types import APIGatewayClient, ApiStageTypeDef, PatchOperationTypeDef
from bootstrap.report import Outcome
from bootstrap.retry import retry_on_codes

# Right after its stages are detached, AWS may still refuse to delete a usage plan ("API Stages associated").
PLAN_DELETE_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class PlanSpec:
    name: str
    api_id: str
    stage: str
    throttle: Throttle
    quota_per_day: int

    def limits(self) -> dict[str, Any]:
        return {
            "throttle": {"rateLimit": float(self.throttle.rate_limit), "burstLimit": self.throttle.burst_limit},
            "quota": {"limit": self.quota_per_day, "period": "DAY", "offset": 0},
        }


def find_api_keys(apigw: APIGatewayClient, name: str) -> list[dict[str, Any]]:
    """Every API key with this name (with its value), oldest first: a retried CreateApiKey can make two."""
    keys = paginate(apigw, "get_api_keys", "items", nameQuery=name, includeValues=True)
    return oldest_first([key for key in keys if key["name"] == name])


def ensure_api_key(apigw: APIGatewayClient, name: str, tags: dict[str, str]) -> tuple[Mapping[str, Any], Outcome]:
    """The oldest key with this name, enabled and with its value; or a new one."""
    found = find_api_keys(apigw, name)
    if not found:
        return apigw.create_api_key(name=name, enabled=True, tags=tags), Outcome.CREATED
    key = found[0]
    if not key.get("enabled"):
        patch: list[PatchOperationTypeDef] = [{"op": "replace", "path": "/enabled", "value": "true"}]
        apigw.update_api_key(apiKey=key["id"], patchOperations=patch)
        # UpdateApiKey's answer may lack the value (LocalStack's does): read the key back with it.
        return apigw.get_api_key(apiKey=key["id"], includeValue=True), Outcome.UPDATED
    return key, Outcome.UNCHANGED


def find_usage_plans(apigw: APIGatewayClient, name: str) -> list[dict[str, Any]]:
    """Every usage plan with this name (a retried CreateUsagePlan can make two), the one ``up`` uses first."""
    return oldest_first([plan for plan in paginate(apigw, "get_usage_plans", "items") if plan["name"] == name])


def _limits_patch(plan: Mapping[str, Any], spec: PlanSpec) -> list[PatchOperationTypeDef]:
    wanted = spec.limits()
    patch: list[PatchOperationTypeDef] = []
    for field in ("rateLimit", "burstLimit"):
        if plan.get("throttle", {}).get(field) != wanted["throttle"][field]:
            patch.append({"op": "replace", "path": f"/throttle/{field}", "value": f"{wanted['throttle'][field]:g}"})
    for field in ("limit", "period"):
        if plan.get("quota", {}).get(field) != wanted["quota"][field]:
            patch.append({"op": "replace", "path": f"/quota/{field}", "value": str(wanted["quota"][field])})
    return patch


def ensure_usage_plan(
    apigw: APIGatewayClient, spec: PlanSpec, key_id: str, tags: dict[str, str]
) -> tuple[Mapping[str, Any], Outcome]:
    """The plan bound to the API's stage, with the key attached."""
    plan: Mapping[str, Any] | None = next(iter(find_usage_plans(apigw, spec.name)), None)
    outcome = Outcome.UNCHANGED
    stage_ref: ApiStageTypeDef = {"apiId": spec.api_id, "stage": spec.stage}
    if plan is None:
        plan = apigw.create_usage_plan(name=spec.name, apiStages=[stage_ref], tags=tags, **spec.limits())
        outcome = Outcome.CREATED
    else:
        patch = _limits_patch(plan, spec)
        if stage_ref not in [{"apiId": s["apiId"], "stage": s["stage"]} for s in plan.get("apiStages", [])]:
            patch.append({"op": "add", "path": "/apiStages", "value": f"{spec.api_id}:{spec.stage}"})
        if patch:
            plan = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=patch)
            outcome = Outcome.UPDATED
    attached = paginate(apigw, "get_usage_plan_keys", "items", usagePlanId=plan["id"])
    if not any(key["id"] == key_id for key in attached):
        try:
            apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id, keyType="API_KEY")
            outcome = outcome.after_change()
        except ClientError as meanwhile:
            if not created_meanwhile(meanwhile):
                raise
    return plan, outcome


def delete_usage_plan(
    apigw: APIGatewayClient, plan: Mapping[str, Any], sleep: Callable[[float], None] = time.sleep
) -> tuple[None, Outcome]:
    """Detach the plan from its stages (AWS refuses to delete it otherwise), then delete it, retrying (bounded)
    while AWS still counts the stages just detached."""
    stages = [f"{s['apiId']}:{s['stage']}" for s in plan.get("apiStages", [])]

    def detach_then_delete() -> None:
        if stages:
            patch: list[PatchOperationTypeDef] = [
                {"op": "remove", "path": "/apiStages", "value": stage} for stage in stages
            ]
            apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=patch)
        retry_on_codes(
            lambda: apigw.delete_usage_plan(usagePlanId=plan["id"]),
            ("BadRequestException",),
            f"deleting usage plan {plan['name']} ({plan['id']}) after detaching its stages",
            PLAN_DELETE_TIMEOUT_S,
            sleep=sleep,
        )

    return delete_or_absent(detach_then_delete, "NotFoundException")


def delete_api_key(apigw: APIGatewayClient, key_id: str) -> tuple[None, Outcome]:
    return delete_or_absent(lambda: apigw.delete_api_key(apiKey=key_id), "NotFoundException")

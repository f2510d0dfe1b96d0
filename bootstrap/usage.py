"""The API key and the usage plan (throttle + daily quota) that binds it to the stage."""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.api import Throttle, item_tags, paginate, tag_item
from bootstrap.aws_errors import is_code
from bootstrap.report import Outcome


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


def find_api_key(apigw: Any, name: str) -> dict[str, Any] | None:
    keys = paginate(apigw, "get_api_keys", "items", nameQuery=name, includeValues=True)
    return next((key for key in keys if key["name"] == name), None)


def ensure_api_key(apigw: Any, name: str, tags: dict[str, str]) -> tuple[dict[str, Any], Outcome]:
    key = find_api_key(apigw, name)
    if key is None:
        return apigw.create_api_key(name=name, enabled=True, tags=tags), Outcome.CREATED
    if not key.get("enabled"):
        patch = [{"op": "replace", "path": "/enabled", "value": "true"}]
        apigw.update_api_key(apiKey=key["id"], patchOperations=patch)
        return find_api_key(apigw, name), Outcome.UPDATED  # with its value, which UpdateApiKey may leave out
    return key, Outcome.UNCHANGED


def find_usage_plan(apigw: Any, name: str) -> dict[str, Any] | None:
    return next((plan for plan in paginate(apigw, "get_usage_plans", "items") if plan["name"] == name), None)


def _limits_patch(plan: dict[str, Any], spec: PlanSpec) -> list[dict[str, str]]:
    wanted = spec.limits()
    patch = []
    for field in ("rateLimit", "burstLimit"):
        if plan.get("throttle", {}).get(field) != wanted["throttle"][field]:
            patch.append({"op": "replace", "path": f"/throttle/{field}", "value": f"{wanted['throttle'][field]:g}"})
    for field in ("limit", "period"):
        if plan.get("quota", {}).get(field) != wanted["quota"][field]:
            patch.append({"op": "replace", "path": f"/quota/{field}", "value": str(wanted["quota"][field])})
    return patch


def ensure_usage_plan(apigw: Any, spec: PlanSpec, key_id: str, tags: dict[str, str]) -> tuple[dict, Outcome]:
    """The plan bound to the API's stage, with the key attached."""
    plan = find_usage_plan(apigw, spec.name)
    outcome = Outcome.UNCHANGED
    stage_ref = {"apiId": spec.api_id, "stage": spec.stage}
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
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id, keyType="API_KEY")
        outcome = outcome.after_change()
    return plan, outcome


def delete_usage_plan(apigw: Any, name: str) -> tuple[None, Outcome]:
    """Detach the plan from its stages (AWS refuses to delete it otherwise), then delete it."""
    plan = find_usage_plan(apigw, name)
    if plan is None:
        return None, Outcome.ABSENT
    stages = [f"{s['apiId']}:{s['stage']}" for s in plan.get("apiStages", [])]
    if stages:
        patch = [{"op": "remove", "path": "/apiStages", "value": stage} for stage in stages]
        apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=patch)
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    return None, Outcome.DELETED


def delete_api_key(apigw: Any, name: str) -> tuple[None, Outcome]:
    key = find_api_key(apigw, name)
    if key is None:
        return None, Outcome.ABSENT
    try:
        apigw.delete_api_key(apiKey=key["id"])
    except ClientError as error:
        if is_code(error, "NotFoundException"):
            return None, Outcome.ABSENT
        raise
    return None, Outcome.DELETED


def read_key_tags(apigw: Any, name: str) -> dict[str, str] | None:
    """The API key's tags, or None if no key has this name."""
    key = find_api_key(apigw, name)
    return None if key is None else item_tags(apigw, "apikeys", key)


def tag_api_key(apigw: Any, name: str, tags: dict[str, str]) -> None:
    key = find_api_key(apigw, name)
    if key is not None:
        tag_item(apigw, "apikeys", key, tags)


def read_plan_tags(apigw: Any, name: str) -> dict[str, str] | None:
    """The usage plan's tags, or None if no plan has this name."""
    plan = find_usage_plan(apigw, name)
    return None if plan is None else item_tags(apigw, "usageplans", plan)


def tag_usage_plan(apigw: Any, name: str, tags: dict[str, str]) -> None:
    plan = find_usage_plan(apigw, name)
    if plan is not None:
        tag_item(apigw, "usageplans", plan, tags)

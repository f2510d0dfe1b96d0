"""The steps of ``up``, in order: table, log group, role, function; then the REST API and what hangs off it.

Each step is one ``ensure_<resource>`` of its own module, run through ``Progress`` (one line each).
"""

from collections.abc import Mapping
from typing import Any

from bootstrap import api, function, iam, log_group, ownership, package, stage, table, usage
from bootstrap.report import Progress
from bootstrap.target import Target


def function_steps(
    target: Target, progress: Progress, dynamodb_endpoint: str | None = None
) -> tuple[Mapping[str, Any], str]:
    """Table, log group, role and function (whose DynamoDB calls go to ``dynamodb_endpoint`` when given)."""
    settings, clients, names = target.settings, target.clients(), target.settings.names
    tags = ownership.stack_tags(settings.stack_name)
    dynamodb = clients("dynamodb")
    described = progress.step("table", names.table, lambda: table.ensure_table(dynamodb, names.table, tags))
    group = progress.step(
        "log-group",
        log_group.log_group_name(names.function),
        lambda: log_group.ensure_log_group(clients("logs"), names.function, tags),
    )
    policy = iam.execution_policy(described["TableArn"], target.arn("logs", f"log-group:{group}"))
    role = progress.step(
        "role",
        names.role,
        lambda: iam.ensure_role(clients("iam"), names.role, names.policy, policy, tags, settings.permissions_boundary),
    )
    spec = function.FunctionSpec(
        name=names.function,
        role_arn=role["Arn"],
        memory_mb=settings.memory_mb,
        timeout_s=settings.timeout_s,
        environment={
            "TABLE_NAME": names.table,
            "POWERTOOLS_SERVICE_NAME": names.function,
            "POWERTOOLS_LOG_LEVEL": settings.log_level,
            # Only with the opt-in fault proxy: the function's DynamoDB calls go through it.
            **({"AWS_ENDPOINT_URL": dynamodb_endpoint} if dynamodb_endpoint else {}),
        },
        tags=tags,
    )
    code = package.build_zip(settings.state_dir, settings.handler_dir)
    config = progress.step("function", names.function, lambda: function.ensure_function(clients("lambda"), spec, code))
    return config, role["Arn"]


def api_steps(target: Target, progress: Progress, function_arn: str) -> tuple[str, Mapping[str, Any]]:
    """REST API, resource, method, permission, stage, key and usage plan. Returns the API's id and the key."""
    settings, names = target.settings, target.settings.names
    tags = ownership.stack_tags(settings.stack_name)
    apigw = target.clients()("apigateway")
    rest_api = progress.step("rest-api", names.rest_api, lambda: api.ensure_rest_api(apigw, names.rest_api, tags))
    _say_duplicates(progress, "REST APIs", names.rest_api, api.find_rest_apis(apigw, names.rest_api))
    api_id = rest_api["id"]
    resource = progress.step("resource", f"/{api.RESOURCE_PATH}", lambda: api.ensure_resource(apigw, api_id))
    uri = target.integration_uri(function_arn)
    method = f"{api.METHOD} /{api.RESOURCE_PATH}"
    authorization = api.AUTHORIZATION_TYPES[settings.authorization]
    progress.step("method", method, lambda: api.ensure_method(apigw, api_id, resource["id"], uri, authorization))
    source_arn = target.arn("execute-api", f"{api_id}/*/{api.METHOD}/{api.RESOURCE_PATH}")
    progress.step(
        "permission",
        "lambda:InvokeFunction",
        lambda: api.ensure_invoke_permission(target.clients()("lambda"), names.function, source_arn),
    )
    throttle = api.Throttle(settings.stage_rate_limit, settings.stage_burst_limit)
    fingerprint = api.method_fingerprint(uri, authorization)
    progress.step(
        "stage", settings.stage, lambda: stage.ensure_stage(apigw, api_id, settings.stage, fingerprint, throttle)
    )
    key = progress.step("api-key", names.api_key, lambda: usage.ensure_api_key(apigw, names.api_key, tags))
    _say_duplicates(progress, "API keys", names.api_key, usage.find_api_keys(apigw, names.api_key))
    plan_throttle = api.Throttle(settings.plan_rate_limit, settings.plan_burst_limit)
    plan = usage.PlanSpec(names.usage_plan, api_id, settings.stage, plan_throttle, settings.plan_quota_per_day)
    progress.step("usage-plan", names.usage_plan, lambda: usage.ensure_usage_plan(apigw, plan, key["id"], tags))
    return api_id, key


def _say_duplicates(progress: Progress, what: str, name: str, found: list[dict[str, Any]]) -> None:
    """A create retried after a timeout can leave two of one name: say so, naming them. ``down`` removes all."""
    if len(found) > 1:
        ids = ", ".join(item["id"] for item in found)
        progress.say(
            "warning: {} {} named {}: {} (using {}, the oldest; 'down' deletes every one tagged as this stack's)",
            len(found),
            what,
            name,
            ids,
            found[0]["id"],
        )

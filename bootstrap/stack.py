"""``up``, ``down`` and ``status`` of the whole stack, in dependency order, writing ``.stack/outputs.json``."""

import json
from typing import Any

from bootstrap import api, consistency, emulators, function, iam, inventory, log_group, ownership, package, table, usage
from bootstrap.report import Outcome, Progress
from bootstrap.settings import EMBEDDED, ENDPOINT, Settings
from bootstrap.target import Target, endpoint_reachable, resolve


def stack_tags(settings: Settings) -> dict[str, str]:
    """Every resource carries these: they mark it as this stack's, and let stale stacks be found by tag."""
    return ownership.stack_tags(settings.stack_name)


def up(settings: Settings, progress: Progress | None = None, adopt: bool = False) -> dict[str, Any]:
    """Create or converge every resource; returns (and saves) the outputs.

    First checks that every resource that already exists under this stack's names is this stack's
    (raises ``ownership.OwnershipError``, changing nothing, if not); ``adopt`` tags such resources instead.
    """
    progress = progress or Progress()
    target = resolve(settings, progress)
    clients, names, tags = target.clients(), settings.names, stack_tags(settings)
    region = settings.region
    ownership.preflight(inventory.resources(clients, names), tags, settings.stack_name, adopt, progress)

    described = progress.step("table", names.table, lambda: table.ensure_table(clients("dynamodb"), names.table, tags))
    group = progress.step(
        "log-group",
        log_group.log_group_name(names.function),
        lambda: log_group.ensure_log_group(clients("logs"), names.function, tags),
    )
    log_group_arn = f"arn:aws:logs:{region}:{target.account_id}:log-group:{group}"
    policy = iam.execution_policy(described["TableArn"], log_group_arn)
    proxy_url = None
    if settings.consistency_window_ms <= 0 and consistency.stop_proxy(settings):
        progress.record("consistency", "proxy", Outcome.STOPPED)
    if settings.consistency_window_ms > 0:
        proxy_url = progress.step(
            "consistency",
            f"{settings.consistency_window_ms:g} ms stale-read window",
            lambda: consistency.ensure_proxy(settings, target.endpoint_url or ""),
        )
    role = progress.step(
        "role", names.role, lambda: iam.ensure_role(clients("iam"), names.role, names.policy, policy, tags)
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
            # Only with the opt-in consistency proxy: the function's DynamoDB calls go through it.
            **({"AWS_ENDPOINT_URL": proxy_url} if proxy_url else {}),
        },
        tags=tags,
    )
    code = package.build_zip(settings.state_dir)
    config = progress.step("function", names.function, lambda: function.ensure_function(clients("lambda"), spec, code))

    rest_api = progress.step(
        "rest-api", names.rest_api, lambda: api.ensure_rest_api(clients("apigateway"), names.rest_api, tags)
    )
    api_id = rest_api["id"]
    resource = progress.step(
        "resource", f"/{api.RESOURCE_PATH}", lambda: api.ensure_resource(clients("apigateway"), api_id)
    )
    uri = api.integration_uri(region, config["FunctionArn"])
    progress.step(
        "method",
        f"POST /{api.RESOURCE_PATH}",
        lambda: api.ensure_method(clients("apigateway"), api_id, resource["id"], uri),
    )
    source_arn = f"arn:aws:execute-api:{region}:{target.account_id}:{api_id}/*/{api.METHOD}/{api.RESOURCE_PATH}"
    progress.step(
        "permission",
        "lambda:InvokeFunction",
        lambda: api.ensure_invoke_permission(clients("lambda"), names.function, source_arn),
    )
    redeploy = progress.outcomes["method"] is not Outcome.UNCHANGED or progress.outcomes["rest-api"] is Outcome.CREATED
    stage_throttle = api.Throttle(settings.stage_rate_limit, settings.stage_burst_limit)
    progress.step(
        "stage",
        settings.stage,
        lambda: api.ensure_stage(clients("apigateway"), api_id, settings.stage, redeploy, stage_throttle),
    )
    key = progress.step(
        "api-key", names.api_key, lambda: usage.ensure_api_key(clients("apigateway"), names.api_key, tags)
    )
    plan = usage.PlanSpec(
        names.usage_plan,
        api_id,
        settings.stage,
        api.Throttle(settings.plan_rate_limit, settings.plan_burst_limit),
        settings.plan_quota_per_day,
    )
    progress.step(
        "usage-plan", names.usage_plan, lambda: usage.ensure_usage_plan(clients("apigateway"), plan, key["id"], tags)
    )

    outputs = _outputs(target, api_id, key["value"], config["FunctionArn"], role["Arn"])
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.outputs_path.write_text(json.dumps(outputs, indent=2) + "\n")
    return outputs


def _outputs(target: Target, api_id: str, key_value: str, function_arn: str, role_arn: str) -> dict[str, Any]:
    settings, names = target.settings, target.settings.names
    return {
        "target": settings.target,
        "emulator": {EMBEDDED: target.emulator, ENDPOINT: settings.endpoint_kind}.get(settings.target),
        "endpoint_url": target.public_endpoint_url,
        "region": settings.region,
        "account_id": target.account_id,
        "stack_name": settings.stack_name,
        "api_url": target.invoke_url(api_id, api.RESOURCE_PATH),
        "api_key": key_value,
        "table_name": names.table,
        "function_name": names.function,
        "function_arn": function_arn,
        "role_name": names.role,
        "role_arn": role_arn,
        "policy_name": names.policy,
        "rest_api_id": api_id,
        "stage": settings.stage,
        "consistency_proxy_url": consistency.public_proxy_url(settings),
    }


def down(settings: Settings, progress: Progress | None = None, stop_emulator: bool = True) -> list[ownership.Found]:
    """Delete, in reverse order, every resource ``up`` creates that carries this stack's tags; then stop the
    embedded emulator. Returns what has this stack's names but not its tags: left alone."""
    progress = progress or Progress()
    if settings.target == EMBEDDED and emulators.running(settings) is None:
        consistency.stop_proxy(settings)
        stopped = emulators.stop(settings)  # a dead emulator's record (and its state) is all that is left
        progress.record(
            "emulator", stopped.name if stopped else settings.emulator, Outcome.STOPPED if stopped else Outcome.ABSENT
        )
        settings.outputs_path.unlink(missing_ok=True)
        return []
    target = resolve(settings, progress, start_emulator=False)
    tags, left_alone = stack_tags(settings), []
    for resource in reversed(inventory.resources(target.clients(), settings.names)):
        found = progress.step(resource.kind, resource.name, lambda r=resource: ownership.delete_if_ours(r, tags))
        left_alone += [found] if found else []
    if consistency.stop_proxy(settings):
        progress.record("consistency", "proxy", Outcome.STOPPED)
    settings.outputs_path.unlink(missing_ok=True)
    if settings.target == EMBEDDED and stop_emulator:
        name = target.emulator or settings.emulator
        progress.step("emulator", name, lambda: (emulators.stop(settings), Outcome.STOPPED))
    return left_alone


def status(settings: Settings) -> dict[str, Any] | None:
    """The saved outputs if the stack's target still answers, else None."""
    if settings.target == EMBEDDED and emulators.running(settings) is None:
        return None
    if settings.target == ENDPOINT and not endpoint_reachable(settings.endpoint_url or ""):
        return None  # e.g. outputs left on the host by a Compose stack that is down now
    try:
        outputs = json.loads(settings.outputs_path.read_text())
    except FileNotFoundError:
        return None
    wanted = {_loopback(url) for url in (settings.endpoint_url, settings.public_endpoint_url) if url}
    if settings.target == ENDPOINT and _loopback(outputs.get("endpoint_url") or "") not in wanted:
        return None  # outputs of a stack on another endpoint (another port, another emulator)
    return outputs


def _loopback(url: str) -> str:
    """An endpoint URL with localhost spelled 127.0.0.1 and no trailing slash, for comparing."""
    return url.rstrip("/").replace("://localhost", "://127.0.0.1")

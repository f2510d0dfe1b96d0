"""``up``, ``down`` and ``status`` of the whole stack, in dependency order, writing ``.stack/outputs.json``."""

import json
from typing import Any

from bootstrap import api, inventory, ownership, ready, steps
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings
from bootstrap.target import Target, endpoint_reachable, resolve
from local_runtime import emulators, proxy


def stack_tags(settings: Settings) -> dict[str, str]:
    """Every resource carries these: they mark it as this stack's, and let stale stacks be found by tag."""
    return ownership.stack_tags(settings.stack_name)


def up(settings: Settings, progress: Progress | None = None, adopt: bool = False) -> dict[str, Any]:
    """Create or converge every resource; returns (and saves) the outputs.

    First checks that every resource that already exists under this stack's names is this stack's
    (raises ``ownership.OwnershipError``, changing nothing, if not); ``adopt`` tags such resources instead.
    On AWS, ends by waiting (bounded) until one real request through the API succeeds.
    """
    progress = progress or Progress()
    target = resolve(settings, progress)
    clients, names = target.clients(), settings.names
    ownership.preflight(
        inventory.resources(clients, names, target.partition),
        stack_tags(settings),
        settings.stack_name,
        adopt,
        progress,
    )
    config, role_arn = steps.function_steps(target, progress)
    api_id, key = steps.api_steps(target, progress, config["FunctionArn"])
    outputs = _outputs(target, api_id, key["value"], config["FunctionArn"], role_arn)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.outputs_path.write_text(json.dumps(outputs, indent=2) + "\n")
    if settings.target == AWS:  # IAM and API Gateway propagate for a while; emulators are ready at once
        seconds = ready.wait_until_serving(outputs["api_url"], outputs["api_key"])
        progress.say("  {:<14} {:<40} {:<10} {:6.2f}s", "ready", ready.PROBE_TEXT, "answered", seconds)
    return outputs


def _outputs(target: Target, api_id: str, key_value: str, function_arn: str, role_arn: str) -> dict[str, Any]:
    settings, names = target.settings, target.settings.names
    return {
        "target": settings.target,
        "emulator": {EMBEDDED: target.emulator, ENDPOINT: settings.endpoint_kind}.get(settings.target),
        "endpoint_url": target.public_endpoint_url,
        "region": settings.region,
        "partition": target.partition,
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
        "fault_proxy_url": proxy.control_url(settings),
        "faults": proxy.wanted(settings),  # faults can be set: the function calls DynamoDB through the proxy
    }


def down(settings: Settings, progress: Progress | None = None, stop_emulator: bool = True) -> list[ownership.Found]:
    """Delete, in reverse order, every resource ``up`` creates that carries this stack's tags; then stop the
    embedded emulator. Returns what has this stack's names but not its tags: left alone."""
    progress = progress or Progress()
    if settings.target == EMBEDDED and emulators.running(settings) is None:
        proxy.stop_proxy(settings)
        stopped = emulators.stop(settings)  # a dead emulator's record (and its state) is all that is left
        progress.record(
            "emulator", stopped.name if stopped else settings.emulator, Outcome.STOPPED if stopped else Outcome.ABSENT
        )
        settings.outputs_path.unlink(missing_ok=True)
        return []
    target = resolve(settings, progress, start_emulator=False)
    tags, left_alone = stack_tags(settings), []
    for resource in reversed(inventory.resources(target.clients(), settings.names, target.partition)):
        found = progress.step(resource.kind, resource.name, lambda r=resource: ownership.delete_if_ours(r, tags))
        left_alone += [found] if found else []
    if proxy.stop_proxy(settings):
        progress.record("fault-proxy", "proxy", Outcome.STOPPED)
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

"""``up`` and ``down`` of the stack's resources on a target, in dependency order; the outputs ``up`` returns.

Only AWS resources: the emulator, the fault proxy and ``.stack/outputs.json`` are the command line's
(``harness_cli/lifecycle.py``).
"""

import json
from functools import partial
from typing import Any

from bootstrap import api, inventory, ownership, steps
from bootstrap.report import Progress
from bootstrap.settings import EMBEDDED, ENDPOINT, Settings
from bootstrap.target import Target


def stack_tags(settings: Settings) -> dict[str, str]:
    """Every resource carries these: they mark it as this stack's, and let stale stacks be found by tag."""
    return ownership.stack_tags(settings.stack_name)


def _tag_propagation_s(settings: Settings) -> float:
    """How long a tag read may lag a tag write: emulators none, AWS a few seconds."""
    return 0.0 if settings.is_emulated else ownership.TAG_PROPAGATION_S


def up(
    target: Target, progress: Progress | None = None, adopt: bool = False, dynamodb_endpoint: str | None = None
) -> dict[str, Any]:
    """Create or converge every resource on ``target``; returns the outputs.

    First checks that every resource that already exists under this stack's names is this stack's
    (raises ``ownership.OwnershipError``, changing nothing, if not); ``adopt`` tags such resources instead.
    ``dynamodb_endpoint``: where the function sends its DynamoDB calls (the fault proxy), if not to DynamoDB.
    """
    progress = progress or Progress()
    settings, clients, names = target.settings, target.clients(), target.settings.names
    ownership.preflight(
        inventory.resources(clients, names, target.partition),
        stack_tags(settings),
        settings.stack_name,
        adopt,
        progress,
        _tag_propagation_s(settings),
    )
    config, role_arn = steps.function_steps(target, progress, dynamodb_endpoint)
    api_id, key = steps.api_steps(target, progress, config["FunctionArn"])
    return _outputs(target, api_id, key["value"], config["FunctionArn"], role_arn)


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
        "authorization": settings.authorization,
    }


def down(target: Target, progress: Progress | None = None) -> list[ownership.Found]:
    """Delete, in reverse order, every resource ``up`` creates that carries this stack's tags. Returns what has
    this stack's names but not its tags: left alone."""
    progress = progress or Progress()
    tags, left_alone = stack_tags(target.settings), []
    settle = _tag_propagation_s(target.settings)
    for resource in reversed(inventory.resources(target.clients(), target.settings.names, target.partition)):
        found = progress.step(resource.kind, resource.name, partial(ownership.delete_if_ours, resource, tags, settle))
        left_alone += [found] if found else []
    return left_alone


def save_outputs(settings: Settings, outputs: dict[str, Any]) -> None:
    """``.stack/outputs.json``: what tests and tools read to reach the stack."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.outputs_path.write_text(json.dumps(outputs, indent=2) + "\n")


def saved_outputs(settings: Settings) -> dict[str, Any] | None:
    """The outputs the last ``up`` in this state folder saved, if any."""
    try:
        outputs: dict[str, Any] = json.loads(settings.outputs_path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return outputs

"""``up --debug``: the function's execution environment starts under debugpy and waits for a debugger."""

import json
import os
from typing import Any

from bootstrap.clients import Clients
from bootstrap.settings import Settings, SettingsError
from local_runtime.function_runtime.hooks import DEFAULT_DEBUG_PORT, debug_task_root

PORT_VARIABLE = "HARNESS_DEBUG_PORT"
# Direct invocations (not API Gateway events) get their result as is: this one touches no table.
WARM_UP_EVENT = {"operation": "ping"}


def debug_port(debug: bool, port: int | None) -> int | None:
    """The port to debug on: ``--debug-port``, else HARNESS_DEBUG_PORT, else 5678; None when not debugging."""
    if not debug and port is None:
        return None
    text = os.environ.get(PORT_VARIABLE) or str(DEFAULT_DEBUG_PORT)
    if port is None and not text.isdigit():
        raise SettingsError(f"{PORT_VARIABLE}={text!r}: must be a port number")
    return port or int(text)


def start_environment(settings: Settings, outputs: dict[str, Any]) -> None:
    """Start the function's execution environment now (one asynchronous ``ping``), so a debugger can attach
    before the first request: the environment waits for it, and then answers the ``ping``."""
    lambda_client = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    lambda_client.invoke(
        FunctionName=outputs["function_name"], InvocationType="Event", Payload=json.dumps(WARM_UP_EVENT).encode()
    )


def attach_instructions(settings: Settings) -> str:
    """What ``up --debug`` prints: where to attach, and the path mapping a debugger needs."""
    remote = debug_task_root(settings.state_dir) / "handler"
    return (
        f"debugger: attach to 127.0.0.1:{settings.debug_port} (VS Code: 'Python Debugger: Remote Attach', "
        f'pathMappings localRoot "${{workspaceFolder}}/handler" -> remoteRoot "{remote}"; see docs/daily-loop.md)'
    )

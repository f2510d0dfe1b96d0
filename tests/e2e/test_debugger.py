"""``up --debug``: a debugger attaches to the function's execution environment and stops at a breakpoint.

An editor's part is played by a small Debug Adapter Protocol client (tests/dap.py). The debug stack is a stack
of its own (own emulator, state folder and ports, started and stopped with the real command line), so the
session's stack is untouched; without ``--debug``, the session's function processes carry nothing of debugpy.
"""

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from benchmarks.load import Api
from bootstrap.settings import EMBEDDED, Settings
from local_runtime.processes import owned_processes, pick_port
from tests.dap import DapClient
from tests.support.cli import run_bootstrap
from tests.support.paths import ROOT
from tests.support.polling import poll

pytestmark = [pytest.mark.e2e, pytest.mark.needs("debugger")]
OPERATIONS = ROOT / "handler" / "operations.py"
UP_TIMEOUT_S = 600  # LocalStack's first start on a machine builds its virtualenv


def _function_processes(state_dir: Path) -> list[int]:
    """The execution environments (processes with a Lambda task root) of the emulator recorded in ``state_dir``."""
    return [pid for pid in owned_processes(state_dir / "emulator.json") if b"LAMBDA_TASK_ROOT=" in _environ(pid)]


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


def _debugpy_in_memory(pid: int) -> bool:
    """debugpy's compiled parts mapped into the process (they are, once ``debugpy.listen`` has run)."""
    try:
        return "debugpy" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.fixture
def debug_stack(settings: Settings, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A stack of its own brought up with ``up --debug`` on the session's emulator kind; always taken down."""
    state_dir = tmp_path / "state"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_ENDPOINT", "HARNESS_PORT"))}
    env.update(HARNESS_STATE_DIR=str(state_dir), HARNESS_EMULATOR=settings.emulator, HARNESS_TARGET=EMBEDDED)
    debug_port = pick_port(5690)
    try:
        up = run_bootstrap("up", "--debug", "--debug-port", str(debug_port), env=env, timeout=UP_TIMEOUT_S)
        assert up.returncode == 0, up.stderr
        yield {
            "outputs": json.loads((state_dir / "outputs.json").read_text()),
            "printed": up.stdout,
            "debug_port": debug_port,
            "state_dir": state_dir,
        }
    finally:
        down = run_bootstrap("down", env=env, timeout=120)
        assert down.returncode == 0, down.stderr
        assert not owned_processes(state_dir / "emulator.json"), "down left processes of the debug stack"


def _attach(port: int, state_dir: Path, breakpoint_line: int) -> DapClient:
    """What VS Code does on 'attach' with docs/daily-loop.md's launch.json: connect, map paths, set one breakpoint."""
    client = poll(lambda: _connect(port), accept=lambda c: c is not None, timeout=60, interval=0.5)
    client.request("initialize", clientID="harness-test", adapterID="debugpy", pathFormat="path", linesStartAt1=True)
    remote = state_dir.resolve() / "debug" / "code" / "handler"
    attach = client.send(
        "attach", justMyCode=True, pathMappings=[{"localRoot": str(ROOT / "handler"), "remoteRoot": str(remote)}]
    )
    client.event("initialized")
    placed = client.request("setBreakpoints", source={"path": str(OPERATIONS)}, breakpoints=[{"line": breakpoint_line}])
    assert placed["breakpoints"][0]["verified"], placed
    client.request("configurationDone")
    client.response(attach)
    return client


def _connect(port: int) -> DapClient | None:
    try:
        return DapClient("127.0.0.1", port)
    except OSError:
        return None


def test_up_debug__a_breakpoint_in_an_operation_stops_the_request_which_then_succeeds(debug_stack):
    # GIVEN a stack up with --debug, and a breakpoint on the echo operation's line, set on the repository's file
    assert f"debugger: attach to 127.0.0.1:{debug_stack['debug_port']}" in debug_stack["printed"]
    line = OPERATIONS.read_text().splitlines().index("    return payload") + 1
    client = _attach(debug_stack["debug_port"], debug_stack["state_dir"], line)
    outputs, answer = debug_stack["outputs"], {}
    api = Api(outputs["api_url"], outputs["api_key"], timeout=300)
    try:
        # WHEN a request runs that operation
        sender = threading.Thread(target=lambda: answer.update(r=api.post({"operation": "echo", "payload": {"n": 1}})))
        sender.start()
        # THEN the function stops there, in the repository's file (the unzipped copy mapped back)
        stopped = client.event("stopped", timeout=120)
        assert stopped["reason"] == "breakpoint"
        frame = client.request("stackTrace", threadId=stopped["threadId"])["stackFrames"][0]
        assert (Path(frame["source"]["path"]), frame["line"]) == (OPERATIONS, line)
        assert [pid for pid in _function_processes(debug_stack["state_dir"]) if _debugpy_in_memory(pid)]
        # AND once continued, the request succeeds
        client.request("continue", threadId=stopped["threadId"])
        sender.join(timeout=120)
        assert isinstance(answer.get("r"), requests.Response), "the request did not finish after 'continue'"
        assert (answer["r"].status_code, answer["r"].json()) == (200, {"n": 1})
    finally:
        client.request("disconnect")
        client.close()


def test_without_debug__the_function_process_loads_nothing_of_debugpy(settings, api):
    # GIVEN the session's stack, up without --debug, and a request so an execution environment exists
    assert api.call({"operation": "ping"}) == "pong"
    # WHEN its function processes are looked at from outside
    processes = _function_processes(settings.state_dir)
    # THEN there is at least one, and none has debugpy mapped in memory or the debug variable in its environment
    assert processes
    assert not [pid for pid in processes if _debugpy_in_memory(pid) or b"HARNESS_DEBUG_PORT=" in _environ(pid)]

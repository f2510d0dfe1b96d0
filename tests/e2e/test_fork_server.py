"""The embedded emulator's execution environments (MiniStack's or LocalStack's, the session's) forked from the fork
server are separate environments, and ``down`` stops them all.

On a stack of the module's own (own emulator, state folder and port, started and stopped with the real command line), a
function that counts its invocations in a module-level variable: two overlapping invocations get two environments,
two processes forked by the server, each with its own count; a third one reuses one of them. And the project's
own function is forked too (no fidelity guard sends it back to a plain subprocess).
"""

import io
import json
import os
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bootstrap.clients import Clients
from bootstrap.settings import EMBEDDED
from local_runtime.processes import is_alive, owned_processes
from tests.support.cli import NOT_PREWARMED, run_bootstrap

pytestmark = [pytest.mark.e2e, pytest.mark.needs("fork_server")]
COUNTER = """
import os, time
INVOCATIONS = 0

def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "parent": os.getppid(), "invocations": INVOCATIONS}
"""


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("counter.py", source)
    return buffer.getvalue()


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _parents_of_environments(state_dir: Path, function_name: str) -> set[int]:
    """The parent of each of the function's execution environments (processes of the stack's emulator)."""
    mark = f"AWS_LAMBDA_FUNCTION_NAME={function_name}".encode()
    parents = set()
    for pid in owned_processes(state_dir / "emulator.json"):
        try:
            if mark in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                parents.add(int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]))
        except OSError:
            continue
    return parents


def test_the_projects_function__is_forked_too(settings, own_stack):
    # GIVEN the project's own function (its zip bundles jmespath, identical to the fork server's)
    outputs = own_stack["outputs"]
    lambda_ = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    # WHEN it is invoked
    answer = lambda_.invoke(FunctionName=outputs["function_name"], Payload=b'{"operation": "ping"}')
    assert json.loads(answer["Payload"].read()) == "pong"
    # THEN its execution environment is a child of the fork server
    parents = _parents_of_environments(own_stack["state_dir"], outputs["function_name"])
    assert len(parents) == 1 and "fork_server.py" in _cmdline(parents.pop())


@pytest.fixture(scope="module")  # one emulator for the module's tests: each start and stop costs ~2 s of CPU
def own_stack(tmp_path_factory: pytest.TempPathFactory, settings) -> Iterator[dict[str, Any]]:
    state_dir = tmp_path_factory.mktemp("fork-server") / "state"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_ENDPOINT", "HARNESS_PORT"))}
    env.update(NOT_PREWARMED, HARNESS_STATE_DIR=str(state_dir), HARNESS_TARGET=EMBEDDED)
    env.pop("HARNESS_FORK_SERVER", None)
    env["HARNESS_EMULATOR"] = settings.emulator
    up = run_bootstrap("up", env=env, timeout=300)
    assert up.returncode == 0, up.stderr
    seen: list[int] = []
    try:
        yield {"outputs": json.loads((state_dir / "outputs.json").read_text()), "seen": seen, "state_dir": state_dir}
    finally:
        down = run_bootstrap("down", env=env, timeout=120)
        assert down.returncode == 0, down.stderr
        assert not owned_processes(state_dir / "emulator.json"), "down left processes of the stack"
        assert not [pid for pid in seen if is_alive(pid)], "down left the fork server or its children"


def test_forked_environments__separate_processes_and_module_state_then_down_stops_them(settings, own_stack):
    outputs = own_stack["outputs"]
    lambda_ = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    lambda_.create_function(
        FunctionName="fork-counter",
        Runtime="python3.11",
        Role=lambda_.get_function_configuration(FunctionName=outputs["function_name"])["Role"],
        Handler="counter.handler",
        Code={"ZipFile": _zip(COUNTER)},
        Timeout=30,
    )
    lambda_.get_waiter("function_active_v2").wait(FunctionName="fork-counter")  # Pending first, as on AWS

    def invoke(event: dict) -> dict:
        answer = lambda_.invoke(FunctionName="fork-counter", Payload=json.dumps(event).encode())
        assert "FunctionError" not in answer, answer
        return json.loads(answer["Payload"].read())

    # WHEN two invocations overlap, then a third follows
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(invoke, [{"sleep": 1.5}, {"sleep": 1.5}])
    third = invoke({})

    # THEN two environments, two processes, each with its own module state; the third reuses one of them
    assert first["pid"] != second["pid"]
    assert first["invocations"] == second["invocations"] == 1
    assert third["pid"] in (first["pid"], second["pid"]) and third["invocations"] == 2
    # AND both were forked by the fork server, and look like the emulator's worker script to ps and to down
    assert first["parent"] == second["parent"]
    assert "fork_server.py" in _cmdline(first["parent"])
    assert _cmdline(first["pid"]).rstrip().endswith("worker.py")
    own_stack["seen"].extend([first["pid"], second["pid"], first["parent"]])

"""The fork server's processes behave as the ``Popen`` MiniStack made, and every doubt falls back to ``Popen``."""

import inspect
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ministack.core import lambda_runtime

from local_runtime.function_runtime import startup as function_startup
from local_runtime.function_runtime.fork_client import ForkServer, reason_to_start_normally
from local_runtime.function_runtime.forked_process import ForkedProcess, readable_within
from local_runtime.ministack import fork_server as ministack_fork_server
from local_runtime.ministack.fork_server import is_python_worker
from tests.support.polling import poll

pytestmark = pytest.mark.unit
# What the worker reports about the process it runs in; then it exits with the code it reads on stdin.
REPORTER = """
import json, os, signal, sys
line = sys.stdin.readline()
print(json.dumps({
    "pid": os.getpid(), "pgid": os.getpgid(0), "cwd": os.getcwd(), "argv": sys.argv, "path0": sys.path[0],
    "name": __name__, "file": __file__, "fds": sorted(os.listdir("/proc/self/fd")), "env": dict(os.environ),
    "cmdline": open("/proc/self/cmdline").read(), "environ": open("/proc/self/environ").read(),
    "sigterm_default": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
    "sigint_default": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
}), flush=True)
print("to stderr", file=sys.stderr, flush=True)
if line.strip() == "hang":
    sys.stdin.readline()
sys.exit(int(line) if line.strip().isdigit() else 0)
"""


@pytest.fixture(scope="module")
def server():
    started = ForkServer()
    started.start()
    yield started
    started._control.close()
    started._server.wait(timeout=10)


@pytest.fixture
def worker(tmp_path: Path) -> list[str]:
    script = tmp_path / "_worker.py"
    script.write_text(REPORTER)
    (tmp_path / "code").mkdir()
    return [sys.executable, str(script)]


def _spawn(server: ForkServer, argv: list[str], **env: str) -> ForkedProcess:
    process = server.spawn(argv, str(Path(argv[1]).parent / "code"), {**os.environ, **env})
    assert isinstance(process, ForkedProcess), server.failure
    return process


def _report(process) -> dict:
    process.stdin.write("3\n")
    process.stdin.flush()
    report = json.loads(process.stdout.readline())
    assert process.stderr.readline() == "to stderr\n"
    assert process.wait(timeout=30) == 3 and process.returncode == 3 and process.poll() == 3
    return report


def test_child__is_the_process_popen_would_have_started(server, worker):
    cwd, env = str(Path(worker[1]).parent / "code"), {**os.environ, "FUNCTION_SETTING": "on"}
    forked = _spawn(server, worker, FUNCTION_SETTING="on")
    report = _report(forked)
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(worker, cwd=cwd, env=env, text=True, bufsize=1, **pipes) as started:  # noqa: S603
        expected = _report(started)

    assert report["pid"] == forked.pid != os.getpid()
    assert report["pgid"] == os.getpgid(0)  # MiniStack's Popen makes no group of its own
    assert report["cwd"] == cwd and report["env"] == env
    assert report["argv"] == [worker[1]] and report["file"] == worker[1] and report["name"] == "__main__"
    assert report["fds"] == ["0", "1", "2", "3"]  # 3: the listing's own
    assert report["cmdline"] == "\0".join(worker) + "\0"  # what ps and down read
    assert {**report, "pid": None} == {**expected, "pid": None}  # signals and /proc/<pid>/environ included


def test_child__is_reaped_by_the_server(server, worker):
    process = _spawn(server, worker)
    process.stdin.write("0\n")
    assert process.wait(timeout=10) == 0
    poll(lambda: Path(f"/proc/{process.pid}").exists(), lambda exists: not exists, timeout=5)  # no zombie left


def test_wait__times_out_then_terminate_and_kill_end_it(server, worker):
    process = _spawn(server, worker)
    process.stdin.write("hang\n")
    process.stdout.readline()
    assert process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.05)
    process.terminate()
    assert process.wait(timeout=10) == -signal.SIGTERM
    process.kill()  # a no-op once it has ended, as Popen's


def test_kill__ends_the_process(server, worker):
    process = _spawn(server, worker)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_child__collects_garbage_but_never_walks_what_the_server_loaded(server, tmp_path):
    # GIVEN a function process forked by the server (which loaded boto3 for every child)
    script = tmp_path / "_worker.py"
    script.write_text("import gc, json; print(json.dumps([gc.isenabled(), gc.get_freeze_count()]), flush=True)")
    (tmp_path / "code").mkdir()
    process = _spawn(server, [sys.executable, str(script)])
    # THEN its garbage collector runs, and the server's objects are frozen (copy-on-write pages stay shared)
    enabled, frozen = json.loads(process.stdout.readline())
    assert process.wait(timeout=10) == 0
    assert enabled is True
    assert frozen > 50_000  # boto3, botocore and the DynamoDB model: ~86,000 objects here


def test_patched_call__ministacks_worker_spawn_still_has_the_shape_we_fork():
    source = inspect.getsource(lambda_runtime.Worker._spawn)
    call = source[source.index("self._proc = subprocess.Popen(") : source.index("self._stderr_queue = queue.Queue()")]
    assert "[binary, worker_path]" in call
    assert sorted(re.findall(r"(\w+)=", call)) == sorted(ministack_fork_server._WORKER_OPTIONS)
    assert "return sys.executable, _PYTHON_WORKER_SCRIPT" in inspect.getsource(lambda_runtime._detect_runtime_binary)


def test_worker_call__only_ministacks_python_worker_shape_goes_to_the_server():
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    worker = {"cwd": "c", "env": {}, "text": True, "bufsize": 1, **pipes}
    assert is_python_worker([sys.executable, "w.py"], worker)
    assert not is_python_worker(["node", "w.mjs"], worker)  # same call for Node.js: never waits for the server
    provided = {"cwd": "c", "env": {}, "stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE}
    assert not is_python_worker(["bootstrap"], {**provided, "stderr": subprocess.STDOUT})


MODULES = {name: os.path.dirname(__import__(name).__file__) for name in ("botocore", "jmespath", "json")}


def test_fallback__a_bundled_botocore_of_its_own(tmp_path):
    (tmp_path / "botocore").mkdir()
    (tmp_path / "botocore" / "__init__.py").write_text("# another botocore\n")
    reason = reason_to_start_normally([sys.executable, "w.py"], str(tmp_path), {}, {}, MODULES)
    assert reason is not None and "botocore" in reason


def test_fallback__a_layer_with_its_own_botocore(tmp_path):
    site = tmp_path / "layer" / "python" / "lib" / "python3.11" / "site-packages" / "botocore"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("# a layer's botocore\n")
    (tmp_path / "code").mkdir()
    env = {"_LAMBDA_LAYERS_DIRS": str(tmp_path / "layer")}
    reason = reason_to_start_normally([sys.executable, "w.py"], str(tmp_path / "code"), env, {}, MODULES)
    assert reason is not None and "botocore" in reason


def test_no_fallback__the_same_jmespath_bundled(tmp_path):
    shutil.copytree(MODULES["jmespath"], tmp_path / "jmespath", ignore=shutil.ignore_patterns("__pycache__"))
    assert reason_to_start_normally([sys.executable, "w.py"], str(tmp_path), {}, {}, MODULES) is None


def test_fallback__an_environment_that_changes_the_interpreter_or_another_runtime(tmp_path):
    python = [sys.executable, "w.py"]
    assert "PYTHONPATH" in reason_to_start_normally(python, str(tmp_path), {"PYTHONPATH": "x"}, {}, MODULES)
    assert "AWS_DATA_PATH" in reason_to_start_normally(python, str(tmp_path), {}, {"AWS_DATA_PATH": "x"}, MODULES)
    assert "TZ" in reason_to_start_normally(python, str(tmp_path), {"TZ": "Europe/Paris"}, {}, MODULES)
    assert "not a Python worker" in reason_to_start_normally(["node", "w.js"], str(tmp_path), {}, {}, MODULES)


def test_fallback__a_dead_server_is_logged_once_and_popen_used(worker, caplog, monkeypatch):
    dead = ForkServer()
    dead.start()
    dead._server.kill()
    dead._server.wait(timeout=10)
    monkeypatch.setattr(lambda_runtime, "subprocess", ministack_fork_server._SubprocessThroughForkServer(dead))
    options = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    cwd = str(Path(worker[1]).parent)
    with caplog.at_level(logging.WARNING, logger="lambda_runtime.fork_server"):
        for _ in range(2):
            process = lambda_runtime.subprocess.Popen(worker, cwd=cwd, env=dict(os.environ), bufsize=1, **options)
            assert isinstance(process, subprocess.Popen)
            process.stdin.write("0\n")
            process.stdin.flush()
            assert process.wait(timeout=30) == 0
            process.stdin.close(), process.stdout.close(), process.stderr.close()
    assert len(caplog.records) == 1 and "fork server failed" in caplog.records[0].getMessage()
    dead._control.close()


def test_switch__off_leaves_ministack_alone(monkeypatch):
    monkeypatch.setenv(ministack_fork_server.SWITCH, "0")
    assert ministack_fork_server.subprocess_through_fork_server() is None  # so apply_patches leaves it alone


def test_readable__fd_numbers_above_select_s_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1500:
        pytest.skip(f"this process may not open fd 1500 (hard limit {hard})")
    if soft != resource.RLIM_INFINITY and soft <= 1500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 4096, hard))
    # GIVEN a pipe whose read end has an fd number above 1024 (an emulator with hundreds of environments)
    read_end, write_end = os.pipe()
    high = os.dup2(read_end, 1500)
    try:
        # WHEN nothing was written, THEN not readable; once written, readable
        assert not readable_within(high, 0.01)
        os.write(write_end, b"x")
        assert readable_within(high, 1.0)
    finally:
        for fd in (read_end, write_end, high):
            os.close(fd)


@pytest.mark.parametrize("measured", [True, False], ids=["measured", "not-measured"])
def test_function_coverage__coverage_py_loaded_once_by_the_server_only_when_measured(monkeypatch, worker, measured):
    # GIVEN an emulator whose function processes a test session measures (function_startup.py's variable), or not;
    # the emulator itself never is (local_runtime/processes.py takes coverage's start-up variables out)
    for starter in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
        monkeypatch.delenv(starter, raising=False)
    if measured:
        monkeypatch.setenv(function_startup.COVERAGE_CONFIG, "serialised configuration")
    else:
        monkeypatch.delenv(function_startup.COVERAGE_CONFIG, raising=False)
    started = ForkServer()
    # WHEN its fork server starts and forks an environment
    started.start()
    try:
        _report(_spawn(started, worker))
        # THEN coverage.py is imported there, for every child to start, only if they are measured
        assert ("coverage" in started.modules) is measured
    finally:
        started._control.close()
        started._server.wait(timeout=10)

"""``./harness watch`` against a stack of its own, deployed from a copy of handler/ (the session's stack and the
project's handler/ stay untouched): a saved change is served from the first request after the reload line, a
syntax error is reported and the running version kept, and the command stops on SIGTERM leaving no process
behind."""

import io
import re

import pytest

from bootstrap.report import Progress
from harness_cli import lifecycle
from local_runtime.processes import is_alive
from tests.support.cli import CliProcess, cli_env
from tests.support.paths import handler_copy
from tests.support.polling import api_after_up

pytestmark = pytest.mark.e2e
PING = {"operation": "ping"}
NEW_PING = {"answer": "pong", "reloaded": True}


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_watch__reloads_a_saved_change_refuses_a_syntax_error_and_stops_cleanly(stack_factory, tmp_path):
    # GIVEN a stack deployed from a copy of the handler, and watch running on that copy
    source = handler_copy(tmp_path)
    settings = stack_factory(handler_dir=source)
    api = api_after_up(lifecycle.up(settings, Progress(io.StringIO())))
    assert api.call(PING) == "pong"
    with CliProcess("watch", "--yes", env=cli_env(settings)) as watcher:
        serving = watcher.wait_for(lambda line: line.startswith(("serving CodeSha256", "error:")), timeout=120)
        assert serving.startswith("serving"), watcher.lines
        # WHEN ping's answer gets a new field and the file is saved
        _edit(
            source / "operations.py",
            'def ping(_table: Table, _payload: Any) -> str:\n    return "pong"',
            f"def ping(_table: Table, _payload: Any) -> dict:\n    return {NEW_PING!r}",
        )
        reloaded = watcher.wait_for(lambda line: line.startswith(("reloaded", "not reloaded")), timeout=60)
        # THEN one line names the file, the new CodeSha256 and the time; and, as on AWS once an update is done,
        # the very next invocation runs the new code (how fast a reload is: docs/daily-loop.md, Watch)
        assert re.fullmatch(r"reloaded +handler/operations\.py +CodeSha256 \S{44} +in \d+\.\d\ds", reloaded), reloaded
        assert api.call(PING) == NEW_PING
        # WHEN a syntax error is saved
        _edit(source / "codec.py", "def ", "def (broken")
        refused = watcher.wait_for(lambda line: line.startswith("not reloaded"), timeout=60)
        # THEN it is reported as file:line: message, and the last good version keeps serving
        assert re.search(r"handler/codec\.py:\d+: \S", refused), refused
        assert api.call(PING) == NEW_PING
        # WHEN the error is fixed back to the deployed code, THEN nothing is uploaded
        _edit(source / "codec.py", "def (broken", "def ")
        watcher.wait_for(lambda line: line.startswith("unchanged"), timeout=60)
        # WHEN it is stopped (SIGTERM), THEN it says so, exits 0, and its process is gone
        assert watcher.stop() == 0
    assert watcher.lines[-1] == "stopped watching"
    assert not is_alive(watcher.process.pid)
    assert not any(line.startswith("reloaded") for line in watcher.lines[watcher.lines.index(reloaded) + 1 :])

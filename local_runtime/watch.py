"""Hot reload: when the handler's sources change, rebuild the zip and update the function, only if its hash changed.

Every handler file is compiled first: a syntax error is reported (``file:line: message``) and nothing is
uploaded, so the running version keeps serving. An update is waited for (``function_updated_v2``) before
it is reported, so once the line is printed every new invocation runs the new code.
"""

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import watchfiles
from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import package

# Emulators finish an update in well under a second (MiniStack: 0.5 s); poll often so the line comes at once.
WAITER = {"Delay": 0.1, "MaxAttempts": 1800}
# A save settles when nothing changed for STEP_MS; a burst of saves is one reload, at most DEBOUNCE_MS apart.
STEP_MS, DEBOUNCE_MS = 50, 500
# With no change for this long, watchfiles hands back an empty batch: the first one says the watches are in place.
IDLE_MS = 200


@dataclass(frozen=True)
class Reload:
    """What one batch of changes did: ``updated`` (uploaded), ``unchanged`` (same zip: no call), ``refused``
    (a syntax error: nothing uploaded) or ``failed`` (the target refused the update or did not answer)."""

    outcome: str
    changed: tuple[str, ...]
    code_sha256: str
    seconds: float
    problems: tuple[str, ...] = field(default=())

    def line(self) -> str:
        what = ", ".join(self.changed) or "(sources differ from the deployed code)"
        if self.outcome in ("refused", "failed"):
            return f"not reloaded: {'; '.join(self.problems)}  (still serving {self.code_sha256})"
        if self.outcome == "unchanged":
            return f"unchanged     {what}  same CodeSha256 {self.code_sha256}, nothing uploaded"
        return f"reloaded      {what}  CodeSha256 {self.code_sha256}  in {self.seconds:.2f}s"


def shown(path: Path) -> str:
    """A path as the user typed it best: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def syntax_errors(source_dir: Path) -> list[str]:
    """``file:line: message`` for every Python file under ``source_dir`` that does not compile."""
    problems = []
    for path in sorted(source_dir.rglob("*.py")):
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as error:  # IndentationError and TabError included
            problems.append(f"{shown(path)}:{error.lineno}: {error.msg}")
        except ValueError as error:  # source code with null bytes
            problems.append(f"{shown(path)}:1: {error}")
    return problems


class Reloader:
    """Keeps one function's code equal to a source folder, uploading only when the zip's CodeSha256 differs."""

    def __init__(self, lambda_client: Any, function_name: str, source_dir: Path) -> None:
        self.lambda_client, self.function_name, self.source_dir = lambda_client, function_name, source_dir
        self.deployed = lambda_client.get_function(FunctionName=function_name)["Configuration"]["CodeSha256"]

    def reload(self, changed: Iterable[str] = ()) -> Reload:
        """Compile, build, and update the function if the zip differs from the deployed one; wait for it."""
        started, changed = time.perf_counter(), tuple(changed)
        problems = syntax_errors(self.source_dir)
        if problems:
            return Reload("refused", changed, self.deployed, time.perf_counter() - started, tuple(problems))
        code = package.build_zip(handler_dir=self.source_dir)
        digest = package.code_sha256(code)
        if digest == self.deployed:
            return Reload("unchanged", changed, digest, time.perf_counter() - started)
        self.lambda_client.update_function_code(FunctionName=self.function_name, ZipFile=code)
        waiter = self.lambda_client.get_waiter("function_updated_v2")
        waiter.wait(FunctionName=self.function_name, WaiterConfig=WAITER)
        self.deployed = digest
        return Reload("updated", changed, digest, time.perf_counter() - started)


def changed_files(changes: Iterable[tuple[Any, str]], source_dir: Path) -> list[str]:
    """The changed paths of one watchfiles batch, relative to the source folder's parent (``handler/app.py``)."""
    base = source_dir.resolve().parent
    return sorted({os.path.relpath(path, base) for _change, path in changes})


def watch(
    reloader: Reloader, report: Callable[[Reload], None], stop: threading.Event, watching: Callable[[], None]
) -> None:
    """Reload on every settled batch of changes to the folder's Python files, until ``stop`` is set or Ctrl-C.

    ``watching()`` is called once the folder's watches are in place, before the first batch: a save from then on
    is seen. (A save between "serving" and the watches was lost: the test that saves right after it timed out
    under load.)"""
    in_place = False
    for changes in watchfiles.watch(
        reloader.source_dir,
        watch_filter=watchfiles.PythonFilter(),
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop,
        raise_interrupt=False,
        rust_timeout=IDLE_MS,
        yield_on_timeout=True,
    ):
        if not in_place:
            in_place = True
            watching()
        if not changes:
            continue
        changed = changed_files(changes, reloader.source_dir)
        try:
            report(reloader.reload(changed))
        except (ClientError, BotoCoreError) as error:  # the next save tries again
            report(Reload("failed", tuple(changed), reloader.deployed, 0.0, (" ".join(str(error).split()),)))

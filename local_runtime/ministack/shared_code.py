"""Every execution environment of one code version runs from one unzipped copy of it, as on AWS.

On AWS the function's code is ``/var/task``, read-only and the same in every execution environment of a version.
MiniStack (``Worker._spawn`` in ``ministack/core/lambda_runtime.py``) unzips the code, and each layer, into every
new environment's own folder: this project's function is ~400 files, about 165 ms of the emulator's CPU per cold
start and as much again to delete them. And an environment's ``__pycache__`` went with its folder, so every cold
start compiled the handler and Powertools again.

Here the first environment of a code version unzips it into ``<TMPDIR>/harness-code/<sha256 of the zip>``; each
environment's ``code`` (and ``layer_N``) folder is a symbolic link to that copy. Python resolves nothing
through the link: ``LAMBDA_TASK_ROOT``, ``sys.path`` and ``__file__`` keep MiniStack's paths (a debugger's path mapping
and coverage's path remapping hold). Two differences a function could see: ``os.getcwd()`` is the copy's own
path (the kernel resolves the link; on AWS both are ``/var/task``), and the copy is writable and outlives its
environments (on AWS ``/var/task`` is read-only): the ``__pycache__`` the first environment writes serves the
next ones, so a cold start here skips compiling the handler and Powertools, which one on AWS does not.

A copy no environment links to is deleted when the next copy is made, so ``watch``'s reloads do not pile copies
up; ``ministack.after_stop`` clears what a stopped emulator left.

Python runtimes only: for Node.js MiniStack links each layer's packages into ``code/node_modules``, which would
write one environment's links into the copy every environment shares; other runtimes are unzipped as before.
"""

import hashlib
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ministack.core import lambda_runtime

from local_runtime.function_runtime.hooks import TASK_ROOT_VARIABLE
from local_runtime.ministack.launcher import ENVIRONMENT_PREFIX, SHARED_CODE_FOLDER

_lock = threading.Lock()  # one copy made at a time; a copy is never deleted while a link to it is being made
_spawning = threading.local()  # .runtime: the runtime of the environment this thread is starting
_original_spawn = lambda_runtime.Worker._spawn


def _digest(path: str) -> str:
    hashed = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            hashed.update(block)
    return hashed.hexdigest()


def _linked_copies(shared: Path) -> set[str]:
    """The copies some environment's folder links to (MiniStack's folders, and the debugging one)."""
    folders = list(shared.parent.glob(f"{ENVIRONMENT_PREFIX}*"))
    if os.environ.get(TASK_ROOT_VARIABLE):
        folders.append(Path(os.environ[TASK_ROOT_VARIABLE]).parent)
    linked = set()
    for folder in folders:
        try:  # MiniStack deletes a stopped environment's folder without our lock: it may go while we look
            entries = list(os.scandir(folder))
        except OSError:
            continue
        linked.update(os.path.realpath(entry.path) for entry in entries if entry.is_symlink())
    return linked


def _delete_unlinked(shared: Path, keep: Path) -> None:
    linked = _linked_copies(shared)
    for copy in shared.iterdir():
        if copy != keep and os.path.realpath(copy) not in linked:
            shutil.rmtree(copy, ignore_errors=True)


def link_to_shared_copy(archive: zipfile.ZipFile, archive_path: str, target: str) -> None:
    """Make ``target`` (an empty folder MiniStack made) a link to the shared unzipped copy of ``archive``."""
    shared = Path(tempfile.gettempdir()) / SHARED_CODE_FOLDER
    shared.mkdir(exist_ok=True)
    copy = shared / _digest(archive_path)
    with _lock:
        if not copy.is_dir():
            staging = tempfile.mkdtemp(prefix=".unzipping-", dir=shared)
            archive.extractall(staging)
            os.rename(staging, copy)
            _delete_unlinked(shared, keep=copy)
        os.rmdir(target)
        os.symlink(copy, target, target_is_directory=True)


class SharedCodeZipFile:
    """``zipfile.ZipFile`` as ``Worker._spawn`` uses it (a context manager, ``namelist``, ``extractall``), where
    ``extractall`` links the folder to the shared copy instead of unzipping into it."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._archive = zipfile.ZipFile(path)

    def __enter__(self) -> "SharedCodeZipFile":
        return self

    def __exit__(self, *_exc: object) -> None:
        self._archive.close()

    def namelist(self) -> list[str]:
        return self._archive.namelist()

    def extractall(self, path: str) -> None:
        if str(getattr(_spawning, "runtime", "")).startswith("python"):
            link_to_shared_copy(self._archive, self._path, path)
        else:
            self._archive.extractall(path)


def _spawn_noting_the_runtime(self: Any) -> Any:
    """``Worker._spawn``, with the runtime it starts known to ``extractall`` (MiniStack's default: python3.12)."""
    _spawning.runtime = self.config.get("Runtime", "python3.12")
    try:
        return _original_spawn(self)
    finally:
        _spawning.runtime = ""


# ``lambda_runtime``'s ``zipfile``: ``Worker._spawn`` is its only user there. It also catches
# ``zipfile.LargeFileError``, which no Python has (an over-large layer raised AttributeError there): it is given
# ``zipfile.LargeZipFile``, the error it means.
ZIPFILE = SimpleNamespace(ZipFile=SharedCodeZipFile, BadZipFile=zipfile.BadZipFile, LargeFileError=zipfile.LargeZipFile)

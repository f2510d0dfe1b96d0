"""One unzipped copy per code version, linked from every execution environment's folder (ministack_shared_code.py)."""

import inspect
import io
import os
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from ministack.core import lambda_runtime

from local_runtime.function_runtime.hooks import TASK_ROOT_VARIABLE
from local_runtime.ministack import launcher as ministack
from local_runtime.ministack import shared_code as ministack_shared_code
from local_runtime.ministack.patches import SHARED_CODE

pytestmark = pytest.mark.unit


def _zip(path: Path, files: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """MiniStack's TMPDIR, where its environments' folders and the shared copies go; a Python environment is being
    started (``Worker._spawn`` notes its runtime)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv(TASK_ROOT_VARIABLE, raising=False)
    monkeypatch.setattr(ministack_shared_code._spawning, "runtime", "python3.12", raising=False)
    return tmp_path


def _environment(scratch: Path, archive: str, name: str) -> Path:
    """What ``Worker._spawn`` does with the code: an empty ``code`` folder, then ``extractall`` into it."""
    code = scratch / f"{ministack.ENVIRONMENT_PREFIX}fn-{name}" / "code"
    code.mkdir(parents=True)
    with ministack_shared_code.SharedCodeZipFile(archive) as opened:
        assert opened.namelist()
        opened.extractall(str(code))
    return code


def _copies(scratch: Path) -> list[str]:
    return sorted(path.name for path in (scratch / ministack.SHARED_CODE_FOLDER).iterdir())


def test_spawn__still_unzips_code_and_layers_through_the_module_name_we_replace():
    spawn = inspect.getsource(lambda_runtime.Worker._spawn)
    assert 'with zipfile.ZipFile(os.path.join(self._tmpdir, "code.zip")) as zf:' in spawn
    assert "zf.extractall(code_dir)" in spawn
    assert "lzf.namelist()" in spawn and "lzf.extractall(layer_dir)" in spawn
    assert "os.makedirs(code_dir)" in spawn and "os.makedirs(layer_dir)" in spawn
    # _spawn is the module's only user of zipfile, so replacing the module's name changes nothing else
    assert inspect.getsource(lambda_runtime).count("zipfile.") == spawn.count("zipfile.")


def test_two_environments_of_one_version__share_one_copy_unzipped_once(scratch, monkeypatch):
    archive = _zip(scratch / "code.zip", {"handler/app.py": "VALUE = 1\n", "lib/x.py": ""})
    unzipped = []
    original = zipfile.ZipFile.extractall
    monkeypatch.setattr(zipfile.ZipFile, "extractall", lambda self, path: unzipped.append(path) or original(self, path))

    first, second = _environment(scratch, archive, "a"), _environment(scratch, archive, "b")

    assert len(unzipped) == 1
    assert first.is_symlink() and second.is_symlink()
    assert os.path.realpath(first) == os.path.realpath(second)
    assert (second / "handler" / "app.py").read_text() == "VALUE = 1\n"  # read through MiniStack's own path
    assert _copies(scratch) == [os.path.basename(os.path.realpath(first))]


def test_new_version__its_own_copy__an_old_copy_no_environment_links_to_is_deleted(scratch):
    old = _zip(scratch / "old.zip", {"handler/app.py": "VALUE = 1\n"})
    new = _zip(scratch / "new.zip", {"handler/app.py": "VALUE = 2\n"})
    gone = _environment(scratch, old, "gone")
    kept_copy = os.path.basename(os.path.realpath(_environment(scratch, old, "still-running")))
    os.unlink(gone)  # MiniStack deleted that environment's folder when it stopped it

    fresh = _environment(scratch, new, "fresh")
    assert (fresh / "handler" / "app.py").read_text() == "VALUE = 2\n"
    assert kept_copy in _copies(scratch)  # an environment still runs the old version: its copy stays

    os.unlink(scratch / f"{ministack.ENVIRONMENT_PREFIX}fn-still-running" / "code")
    _environment(scratch, _zip(scratch / "newer.zip", {"handler/app.py": "VALUE = 3\n"}), "newer")
    assert kept_copy not in _copies(scratch)
    assert len(_copies(scratch)) == 2  # VALUE = 2 (linked from "fresh") and VALUE = 3


def test_debugging_folder__its_link_keeps_its_copy(scratch, tmp_path_factory, monkeypatch):
    debug_folder = tmp_path_factory.mktemp("debug")
    monkeypatch.setenv(TASK_ROOT_VARIABLE, str(debug_folder / "code"))
    code = debug_folder / "code"
    code.mkdir()
    with ministack_shared_code.SharedCodeZipFile(_zip(scratch / "a.zip", {"a.py": "A = 1\n"})) as opened:
        opened.extractall(str(code))
    _environment(scratch, _zip(scratch / "b.zip", {"b.py": "B = 1\n"}), "other")
    assert (code / "a.py").read_text() == "A = 1\n"


def test_node_environment__unzipped_into_its_own_folder_as_before(scratch, monkeypatch):
    """MiniStack links a Node.js function's layer packages into ``code/node_modules``: that folder stays its own."""
    monkeypatch.setattr(ministack_shared_code._spawning, "runtime", "nodejs20.x")
    code = _environment(scratch, _zip(scratch / "index.zip", {"index.js": "exports.handler = 1\n"}), "node")
    assert not code.is_symlink() and (code / "index.js").read_text() == "exports.handler = 1\n"
    assert not (scratch / ministack.SHARED_CODE_FOLDER).exists()


def test_spawn__the_runtime_is_known_while_it_runs_and_forgotten_after(monkeypatch):
    seen = []
    monkeypatch.setattr(
        ministack_shared_code, "_original_spawn", lambda worker: seen.append(ministack_shared_code._spawning.runtime)
    )
    ministack_shared_code._spawn_noting_the_runtime(SimpleNamespace(config={"Runtime": "python3.13"}))
    ministack_shared_code._spawn_noting_the_runtime(SimpleNamespace(config={}))
    assert seen == ["python3.13", "python3.12"] and ministack_shared_code._spawning.runtime == ""


def test_after_stop__deletes_environments_copies_and_the_pid_file_and_keeps_the_rest(tmp_path):
    scratch = tmp_path / ministack.SCRATCH_FOLDER
    for leftover in (f"{ministack.ENVIRONMENT_PREFIX}fn-x/code", f"{ministack.SHARED_CODE_FOLDER}/abc/handler"):
        (scratch / leftover).mkdir(parents=True)
    (scratch / "ministack-4566.pid").write_text("1")
    (scratch / "someone-elses.txt").write_text("kept")
    ministack.after_stop(tmp_path)
    assert sorted(path.name for path in scratch.iterdir()) == ["someone-elses.txt"]


def test_install__replaces_only_lambda_runtimes_zipfile():
    with SHARED_CODE:
        assert lambda_runtime.zipfile.ZipFile is ministack_shared_code.SharedCodeZipFile
        assert lambda_runtime.zipfile.BadZipFile is zipfile.BadZipFile
        assert lambda_runtime.zipfile.LargeFileError is zipfile.LargeZipFile  # the name MiniStack catches, fixed
    assert lambda_runtime.zipfile is zipfile
    assert zipfile.ZipFile is not ministack_shared_code.SharedCodeZipFile

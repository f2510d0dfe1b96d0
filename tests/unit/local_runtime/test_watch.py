"""Hot reload's decisions: upload only a changed zip, never code that does not compile (botocore Stubber)."""

import os
import threading

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bootstrap import package
from local_runtime import watch
from tests.support.paths import handler_copy

pytestmark = pytest.mark.unit
FUNCTION = "fn"


@pytest.fixture
def source(tmp_path):
    return handler_copy(tmp_path)


@pytest.fixture
def lambda_stub(aws_env):
    client = boto3.client("lambda", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub


def _deployed(stub: Stubber, code_sha256: str, status: str = "Successful") -> None:
    configuration = {"FunctionName": FUNCTION, "CodeSha256": code_sha256, "State": "Active"}
    stub.add_response("get_function", {"Configuration": {**configuration, "LastUpdateStatus": status}})


def _reloader(lambda_stub, source) -> watch.Reloader:
    client, stub = lambda_stub
    _deployed(stub, package.code_sha256(package.build_zip(handler_dir=source)))
    return watch.Reloader(client, FUNCTION, source)


def test_unchanged_zip__nothing_uploaded(lambda_stub, source):
    # GIVEN the deployed code is the folder's code
    reloader = _reloader(lambda_stub, source)
    # WHEN an editor touches a file without changing it
    stat = (source / "app.py").stat()
    os.utime(source / "app.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    result = reloader.reload(["handler/app.py"])
    # THEN no call is made (the Stubber fails on any call not scripted) and the line says so
    assert result.outcome == "unchanged"
    assert result.line().startswith("unchanged     handler/app.py  same CodeSha256 ")
    lambda_stub[1].assert_no_pending_responses()


def test_changed_source__uploaded_once_and_waited_for(lambda_stub, source):
    client, stub = lambda_stub
    reloader = _reloader(lambda_stub, source)
    # GIVEN a real change
    (source / "operations.py").write_text((source / "operations.py").read_text().replace('"pong"', '"pong-v2"'))
    new = package.code_sha256(package.build_zip(handler_dir=source))
    stub.add_response("update_function_code", {"CodeSha256": new}, {"FunctionName": FUNCTION, "ZipFile": ANY})
    _deployed(stub, new)  # the waiter's first poll: the update is done
    # WHEN it is reloaded, THEN the new zip is uploaded, the update waited for, and the new hash reported
    result = reloader.reload(["handler/operations.py"])
    assert (result.outcome, result.code_sha256, reloader.deployed) == ("updated", new, new)
    assert result.line().startswith(f"reloaded      handler/operations.py  CodeSha256 {new}  in ")
    stub.assert_no_pending_responses()
    # AND saving the same content again uploads nothing
    assert reloader.reload(["handler/operations.py"]).outcome == "unchanged"


def test_syntax_error__reported_with_file_and_line_and_nothing_uploaded(lambda_stub, source, monkeypatch):
    monkeypatch.chdir(source.parent)
    reloader = _reloader(lambda_stub, source)
    deployed = reloader.deployed
    (source / "codec.py").write_text((source / "codec.py").read_text() + "\ndef broken(:\n")
    result = reloader.reload(["handler/codec.py"])
    line_number = len((source / "codec.py").read_text().splitlines())
    assert result.outcome == "refused"
    assert result.problems == (f"handler/codec.py:{line_number}: invalid syntax",)
    assert result.line() == f"not reloaded: handler/codec.py:{line_number}: invalid syntax  (still serving {deployed})"
    assert reloader.deployed == deployed


def test_changed_files__relative_to_the_folders_parent(source):
    changes = {(1, str(source / "app.py")), (2, str(source / "app.py")), (1, str(source / "codec.py"))}
    assert watch.changed_files(changes, source) == ["handler/app.py", "handler/codec.py"]


class _RecordingReloader:
    """Stands in for ``watch.Reloader``: records the batches it is asked to reload."""

    def __init__(self, source_dir) -> None:
        self.source_dir, self.batches = source_dir, []

    def reload(self, changed=()) -> watch.Reload:
        self.batches.append(tuple(changed))
        return watch.Reload("unchanged", tuple(changed), "sha", 0.0)


def test_a_save_right_after_watching_is_announced__is_reloaded(source):
    # GIVEN watch on a folder, and a save made the moment it says it is watching
    reloader, stop = _RecordingReloader(source), threading.Event()

    def save_at_once() -> None:
        (source / "operations.py").write_text((source / "operations.py").read_text() + "\n# saved\n")

    def report(_reload: watch.Reload) -> None:
        stop.set()

    # WHEN it runs (stopped by the first report, or after 10 s at most)
    deadline = threading.Timer(10, stop.set)
    deadline.start()
    try:
        watch.watch(reloader, report, stop, save_at_once)
    finally:
        deadline.cancel()
    # THEN that save was seen and reloaded
    assert reloader.batches == [("handler/operations.py",)]

"""MiniStack's workers across a code update: busy ones retired (not killed), none kept with old code."""

import inspect
from types import SimpleNamespace

import pytest
from ministack.core import lambda_runtime
from ministack.services import lambda_svc

from local_runtime.ministack import workers as ministack_workers
from tests.support.polling import poll

pytestmark = pytest.mark.unit
KEY = "000000000000:us-east-1:fn:$LATEST"


def test_patched_names__still_there_with_the_shapes_we_wrap():
    parameters = list(inspect.signature(ministack_workers._original_invalidate).parameters)
    assert parameters == ["func_name", "qualifier", "account", "region"]
    assert list(inspect.signature(ministack_workers._original_release).parameters) == ["worker"]
    assert 'return f"{account}:{region}:{func_name}:{qualifier}"' in inspect.getsource(lambda_runtime._worker_key)
    assert 'invalidate_worker(name, qualifier="$LATEST"' in inspect.getsource(lambda_svc)
    assert "release_worker(worker)" in inspect.getsource(lambda_svc._execute_function_warm)
    worker = lambda_runtime.Worker("fn", {"CodeSha256": "x"}, b"zip")  # no process until its first invoke
    assert (worker.code_zip, worker.config, worker.in_use) == (b"zip", {"CodeSha256": "x"}, False)
    assert isinstance(lambda_runtime._workers, dict)


def _worker(code: bytes, current: bytes, in_use: bool) -> SimpleNamespace:
    config = {"CodeSha256": ministack_workers._code_sha256(SimpleNamespace(code_zip=current))}
    return SimpleNamespace(code_zip=code, config=config, in_use=in_use)


@pytest.fixture
def pool(monkeypatch):
    """An empty worker pool, and a record of the workers killed instead of real processes."""
    killed: list = []
    monkeypatch.setattr(lambda_runtime, "_workers", {})
    monkeypatch.setattr(lambda_runtime, "kill_workers", lambda workers: killed.extend(workers))
    return killed


def test_invalidate__retires_the_busy_worker_and_kills_the_idle_one(pool):
    # GIVEN a busy and an idle worker of the function
    busy, idle = _worker(b"old", b"old", in_use=True), _worker(b"old", b"old", in_use=False)
    lambda_runtime._workers[KEY] = [busy, idle]
    # WHEN the code is updated
    ministack_workers.invalidate_sparing_busy_workers("fn", qualifier="$LATEST")
    # THEN the idle one is killed (in the background), the busy one once its invocation returns; neither stays pooled
    assert lambda_runtime._workers == {}
    assert poll(lambda: list(pool), accept=lambda killed: killed == [idle], timeout=5)
    ministack_workers.release_or_stop(busy)
    assert pool == [idle, busy]


def test_release__a_worker_with_old_code_is_stopped_not_pooled(pool):
    # GIVEN a worker started with code that is no longer the function's (it read the code before an update)
    stale = _worker(b"old", b"new", in_use=True)
    lambda_runtime._workers[KEY] = [stale]
    # WHEN its invocation returns, THEN it is stopped and out of the pool
    ministack_workers.release_or_stop(stale)
    assert pool == [stale] and lambda_runtime._workers[KEY] == []


def test_release__a_current_worker_goes_back_to_the_pool(pool):
    current = _worker(b"new", b"new", in_use=True)
    lambda_runtime._workers[KEY] = [current]
    ministack_workers.release_or_stop(current)
    assert pool == [] and lambda_runtime._workers[KEY] == [current] and current.in_use is False

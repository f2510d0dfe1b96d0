"""The tuned MiniStack start patches private names: fail loudly if an upgrade moves them."""

import inspect
import json
import queue
import time
from pathlib import Path

import pytest
from ministack.core import lambda_runtime, persistence
from ministack.services import apigateway_v1, dynamodb, lambda_svc

from local_runtime.ministack import launcher as ministack
from local_runtime.ministack import tuned as ministack_tuned
from local_runtime.ministack.patches import apply_patches
from local_runtime.patching import Patch, Patches
from tests.support.paths import ROOT

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_fork_server_and_patches_undone(monkeypatch):
    """apply_patches() would start a fork server in this test process (tested in test_fork_server.py); every patch
    it applies is undone after each test."""
    monkeypatch.setenv("HARNESS_FORK_SERVER", "0")
    yield
    Patches(Patch.applied).undo()


def test_patched_method__still_has_the_windows_we_tune():
    parameters = inspect.signature(ministack_tuned._original_drain).parameters
    assert {"first_line_wait", "idle_confirm", "hard_cap"} <= set(parameters)
    assert parameters["idle_confirm"].default == 0.005  # MiniStack's own value, which docs/settings.md quotes


def test_install__replaces_the_drain_with_the_tuned_windows():
    original = lambda_runtime.Worker._drain_stderr_bounded
    try:
        apply_patches()
        tuned = inspect.signature(lambda_runtime.Worker._drain_stderr_bounded).parameters
        assert tuned["idle_confirm"].default == ministack_tuned.SETTLE_S
    finally:
        lambda_runtime.Worker._drain_stderr_bounded = original


def test_install__a_new_function_is_pending_for_the_tuned_moment_only():
    # MiniStack reads its delay by module-level name when it schedules the Pending -> Active flip
    assert "_schedule_state_transition(name, _LAMBDA_STATE_TRANSITION_DELAY)" in inspect.getsource(lambda_svc)
    assert "\n_LAMBDA_STATE_TRANSITION_DELAY = 0.5\n" in inspect.getsource(lambda_svc)  # its own, docs/settings.md
    apply_patches()
    assert lambda_svc._LAMBDA_STATE_TRANSITION_DELAY == ministack_tuned.PENDING_S


def test_environment__keeps_ministack_s_state_folder_under_the_stack_s(tmp_path):
    # MiniStack writes its state (its Cognito signing key, made when `status` first lists stacks) to STATE_DIR,
    # /tmp/ministack-state unless told otherwise: here it goes under the stack's state folder, with the rest
    assert 'STATE_DIR = os.environ.get("STATE_DIR", "/tmp/ministack-state")' in inspect.getsource(persistence)
    environment = ministack.environment(4566, "us-east-1", tmp_path, enforce_iam=True)
    assert Path(environment["STATE_DIR"]).is_relative_to(tmp_path)


def test_patched_api_gateway_functions__still_there_with_the_shapes_we_wrap():
    # UpdateApiKey is dispatched by module-level name, and its key check reads the stored "enabled"
    assert list(inspect.signature(ministack_tuned._original_update_api_key).parameters) == ["key_id", "data"]
    assert "enabled" in inspect.getsource(apigateway_v1._resolve_api_key)
    assert "_update_api_key(key_id, data)" in inspect.getsource(apigateway_v1)
    # the AWS_PROXY path turns _lambda_proxy_response's (response, error) into the 502 body
    assert list(inspect.signature(ministack_tuned._original_lambda_proxy_response).parameters) == ["result"]
    assert "lambda_response, err = _lambda_proxy_response(result)" in inspect.getsource(apigateway_v1)
    # the AWS_PROXY invocation is looked up by module-level name, takes the integration first, and the
    # gateway knows INTEGRATION_TIMEOUT (504)
    assert list(inspect.signature(ministack_tuned._original_invoke_lambda_proxy).parameters)[0] == "integration"
    assert "invoke = _invoke_lambda_proxy_v1" in inspect.getsource(apigateway_v1)
    assert apigateway_v1._DEFAULT_GATEWAY_RESPONSE_STATUS_CODES["INTEGRATION_TIMEOUT"] == "504"


def test_install__a_failed_invocation_gets_aws_body_and_a_disabled_key_is_a_boolean():
    originals = (apigateway_v1._update_api_key, apigateway_v1._lambda_proxy_response)
    try:
        apply_patches()
        failed = {"error": True, "body": {"errorMessage": "boom", "errorType": "RuntimeError"}}
        assert apigateway_v1._lambda_proxy_response(failed) == (None, "Internal server error")
        created = json.loads(apigateway_v1._create_api_key({"name": "k", "enabled": True})[2])
        patch = {"patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}]}
        apigateway_v1._update_api_key(created["id"], patch)
        assert apigateway_v1._api_keys[created["id"]]["enabled"] is False
        assert apigateway_v1._resolve_api_key(created["value"]) is None
    finally:
        apigateway_v1._update_api_key, apigateway_v1._lambda_proxy_response = originals


def test_update_item__dispatched_by_module_level_name_with_the_shape_we_wrap():
    assert list(inspect.signature(ministack_tuned._original_update_item).parameters) == ["data"]
    assert '"UpdateItem": _update_item,' in inspect.getsource(dynamodb.handle_request)


def test_install__update_item_refuses_a_syntax_error_with_dynamodbs_answer():
    original = dynamodb._update_item
    try:
        apply_patches()
        status, _headers, body = dynamodb._update_item({"TableName": "t", "Key": {}, "UpdateExpression": "SET = ="})
        assert status == 400
        assert json.loads(body) == {
            "__type": "ValidationException",  # MiniStack's shape for all its errors; botocore reads both
            "message": 'Invalid UpdateExpression: Syntax error; token: "=", near: "SET = ="',
        }
    finally:
        dynamodb._update_item = original


def test_tuned_drain__takes_every_line_and_returns_once_the_quiet_window_passes():
    class Worker:
        _stderr_queue = queue.Queue()

    worker = Worker()
    for line in ("START", '{"level": "INFO"}', "END"):
        worker._stderr_queue.put(line)
    started = time.monotonic()
    assert ministack_tuned._drain_with_tuned_windows(worker, 2.0, 0.002, 4.0) == 'START\n{"level": "INFO"}\nEND'
    assert time.monotonic() - started < 1.0  # one quiet window, not the first-line wait (2 s) or the cap (4 s)
    assert worker._stderr_queue.empty()
    # the original reads the same attribute, so the queue we drain is the one MiniStack fills
    assert "self._stderr_queue.get_nowait()" in inspect.getsource(ministack_tuned._original_drain)


def test_debug_patches__the_names_they_wrap_are_still_there():
    # The worker script is read by name when a worker spawns; its folder comes from tempfile.mkdtemp; a worker is
    # leased by acquire_worker (from lambda_svc's own import of it), keyed and pooled as we read them.
    assert "return sys.executable, _PYTHON_WORKER_SCRIPT" in inspect.getsource(lambda_runtime._detect_runtime_binary)
    assert "self._tmpdir = tempfile.mkdtemp(" in inspect.getsource(lambda_runtime.Worker._spawn)
    assert "max_concurrency" in inspect.signature(ministack_tuned._original_acquire_worker).parameters
    assert "acquire_worker(func_name, config, code_zip" in inspect.getsource(lambda_svc)
    assert isinstance(lambda_runtime._workers, dict) and callable(lambda_runtime._worker_key)
    assert 'timeout = self.config.get("Timeout", 30)' in inspect.getsource(ministack_tuned._original_invoke)


def test_worker_script_with_startup__runs_the_startup_file_first():
    script = ministack_tuned._worker_script_with_startup("print('handler')\n")
    assert script.index("run_path(_h_os.environ['HARNESS_FUNCTION_STARTUP'])") < script.index("print('handler')")


def test_integration_timeout__defaults_to_api_gateway_s_29_s_on_both_emulators():
    # the e2e test sets a short timeoutInMillis to be quick; without one, both emulators wait AWS's 29 s
    assert ministack_tuned.INTEGRATION_TIMEOUT_MS == 29_000
    executor = ROOT / "local_runtime/localstack/executor/harness_lambda_executor/integration_timeout.py"
    assert "DEFAULT_TIMEOUT_MS = 29_000" in executor.read_text()

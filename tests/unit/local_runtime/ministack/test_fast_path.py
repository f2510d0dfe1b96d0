"""MiniStack's warm-path patches: the names they replace keep their shapes, and what MiniStack sees is unchanged."""

import ast
import contextvars
import inspect
import json
import queue
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from ministack.core import concurrency, iam_evaluator, lambda_runtime, responses
from ministack.services import iam as iam_svc

from local_runtime.ministack import fast_path as ministack_fast_path
from local_runtime.ministack import reused_threads
from local_runtime.ministack.patches import FAST_PATH
from local_runtime.ministack.reused_threads import ReusedThread, threading_with_reused_threads
from tests.support.polling import poll

pytestmark = pytest.mark.unit
REUSED = threading_with_reused_threads


@pytest.fixture
def installed():
    """The fast path's patches applied in this process, and undone afterwards."""
    FAST_PATH.apply()
    yield
    FAST_PATH.undo()


def test_threads_we_reuse__are_started_by_module_level_name_as_daemons():
    for module in (concurrency, lambda_runtime):
        assert module.threading is threading or module.threading is REUSED
    assert "threading.Thread(target=_run, daemon=True, name=thread_name).start()" in inspect.getsource(
        concurrency.run_reentrant
    )
    invoke = inspect.getsource(lambda_runtime.Worker.invoke)
    assert "reader = threading.Thread(target=_read_response, daemon=True)" in invoke
    assert "reader.join(timeout=timeout)" in invoke
    assert "if reader.is_alive():" in invoke  # the timeout: the only way invoke reads the reader's state


def test_install__both_modules_see_reused_threads_and_the_cached_parse(installed):
    assert concurrency.threading is REUSED and lambda_runtime.threading is REUSED
    assert iam_evaluator.parse_policy_document is ministack_fast_path.parse_policy_document_once
    assert REUSED.Lock is threading.Lock and REUSED.Event is threading.Event  # everything else is threading's


def test_reused_thread__runs_on_a_kept_thread_with_a_fresh_context_and_its_own_name():
    marker = contextvars.ContextVar("marker", default="fresh")
    marker.set("the starter's")
    seen: list = []

    def target(label: str) -> None:
        seen.append(
            (label, marker.get(), threading.current_thread().name, REUSED.current_thread(), threading.get_ident())
        )
        marker.set("set by the target")

    first = REUSED.Thread(target=target, args=("first",), daemon=True, name="ministack-reentrant")
    first.start()
    first.join(timeout=5)
    poll(reused_threads.KEPT.idle, lambda idle: idle > 0, timeout=5, interval=0.01)  # idle once past join
    kept = {thread.ident for thread in threading.enumerate() if thread.name == reused_threads.KEPT_NAME}
    second = REUSED.Thread(target=target, kwargs={"label": "second"}, daemon=True)
    second.start()
    second.join(timeout=5)
    assert not first.is_alive() and not second.is_alive()
    (_, first_context, first_name, first_handle, first_ident), (_, second_context, second_name, _, second_ident) = seen
    assert (first_context, second_context) == ("fresh", "fresh")  # as in a new thread: nothing leaks either way
    assert (first_name, first_handle) == ("ministack-reentrant", first)
    assert second_name == reused_threads.KEPT_NAME
    assert first_ident in kept | {second_ident} and second_ident in kept  # a kept OS thread, not a new one


def test_reused_thread__join_times_out_on_a_running_target_as_threading_does():
    release = threading.Event()
    thread = REUSED.Thread(target=release.wait, daemon=True)
    with pytest.raises(RuntimeError):
        thread.join()  # not started
    thread.start()
    thread.join(timeout=0.05)
    assert thread.is_alive()  # Worker.invoke's timeout branch
    release.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    with pytest.raises(RuntimeError):
        thread.start()  # once only


def test_reused_threads__never_queue_work_behind_busy_ones():
    count = 12
    barrier = threading.Barrier(count, timeout=5)  # broken (an error) unless all twelve run at once
    errors: queue.SimpleQueue = queue.SimpleQueue()

    def wait_for_all() -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError as error:
            errors.put(error)

    threads = [REUSED.Thread(target=wait_for_all, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors.empty()
    assert not any(thread.is_alive() for thread in threads)


def test_reused_thread__an_uncaught_exception_goes_to_threading_excepthook(monkeypatch):
    reported: queue.SimpleQueue = queue.SimpleQueue()
    monkeypatch.setattr(threading, "excepthook", reported.put)

    def fail() -> None:
        raise ValueError("boom")

    thread = REUSED.Thread(target=fail, daemon=True)
    thread.start()
    thread.join(timeout=5)
    args = reported.get(timeout=5)
    assert (args.exc_type, str(args.exc_value)) == (ValueError, "boom")
    ok = REUSED.Thread(target=lambda: None, daemon=True)
    ok.start()
    ok.join(timeout=5)
    assert not ok.is_alive()  # the kept thread survived the exception


def test_a_non_daemon_thread__is_threading_s_own():
    thread = REUSED.Thread(target=lambda: None)
    assert type(thread) is threading.Thread
    assert isinstance(REUSED.Thread(target=lambda: None, daemon=True), ReusedThread)


class _Process:
    """A worker process whose answer comes when the test says so; stopped the way MiniStack stops one."""

    def __init__(self) -> None:
        self.lines: queue.SimpleQueue = queue.SimpleQueue()
        self.stdin = SimpleNamespace(write=lambda _text: None, flush=lambda: None)
        self.stdout = SimpleNamespace(readline=self.lines.get)
        self.returncode = None

    def poll(self):
        return self.returncode

    def terminate(self) -> None:
        self.returncode = -15
        self.lines.put("")  # its stdout closes

    kill = terminate

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode


def _worker(timeout_s: float) -> SimpleNamespace:
    worker = SimpleNamespace(
        _lock=threading.Lock(), _cold=False, _proc=_Process(), config={"Timeout": timeout_s}, func_name="fn"
    )
    worker._stderr_queue = queue.Queue()
    worker._drain_stderr = lambda: lambda_runtime.Worker._drain_stderr(worker)
    worker._drain_stderr_bounded = lambda: lambda_runtime.Worker._drain_stderr_bounded(worker, 0.001, 0.001)
    return worker


def test_worker_invoke_on_reused_threads__answers_and_times_out_as_before(installed):
    worker = _worker(timeout_s=5)
    worker._proc.lines.put(json.dumps({"status": "ok", "result": {"statusCode": 200}}) + "\n")
    worker._stderr_queue.put('{"level": "INFO"}')
    answer = lambda_runtime.Worker.invoke(worker, {"operation": "ping"}, "request-1")
    assert answer == {"status": "ok", "result": {"statusCode": 200}, "cold_start": False, "log": '{"level": "INFO"}'}

    slow = _worker(timeout_s=0.1)  # never answers: MiniStack's timeout path, its message and the stopped process
    proc = slow._proc
    answer = lambda_runtime.Worker.invoke(slow, {"operation": "ping"}, "request-2")
    assert answer["status"] == "error" and answer["error"] == "Task timed out after 0.1.00 seconds"
    assert slow._proc is None and proc.returncode == -15


def test_parse_policy_document__is_shaped_as_we_cache_it():
    assert list(inspect.signature(ministack_fast_path._original_parse_policy_document).parameters) == ["doc"]
    for gather in (iam_evaluator._gather_role_policies, iam_evaluator._gather_user_policies):
        assert "stmts = parse_policy_document(doc)" in inspect.getsource(gather)
    # documents are stored as the text sent, so a changed policy is a different key
    assert 'role["InlinePolicies"][policy_name] = policy_doc' in inspect.getsource(iam_svc._put_role_policy)
    # statements are only read when evaluated
    assert "_conditions_met(stmt.conditions, ctx)" in inspect.getsource(iam_evaluator._first_match)


def test_cached_parse__same_statements_once_per_text_and_each_caller_gets_its_own_list(monkeypatch):
    parsed: list = []
    original = ministack_fast_path._original_parse_policy_document
    monkeypatch.setattr(
        ministack_fast_path, "_original_parse_policy_document", lambda doc: parsed.append(doc) or original(doc)
    )
    ministack_fast_path._parsed_text.cache_clear()
    text = _policy("dynamodb:GetItem", uuid.uuid4().hex)
    first = ministack_fast_path.parse_policy_document_once(text)
    first.append("a caller's own change")
    second = ministack_fast_path.parse_policy_document_once(text)
    assert second == original(text) and len(second) == 1
    assert parsed == [text]
    as_dict = json.loads(text)
    assert ministack_fast_path.parse_policy_document_once(as_dict) == original(as_dict)
    assert parsed == [text, as_dict]  # a dict is parsed each time
    ministack_fast_path._parsed_text.cache_clear()


def test_cached_parse__an_edited_role_policy_decides_the_next_request(installed):
    role = f"fast-path-{uuid.uuid4().hex[:8]}"
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    assert iam_svc._create_role({"RoleName": role, "AssumeRolePolicyDocument": json.dumps(trust)})[0] == 200
    try:
        for allowed, other in (("dynamodb:GetItem", "dynamodb:PutItem"), ("dynamodb:PutItem", "dynamodb:GetItem")):
            policy = {"RoleName": role, "PolicyName": "items", "PolicyDocument": _policy(allowed, "table")}
            assert iam_svc._put_role_policy(policy)[0] == 200
            for _ in range(2):  # the second time from the cache
                policies = iam_evaluator._gather_role_policies(role, "000000000000")
                assert _decision(allowed, policies) == "Allow"
                assert _decision(other, policies) == "ImplicitDeny"
    finally:
        iam_svc._roles.pop(role, None)


def _policy(action: str, table: str) -> str:
    resource = f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}"
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def _decision(action: str, policies: list) -> str:
    ctx = iam_evaluator.EvalContext(
        principal_arn="arn:aws:sts::000000000000:assumed-role/r/s",
        principal_type="AssumedRole",
        principal_account="000000000000",
        action=action,
        resource_arn="arn:aws:dynamodb:us-east-1:000000000000:table/table",
        region="us-east-1",
        service_context={},
        principal_keys={},
    )
    return iam_evaluator.evaluate(ctx, policies).decision


def test_caller_arn__read_only_through_caller_arn_and_both_names_imported_at_call_time():
    assert "_request_caller_arn.set(request_caller_arn(headers, query_params))" in inspect.getsource(
        ministack_fast_path._original_pin_request_caller
    )
    assert "return _request_caller_arn.get() or f" in inspect.getsource(ministack_fast_path._original_caller_arn)
    package = Path(iam_evaluator.__file__).parent.parent
    for source in package.rglob("*.py"):
        text = source.read_text()
        if source.name != "iam_evaluator.py":
            assert "_request_caller_arn" not in text, source  # nobody reads the pinned value but caller_arn()
        if "caller_arn" in text:
            for node in ast.parse(text).body:  # module level: an import there would keep the unpatched function
                if isinstance(node, ast.ImportFrom) and node.module == "ministack.core.iam_evaluator":
                    assert not {"caller_arn", "pin_request_caller"} & {alias.name for alias in node.names}, source


@pytest.fixture
def pinning(installed, monkeypatch):
    """AUTH on, and a record of each time MiniStack resolves the caller's ARN."""
    import ministack.app

    monkeypatch.setattr(ministack.app, "AUTH", True)
    resolved: list = []
    original = iam_evaluator.request_caller_arn
    monkeypatch.setattr(iam_evaluator, "request_caller_arn", lambda *args: resolved.append(args) or original(*args))
    return resolved


def test_caller_arn__resolved_on_first_read_in_the_pinned_request_s_account(pinning):
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/sqs/aws4_request, ..."}

    def request() -> tuple[str, str]:
        responses.set_request_account_id("111111111111")
        iam_evaluator.pin_request_caller(headers, {})
        assert pinning == []  # a request that never reads it (a DynamoDB call) never pays for it
        responses.set_request_account_id("222222222222")  # a later scope in the same request
        return iam_evaluator.caller_arn(), iam_evaluator.caller_arn()

    first, again = contextvars.Context().run(request)
    assert first == again == "arn:aws:iam::111111111111:root"  # the pinned request's root, as pinned eagerly
    assert len(pinning) == 1
    eager = contextvars.Context().run(_eager_arn, headers)
    assert first == eager


def _eager_arn(headers: dict) -> str:
    responses.set_request_account_id("111111111111")
    ministack_fast_path._original_pin_request_caller(headers, {})
    responses.set_request_account_id("222222222222")
    return ministack_fast_path._original_caller_arn()


def test_caller_arn__unpinned_or_auth_off_is_the_account_root_as_before(pinning, monkeypatch):
    import ministack.app

    assert contextvars.Context().run(iam_evaluator.caller_arn) == "arn:aws:iam::000000000000:root"
    monkeypatch.setattr(ministack.app, "AUTH", False)
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/sqs/aws4_request"}

    def request() -> str:
        iam_evaluator.pin_request_caller(headers, {})
        return iam_evaluator.caller_arn()

    assert contextvars.Context().run(request) == "arn:aws:iam::000000000000:root"
    assert pinning == []

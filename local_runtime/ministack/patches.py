"""Every name of MiniStack this project replaces, declared once (``local_runtime/patching.py``), and
``apply_patches()``, which the tuned start (``python -m local_runtime.ministack``) runs before MiniStack serves.

The replacements live beside what they are about (``tuned.py``, ``workers.py``, ``fast_path.py``, ``fork_server.py``,
``shared_code.py``, ``server.py``, ``expression_params.py``, ``gateway_errors.py``); each module's docstring says how it
keeps what a client sees. The figures in ``why`` are the README's measurements ("Speed"); a speed patch whose figure no
longer shows goes.
"""

import os

from local_runtime.function_runtime.hooks import STARTUP_VARIABLE
from local_runtime.function_runtime.startup import DEBUG_PORT
from local_runtime.patching import Patch, Patches

VERSION = "ministack 1.5.33"
RUNTIME, SVC = "ministack.core.lambda_runtime", "ministack.services.lambda_svc"
GATEWAY, DYNAMODB, IAM = (
    "ministack.services.apigateway_v1",
    "ministack.services.dynamodb",
    "ministack.core.iam_evaluator",
)
OURS = "local_runtime.ministack"
TUNING = "tests/unit/local_runtime/ministack/test_tuning.py"
FAST_PATH_TESTS = "tests/unit/local_runtime/ministack/test_fast_path.py"
SHARED_CODE_TESTS = "tests/unit/local_runtime/ministack/test_shared_code.py"
EXPRESSION_PARAMS_TESTS = "tests/unit/local_runtime/ministack/test_expression_params.py"
GATEWAY_ERRORS_TESTS = "tests/unit/local_runtime/ministack/test_gateway_errors.py"
WARM_PATH_FIGURE = "with the two IAM patches: bursts of 300 creates 106 → 124 req/s (first), 123 → 130 (warm)"

TUNED = Patches(
    [
        Patch(
            f"{RUNTIME}.Worker",
            "_drain_stderr_bounded",
            "speed",
            "MiniStack waited for the function's stderr to stay quiet for 5 ms after every invocation, polling every"
            " 1 ms: 0.5 ms, waiting on the queue. `ping` through the API 7.7 → 3.5 ms p50; the queue wait 0.7 ms more"
            " (7.8-8.0 → 7.1-7.3 ms)",
            VERSION,
            f"{TUNING}::test_install__replaces_the_drain_with_the_tuned_windows",
            parameters=("self", "first_line_wait", "idle_confirm", "hard_cap"),
            expects=((f"{RUNTIME}.Worker._drain_stderr_bounded", "self._stderr_queue.get_nowait()"),),
            new=f"{OURS}.tuned:_drain_with_tuned_windows",
        ),
        Patch(
            SVC,
            "_LAMBDA_STATE_TRANSITION_DELAY",
            "speed",
            "a function stays Pending / InProgress 50 ms after CreateFunction and each update, not 0.5 s: every new"
            " function's `up` waited 0.6 s for it, about a hundred times a suite",
            VERSION,
            f"{TUNING}::test_install__a_new_function_is_pending_for_the_tuned_moment_only",
            expects=((SVC, "_schedule_state_transition(name, _LAMBDA_STATE_TRANSITION_DELAY)"),),
            new=f"{OURS}.tuned:PENDING_S",
        ),
        Patch(
            GATEWAY,
            "_update_api_key",
            "aws-parity",
            "a disabled API key is refused (403), as on AWS: UpdateApiKey stored `enabled` as the text sent"
            ' ("false"), which the key check read as true',
            VERSION,
            f"{TUNING}::test_install__a_failed_invocation_gets_aws_body_and_a_disabled_key_is_a_boolean",
            parameters=("key_id", "data"),
            expects=((GATEWAY, "_update_api_key(key_id, data)"), (f"{GATEWAY}._resolve_api_key", "enabled")),
            new=f"{OURS}.tuned:_update_api_key_with_boolean_enabled",
        ),
        Patch(
            GATEWAY,
            "_lambda_proxy_response",
            "aws-parity",
            'a failed invocation answers 502 `{"message": "Internal server error"}` as API Gateway does, not the'
            " function's error text",
            VERSION,
            f"{TUNING}::test_install__a_failed_invocation_gets_aws_body_and_a_disabled_key_is_a_boolean",
            parameters=("result",),
            expects=((GATEWAY, "lambda_response, err = _lambda_proxy_response(result)"),),
            new=f"{OURS}.tuned:_lambda_proxy_response_as_aws",
        ),
        Patch(
            GATEWAY,
            "_GATEWAY_RESPONSE_ERROR_TYPES",
            "aws-parity",
            "a missing or wrong API key gets API Gateway's `x-amzn-ErrorType: ForbiddenException` with its 403"
            " (`gateway_errors.py`): MiniStack's table of error types had none for INVALID_API_KEY",
            VERSION,
            f"{GATEWAY_ERRORS_TESTS}::test_invalid_api_key__403_with_aws_error_type",
            expects=((f"{GATEWAY}._gateway_error_response", "_GATEWAY_RESPONSE_ERROR_TYPES.get(response_type)"),),
            new=f"{OURS}.gateway_errors:GATEWAY_RESPONSE_ERROR_TYPES",
        ),
        Patch(
            GATEWAY,
            "_handle_execute_in_scope",
            "aws-parity",
            "API Gateway's 502 for a failed invocation carries `x-amzn-ErrorType: InternalServerErrorException`, as its"
            " other errors do (`gateway_errors.py`); MiniStack built that 502 by hand, with a Content-Type only",
            VERSION,
            f"{GATEWAY_ERRORS_TESTS}::test_failed_invocation__502_with_aws_error_type_and_the_function_s_502_untouched",
            expects=(
                (f"{GATEWAY}._invoke_lambda_proxy_v1", 'return 502, {"Content-Type": "application/json"}'),
                (f"{GATEWAY}._handle_execute_in_scope", "response = await _execute_in_scope("),
            ),
            new=f"{OURS}.gateway_errors:handle_execute_with_error_type",
        ),
        Patch(
            DYNAMODB,
            "_update_item",
            "aws-parity",
            "UpdateItem checks its UpdateExpression against DynamoDB's grammar and answers DynamoDB's 400"
            " (`update_expression.py`): MiniStack accepted `SET = =`",
            VERSION,
            f"{TUNING}::test_install__update_item_refuses_a_syntax_error_with_dynamodbs_answer",
            parameters=("data",),
            expects=((f"{DYNAMODB}.handle_request", '"UpdateItem": _update_item,'),),
            new=f"{OURS}.tuned:_update_item_with_checked_expression",
        ),
        Patch(
            DYNAMODB,
            "_validate_expression_attrs",
            "aws-parity",
            "ExpressionAttributeNames / ExpressionAttributeValues that no expression of the request can use get"
            " DynamoDB's answer, names first, naming the operation's null expressions (`expression_params.py`):"
            " MiniStack checked values first and named none where an operation has two",
            VERSION,
            f"{EXPRESSION_PARAMS_TESTS}::test_every_operation__answers_a_stray_map_as_dynamodb_does",
            parameters=("data", "expression_fields", "size_wording"),
            expects=((f"{DYNAMODB}._put_item", '_validate_expression_attrs(data, ("ConditionExpression",)'),),
            new=f"{OURS}.expression_params:validate_expression_attrs_as_dynamodb",
        ),
        Patch(
            DYNAMODB,
            "_single_write_request_error",
            "aws-parity",
            "PutItem, UpdateItem and DeleteItem answer a map no expression can use as DynamoDB does, outside the"
            ' "1 validation error detected" envelope MiniStack put it in (`expression_params.py`)',
            VERSION,
            f"{EXPRESSION_PARAMS_TESTS}::test_put_item__values_without_an_expression_get_dynamodbs_message",
            parameters=("data",),
            expects=(
                (f"{DYNAMODB}._single_write_request_error", "can only be specified when using expressions"),
                (f"{DYNAMODB}._put_item", "_single_write_request_error(data)"),
            ),
            new=f"{OURS}.expression_params:single_write_request_error_without_map_check",
        ),
    ]
)

# lambda_svc imports both names by value: they are replaced there too.
WORKERS = Patches(
    [
        Patch(
            module,
            name,
            "aws-parity",
            "after a code update an invocation in flight finishes on the old code and no later one runs it, as on AWS:"
            " MiniStack killed busy workers (502) and could pool a worker started with the old code",
            VERSION,
            guard,
            parameters=parameters,
            expects=expects,
            new=f"{OURS}.workers:{new}",
        )
        for module in (RUNTIME, SVC)
        for name, new, parameters, guard, expects in (
            (
                "invalidate_worker",
                "invalidate_sparing_busy_workers",
                ("func_name", "qualifier", "account", "region"),
                "tests/unit/local_runtime/ministack/test_workers.py::test_invalidate__retires_the_busy_worker_and_kills_the_idle_one",
                ((SVC, 'invalidate_worker(name, qualifier="$LATEST"'),),
            ),
            (
                "release_worker",
                "release_or_stop",
                ("worker",),
                "tests/unit/local_runtime/ministack/test_workers.py::test_release__a_worker_with_old_code_is_stopped_not_pooled",
                ((f"{SVC}._execute_function_warm", "release_worker(worker)"),),
            ),
        )
    ]
)

FAST_PATH = Patches(
    [
        *(
            Patch(
                module,
                "threading",
                "speed",
                "an invocation's two daemon threads run on kept idle threads, not two new OS threads (~150 µs of CPU"
                f" each); thread start-up 12.8 → 8.0 % of the emulator's GIL samples; {WARM_PATH_FIGURE}",
                VERSION,
                f"{FAST_PATH_TESTS}::test_worker_invoke_on_reused_threads__answers_and_times_out_as_before",
                expects=((where, fragment),),
                new=f"{OURS}.reused_threads:threading_with_reused_threads",
            )
            for module, where, fragment in (
                (
                    "ministack.core.concurrency",
                    "ministack.core.concurrency.run_reentrant",
                    "threading.Thread(target=_run, daemon=True, name=thread_name).start()",
                ),
                (RUNTIME, f"{RUNTIME}.Worker.invoke", "reader = threading.Thread(target=_read_response, daemon=True)"),
            )
        ),
        Patch(
            IAM,
            "parse_policy_document",
            "speed",
            "a role's policy document is parsed once per text, not twice per request; IAM 9.9 → 6.7 % of the"
            f" emulator's GIL samples; {WARM_PATH_FIGURE}",
            VERSION,
            f"{FAST_PATH_TESTS}::test_cached_parse__an_edited_role_policy_decides_the_next_request",
            parameters=("doc",),
            expects=((f"{IAM}._gather_role_policies", "stmts = parse_policy_document(doc)"),),
            new=f"{OURS}.fast_path:parse_policy_document_once",
        ),
        *(
            Patch(
                IAM,
                name,
                "speed",
                "the caller's ARN (read only by SNS, SQS and AgentCore resource policies) is resolved when read, not"
                f" on every signed request; {WARM_PATH_FIGURE}",
                VERSION,
                f"{FAST_PATH_TESTS}::test_caller_arn__resolved_on_first_read_in_the_pinned_request_s_account",
                expects=((f"{IAM}.{name}", fragment),),
                new=f"{OURS}.fast_path:{new}",
            )
            for name, new, fragment in (
                (
                    "pin_request_caller",
                    "pin_request_caller_when_read",
                    "_request_caller_arn.set(request_caller_arn(headers, query_params))",
                ),
                ("caller_arn", "caller_arn_resolved_when_read", "return _request_caller_arn.get() or f"),
            )
        ),
    ]
)

FORK_SERVER = Patch(
    RUNTIME,
    "subprocess",
    "speed",
    "Python execution environments are forked from a process that has imported boto3: a cold start's CPU 3.6× less,"
    " `_spawn` to ready 2.9-3.0× sooner (250 / 260 → 70 / 70 ms, 269 / 271 → 90 / 93 ms; `python -m"
    " benchmarks.cold_start 5`, `HARNESS_FORK_SERVER=0` / 1 alternated twice)",
    VERSION,
    "tests/e2e/test_fork_server.py::test_the_projects_function__is_forked_too",
    expects=((f"{RUNTIME}.Worker._spawn", "self._proc = subprocess.Popen("),),
    where="fork_server.py:subprocess_through_fork_server",
)

SHARED_CODE = Patches(
    [
        Patch(
            RUNTIME,
            "zipfile",
            "speed",
            "one unzipped copy per code version, as `/var/task` on AWS, not one per execution environment (~165 ms"
            " of the emulator's CPU each): one cold start 0.40-0.56 → 0.25-0.34 s, `up` with 16 prewarmed"
            " 9.0-10.1 → 5.5-6.3 s; also gives `zipfile.LargeFileError` (no Python has it) as `LargeZipFile`",
            VERSION,
            f"{SHARED_CODE_TESTS}::test_two_environments_of_one_version__share_one_copy_unzipped_once",
            expects=(
                (f"{RUNTIME}.Worker._spawn", 'with zipfile.ZipFile(os.path.join(self._tmpdir, "code.zip")) as zf:'),
            ),
            new=f"{OURS}.shared_code:ZIPFILE",
        ),
        Patch(
            f"{RUNTIME}.Worker",
            "_spawn",
            "speed",
            "tells the shared copy (above) which runtime it unzips for, Python only (Node.js links layers into its"
            " code folder): part of the same gain, one cold start 0.40-0.56 → 0.25-0.34 s",
            VERSION,
            f"{SHARED_CODE_TESTS}::test_spawn__the_runtime_is_known_while_it_runs_and_forgotten_after",
            parameters=("self",),
            expects=((f"{RUNTIME}.Worker._spawn", "zf.extractall(code_dir)"),),
            new=f"{OURS}.shared_code:_spawn_noting_the_runtime",
        ),
    ]
)

STARTUP = Patch(
    RUNTIME,
    "_PYTHON_WORKER_SCRIPT",
    "debugging",
    "the function's processes run `function_runtime/startup.py` first, when the harness asks (coverage of the"
    " handler, `up --debug`'s debugger)",
    VERSION,
    f"{TUNING}::test_worker_script_with_startup__runs_the_startup_file_first",
    expects=((f"{RUNTIME}._detect_runtime_binary", "return sys.executable, _PYTHON_WORKER_SCRIPT"),),
    where="tuned.py:_worker_script_with_startup",
)

DEBUGGING_WHY = (
    "`up --debug`, as SAM's debug mode: one execution environment per function, which a debugger attaches to"
)
DEBUGGER_TEST = (
    "tests/e2e/test_debugger.py::test_up_debug__a_breakpoint_in_an_operation_stops_the_request_which_then_succeeds"
)
DEBUGGING = Patches(
    [
        *(
            Patch(
                module,
                "acquire_worker",
                "debugging",
                f"{DEBUGGING_WHY}; a concurrent request waits for it instead of starting a second",
                VERSION,
                DEBUGGER_TEST,
                parameters=("func_name", "config", "code_zip", "qualifier", "max_concurrency"),
                expects=((SVC, "acquire_worker(func_name, config, code_zip"),),
                new=f"{OURS}.tuned:_acquire_the_one_worker",
            )
            for module in (RUNTIME, SVC)
        ),
        Patch(
            f"{RUNTIME}.Worker",
            "invoke",
            "debugging",
            f"{DEBUGGING_WHY}; no function timeout, so a paused invocation is not killed",
            VERSION,
            DEBUGGER_TEST,
            expects=((f"{RUNTIME}.Worker.invoke", 'timeout = self.config.get("Timeout", 30)'),),
            new=f"{OURS}.tuned:_invoke_without_timeout",
        ),
        Patch(
            RUNTIME,
            "tempfile",
            "debugging",
            f"{DEBUGGING_WHY}; the code unzipped to one fixed folder, so a debugger's path mapping holds",
            VERSION,
            DEBUGGER_TEST,
            expects=((f"{RUNTIME}.Worker._spawn", "self._tmpdir = tempfile.mkdtemp("),),
            new=f"{OURS}.tuned:TEMPFILE_FOR_DEBUGGING",
        ),
    ]
)

INTEGRATION_TIMEOUT = Patch(
    GATEWAY,
    "_invoke_lambda_proxy_v1",
    "aws-parity",
    "API Gateway stops waiting for the function after the integration's timeout (29 s unless `timeoutInMillis`)"
    ' and answers 504 `{"message": "Endpoint request timed out"}`; MiniStack waited as long as the function ran',
    VERSION,
    "tests/e2e/test_faults.py::test_latency_beyond_api_gateway_s_29_s__504",
    parameters=("integration",),
    expects=((GATEWAY, "invoke = _invoke_lambda_proxy_v1"),),
    new=f"{OURS}.tuned:_invoke_lambda_proxy_within_timeout",
)

SERVER = Patch(
    "ministack.app",
    "main",
    "speed",
    "MiniStack's app served by uvicorn's httptools (C) instead of hypercorn's h11 (Python), 43 → 15 % of the"
    " emulator's GIL time: its CPU per request 0.61-0.76×, bursts of 300 creates 1.11-1.64× the req/s, `read` p50"
    " 0.83-0.91× (`./harness bench --requests 300`, `HARNESS_MINISTACK_SERVER=hypercorn` / uvicorn"
    " alternated twice)",
    VERSION,
    "tests/e2e/test_ministack_server.py::test_uvicorn__answers_as_hypercorn_did",
    expects=(
        ("ministack.app.main", "_pid_file(port)"),
        ("ministack.app.main", "asyncio.run(hypercorn_serve(app, config))"),
        ("ministack.app._resolve_port", "def _resolve_port()"),
    ),
    new=f"{OURS}.server:main_on_uvicorn",
)


def apply_patches() -> None:
    """Every patch, in the order MiniStack was always patched; the debugging ones instead of the integration
    timeout while a debugger is asked for (a request paused at a breakpoint waits)."""
    TUNED.apply()
    WORKERS.apply()
    FAST_PATH.apply()
    from ministack.core import lambda_runtime  # here: the registry itself loads without MiniStack's modules

    from local_runtime.ministack import fork_server, tuned

    through_fork_server = fork_server.subprocess_through_fork_server()  # None: switched off, or it did not start
    if through_fork_server is not None:
        FORK_SERVER.apply(through_fork_server)
    SHARED_CODE.apply()
    if os.environ.get(STARTUP_VARIABLE):
        STARTUP.apply(tuned._worker_script_with_startup(lambda_runtime._PYTHON_WORKER_SCRIPT))
    if os.environ.get(DEBUG_PORT):
        DEBUGGING.apply()
    else:
        INTEGRATION_TIMEOUT.apply()
    SERVER.apply()

"""Every change our plugin package (``executor/harness_lambda_executor``) makes to LocalStack, declared once
(``local_runtime/patching.py``).

The package runs inside LocalStack's own virtualenv and cannot import this project, so it makes its changes itself;
``where`` names the function that makes each. ``tests/unit/local_runtime/test_patching.py`` reads the package's
source and fails when it changes a LocalStack name, appends to a handler chain, overrides a private method or
registers an entry point that is not declared here, or when a declaration names a function that no longer does so.
``check()`` needs LocalStack importable, which it is only in its own virtualenv: ``PYTHONPATH=. <that
virtualenv>/bin/python -m local_runtime.patch_registry --check``."""

from local_runtime.patching import Change

VERSION = "localstack-core 2026.3.0"
LAMBDA, GATEWAY = "localstack.services.lambda_", "localstack.services.apigateway.next_gen.execute_api"
E2E = "tests/e2e"  # run on LocalStack by `tox -e e2e-localstack`
GATEWAY_ANSWERS = f"{E2E}/test_gateway_answers.py"
DEBUGGER_TEST = (
    f"{E2E}/test_debugger.py::test_up_debug__a_breakpoint_in_an_operation_stops_the_request_which_then_succeeds"
)

CHANGES = [
    Change(
        f"{LAMBDA}.invocation.plugins",
        "RuntimeExecutorPlugin",
        "extension",
        "Lambda without Docker: each execution environment is a local process (`LAMBDA_RUNTIME_EXECUTOR=process`,"
        " entry point `localstack.lambda.runtime_executor`)",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        where="plugin.py:ProcessRuntimeExecutorPlugin",
    ),
    Change(
        "localstack.runtime.hooks",
        "on_infra_start",
        "extension",
        "loads our extension (the community runtime has no loader for `localstack.extensions`, Pro's)",
        VERSION,
        f"{E2E}/test_security.py::test_role__is_denied_everything_else",
        where="extension.py:load_harness_enforcement",
    ),
    Change(
        "localstack.aws.handlers",
        "serve_custom_service_request_handlers",
        "aws-parity",
        "a call signed by a role session is refused with AWS's AccessDenied unless the role's policies allow it"
        " (IAM enforcement is LocalStack Pro's); a handler appended to the chain",
        VERSION,
        f"{E2E}/test_security.py::test_role__is_denied_everything_else",
        where="extension.py:HarnessEnforcement.update_request_handlers",
    ),
    Change(
        "localstack.aws.handlers",
        "preprocess_request",
        "extension",
        "adds the API Gateway handler below once LocalStack has loaded API Gateway (it loads lazily); a handler"
        " appended to the chain",
        VERSION,
        f"{E2E}/test_reliability.py::test_usage_plan_throttle__429",
        where="extension.py:HarnessEnforcement.on_platform_start",
    ),
    Change(
        f"{GATEWAY}.handlers",
        "preprocess_request",
        "aws-parity",
        "stage and method throttling, then the usage plan's throttle and quota for the request's key, answered with"
        " API Gateway's 429s (LocalStack throttles nothing); a handler appended to the chain",
        VERSION,
        f"{E2E}/test_reliability.py::test_usage_plan_quota__429_once_used_up",
        where="extension.py:HarnessEnforcement._patch_api_gateway",
    ),
    Change(
        f"{GATEWAY}.integrations.aws.RestApiAwsProxyIntegration",
        "invoke",
        "aws-parity",
        'a Lambda proxy integration still running after its timeout (29 s by default) answers 504 `{"message":'
        ' "Endpoint request timed out"}`, as on AWS; LocalStack waited as long as the function ran',
        VERSION,
        f"{E2E}/test_faults.py::test_latency_beyond_api_gateway_s_29_s__504",
        parameters=("self", "context"),
        where="integration_timeout.py:install",
    ),
    Change(
        f"{GATEWAY}.handlers.parse",
        "restore_payload",
        "aws-parity",
        "a proxy integration gets the request body as sent, whatever its Content-Type, as on AWS: LocalStack"
        " re-encoded a form body from its parsed fields, so curl's `-d` JSON (`application/x-www-form-urlencoded`)"
        " reached the function as `%7B...=` (400 InvalidJson)",
        VERSION,
        f"{GATEWAY_ANSWERS}::test_any_content_type__the_body_reaches_the_function_as_sent",
        parameters=("request",),
        expects=((f"{GATEWAY}.handlers.parse.InvocationRequestParser", "body=restore_payload(request)"),),
        where="request_body.py:install",
    ),
    Change(
        f"{LAMBDA}.hooks",
        "inject_ldm_provisioner",
        "debugging",
        "`up --debug`: one execution environment per function version, one invocation at a time, through the"
        " provisioner seam of Lambda Debug Mode (Pro's); sets the version manager's `ldm_provisioner`",
        VERSION,
        DEBUGGER_TEST,
        expects=((f"{LAMBDA}.invocation.version_manager.LambdaVersionManager", "self.ldm_provisioner"),),
        where="debugging.py:provide_one_debug_environment",
    ),
    Change(
        f"{LAMBDA}.ldm",
        "IS_LDM_ENABLED",
        "debugging",
        "`up --debug`: an invocation waits up to an hour for its debugged environment instead of 905 s",
        VERSION,
        DEBUGGER_TEST,
        where="debugging.py:provide_one_debug_environment",
    ),
    Change(
        f"{LAMBDA}.invocation.execution_environment.ExecutionEnvironment",
        "_get_startup_timeout_seconds",
        "debugging",
        "`up --debug`: the debugged environment may take a day to start (it waits for the debugger before it reports"
        " ready); overridden in a subclass",
        VERSION,
        DEBUGGER_TEST,
        where="debugging.py:_DebuggedEnvironment._get_startup_timeout_seconds",
    ),
    Change(
        "localstack.runtime.hooks",
        "on_infra_ready",
        "speed",
        "once LocalStack is ready, its start-up objects are frozen out of the cyclic collector's walks (`gc.freeze`):"
        " 1-2 ms less of its CPU per create through the API (11.3-12.7 against 13.5-14.5 ms in `./harness bench"
        " --emulator localstack`, alternated)",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        where="memory.py:freeze_start_up_objects",
    ),
    Change(
        f"{LAMBDA}.invocation.logs.LogHandler",
        "run_log_loop",
        "speed",
        "the function's log lines go to moto's Logs backend (LocalStack's patches to it included) instead of a"
        " `PutLogEvents` round trip through LocalStack's client, handler chain and Logs provider: ~2 ms of CPU per"
        " invocation; the same events, order, group and stream",
        VERSION,
        f"{E2E}/test_logs.py::test_logs__the_request_id_of_an_error_answer_shows_that_invocations_lines_only",
        expects=((f"{LAMBDA}.invocation.logs.LogHandler.run_log_loop", "logs_client.put_log_events("),),
        where="log_shipping.py:install",
    ),
    Change(
        "localstack.aws.client",
        "create_http_request",
        "aws-parity",
        "an in-memory call (`IN_MEMORY_CLIENT`) carries the `Host` header an HTTP client sends: without it DynamoDB's"
        " provider could not forward the call to DynamoDB Local (werkzeug's `BadRequestKeyError('Host')`), and every"
        " CreateTable, which lists the tables in memory first, answered 500",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        parameters=("aws_request",),
        where="in_memory_calls.py:send_the_host_header",
    ),
    Change(
        "localstack.runtime.server.core",
        "RuntimeServerPlugin",
        "speed",
        "the gateway served by a thread per connection (`GATEWAY_SERVER=harness-threads`, entry point"
        " `localstack.runtime.server`) instead of Twisted's reactor with its three thread hand-offs per request; no"
        " TLS, HTTP/2 or WebSockets on the port, which the harness does not use: 1.2-1.5 ms less of LocalStack's CPU"
        " per create through the API (11.0-11.5 against 12.2-12.5 ms in `./harness bench --emulator localstack`,"
        " alternated)",
        VERSION,
        f"{GATEWAY_ANSWERS}::test_any_content_type__the_body_reaches_the_function_as_sent",
        where="threaded_server.py:ThreadedRuntimeServerPlugin",
    ),
    Change(
        f"{GATEWAY}.integrations.aws.RestApiAwsProxyIntegration",
        "call_lambda",
        "speed",
        "a Lambda proxy integration without `credentials` calls Lambda's `Invoke` operation in process, not through"
        " LocalStack's internal client (botocore serialising, signing and parsing the call and its answer, and the"
        " handler chain between): 1.8 ms of LocalStack's CPU per create (`py-spy`); Lambda's errors reach the"
        " integration as the same `ClientError`",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        parameters=("function_arn", "event", "source_arn", "credentials"),
        where="lambda_integration.py:install",
    ),
    Change(
        "localstack.services.dynamodb.server",
        "AwsRequestProxy",
        "speed",
        "DynamoDB's calls forwarded to DynamoDB Local as one write on a connection kept per thread instead of through"
        " rolo's `Proxy` (a werkzeug `EnvironBuilder` copy, then `requests`, urllib3 and `http.client`): 4.2-4.7"
        " against 5.3-5.9 ms of LocalStack's CPU per create, warm burst 174-175 against 145-146 req/s (`./harness bench"
        " --emulator localstack`, alternated); the same request, with the proxy's `X-Forwarded-*`, and answer",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        expects=(("localstack.aws.forwarder.AwsRequestProxy.forward", "self.proxy.forward(context.request"),),
        where="dynamodb_forward.py:forward_over_kept_connections",
    ),
    Change(
        f"{LAMBDA}.invocation.version_manager",
        "start_thread",
        "speed",
        "no thread started per invocation to record CloudWatch metrics when CloudWatch is not one of the services"
        " (the thread would return at once, `publish_lambda_metric`): 0.45 ms of LocalStack's CPU per create"
        " (`py-spy`)",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        expects=(
            (f"{LAMBDA}.invocation.version_manager.LambdaVersionManager.invoke", 'name=f"record-cloudwatch-metric'),
        ),
        where="lambda_metrics.py:skip_metrics_threads_without_cloudwatch",
    ),
    Change(
        f"{LAMBDA}.invocation.execution_environment",
        "Timer",
        "speed",
        "an execution environment's keep-alive timer is an entry in one scheduler thread instead of a"
        " `threading.Timer` started (a thread) at the end of every invocation: 0.2-0.3 ms of LocalStack's CPU per"
        " create (`py-spy`); the same stop after `LAMBDA_KEEPALIVE_MS` idle",
        VERSION,
        f"{E2E}/test_api_operations.py::test_round_trip__create_read_update_read_list_delete_read",
        expects=(
            (
                f"{LAMBDA}.invocation.execution_environment.ExecutionEnvironment.release",
                "self.keepalive_timer = Timer(",
            ),
        ),
        where="keepalive_timers.py:share_keepalive_timers",
    ),
]

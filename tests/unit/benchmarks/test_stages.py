"""The LocalStack profile's stages: each sample goes to the innermost service frame, else to the gateway."""

import pytest

from benchmarks import stages

pytestmark = pytest.mark.unit
REACTOR = "ReactorBase.run (twisted/internet/base.py:686);Connection.doRead (twisted/internet/tcp.py:246)"
CHAIN = "_WSGIResponse.run (twisted/web/wsgi.py:462);Gateway.process (rolo/gateway/gateway.py:64)"
INVOKE = f"{CHAIN};LambdaProvider.invoke (services/lambda_/provider.py:1859)"


def test_stage__the_innermost_service_frame_decides():
    # GIVEN API Gateway calling Lambda, which calls our executor; and Lambda's log loop calling CloudWatch Logs' client
    api_invoking = (
        f"{CHAIN};call_lambda (services/apigateway/next_gen/integrations/aws.py:1);_api_call (botocore/client.py:1)"
    )
    executor = (
        f"{INVOKE};ProcessRuntimeExecutor.invoke (harness_lambda_executor/executor.py:138);post (requests/api.py:1)"
    )
    log_loop = "run_log_loop (services/lambda_/invocation/logs.py:1);_make_api_call (botocore/client.py:1)"
    # WHEN each is staged, THEN the innermost service frame names the stage
    assert stages.stage(api_invoking) == "API Gateway, its Invoke of the function included"
    assert stages.stage(executor) == stages.stage(INVOKE)
    assert stages.stage(executor).startswith("Lambda: invoke")
    assert stages.stage(log_loop) == "the function's logs: log loop, Logs provider"


def test_stage__without_a_service_frame_the_gateways_chain_or_server():
    assert stages.stage(f"{CHAIN};ResponseLogger.__call__ (aws/handlers/logging.py:1)") == stages.HANDLER_CHAIN
    assert stages.stage(REACTOR) == stages.HTTP_SERVER
    assert stages.stage("Thread.run (threading.py:992);Queue.get (queue.py:194)") == stages.OTHER


def test_main__shares_out_the_cpu_per_request(tmp_path, capsys):
    # GIVEN three samples in the reactor and one in the handler chain
    profile = tmp_path / "profile.txt"
    profile.write_text(f"{REACTOR} 3\n{CHAIN};ServiceRequestRouter.__call__ (aws/handlers/service.py:119) 1\n")
    # WHEN 20 ms of CPU per request are shared out
    assert stages.main([str(profile), "--cpu-ms", "20"]) == 0
    # THEN each stage gets its share of them
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f" 75.0 %  15.00 ms  {stages.HTTP_SERVER}", f" 25.0 %   5.00 ms  {stages.HANDLER_CHAIN}"]

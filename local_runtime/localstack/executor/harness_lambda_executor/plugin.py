"""Registers the executor under plux's namespace; LocalStack picks it with LAMBDA_RUNTIME_EXECUTOR=process."""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "process"

    def load(self, *args, **kwargs):
        from harness_lambda_executor.executor import ProcessRuntimeExecutor

        return ProcessRuntimeExecutor

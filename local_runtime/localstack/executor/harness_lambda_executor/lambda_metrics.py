"""No thread per invocation for CloudWatch metrics when CloudWatch is not one of LocalStack's services.

After each invocation LocalStack's Lambda starts a thread of its own to record the ``Invocations`` (and ``Errors``)
metric; the thread calls ``publish_lambda_metric``, which returns at once when CloudWatch is not enabled, as in this
stack (``SERVICES``). Starting it cost 0.45 ms of LocalStack's CPU per create through the API (``py-spy``). The same
test is made first here, and the thread is started only when it would record something.
"""

from typing import Any

from localstack.runtime import hooks
from localstack.services.lambda_.invocation import version_manager
from localstack.utils import threads
from localstack.utils.bootstrap import is_api_enabled

METRICS_THREAD = "record-cloudwatch-metric"  # how LambdaVersionManager.invoke names those threads


def start_thread_for_something_to_do(method: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    if name and name.startswith(METRICS_THREAD) and not is_api_enabled("cloudwatch"):
        return None  # the callers of the metrics threads keep no reference to them
    return threads.start_thread(method, *args, name=name, **kwargs)


@hooks.on_infra_start()
def skip_metrics_threads_without_cloudwatch() -> None:
    version_manager.start_thread = start_thread_for_something_to_do

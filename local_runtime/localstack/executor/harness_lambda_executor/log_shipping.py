"""The function's logs reach CloudWatch Logs without a round trip through LocalStack's API.

LocalStack's log loop (``LogHandler.run_log_loop``, one thread per function version) sent each invocation's lines as
a ``PutLogEvents`` call: a boto3 client serialising and signing it, the gateway's handler chain parsing it again,
LocalStack's Logs provider handing it to moto's Logs backend. Three quarters of that, ~2 ms of LocalStack's CPU per
invocation under load, was the round trip (``py-spy``). The loop below hands the same events to the same backend
(LocalStack's own patches to moto's log streams, which deliver to subscription filters, still apply): the same
events, in the same order, in the same group and stream, created when missing as LocalStack's loop does. Skipped:
the Logs provider's metric filters, which run only when CloudWatch is a service LocalStack runs (this stack's does not).
"""

import logging
import time

from localstack.runtime import hooks
from localstack.services.lambda_.invocation import logs as lambda_logs
from localstack.services.logs.models import get_moto_logs_backend
from localstack.utils.aws.arns import extract_account_id_from_arn
from moto.logs.exceptions import ResourceAlreadyExistsException, ResourceNotFoundException

LOG = logging.getLogger(__name__)


def _events(logs: str) -> list[dict]:
    """As LocalStack's loop makes them: a line each (newline kept, empty lines dropped: CloudWatch refuses them),
    all with the time of the invocation's end."""
    timestamp = int(time.time() * 1000)
    return [{"timestamp": timestamp, "message": line + "\n"} for line in logs.split("\n") if line]


def run_log_loop(self: lambda_logs.LogHandler, *_args, **_kwargs) -> None:
    backend = get_moto_logs_backend(extract_account_id_from_arn(self.role_arn), self.region)
    while not self._shutdown_event.is_set():
        item = self.log_queue.get()
        if item is lambda_logs.QUEUE_SHUTDOWN:
            return
        events = _events(item.logs)
        try:
            try:
                backend.put_log_events(item.log_group, item.log_stream, events)
            except ResourceNotFoundException:
                try:
                    backend.create_log_group(item.log_group, tags={})
                except ResourceAlreadyExistsException:
                    pass
                try:
                    backend.create_log_stream(item.log_group, item.log_stream)
                except ResourceAlreadyExistsException:
                    pass
                backend.put_log_events(item.log_group, item.log_stream, events)
        except Exception as error:  # noqa: BLE001 - as LocalStack's loop: a lost log line must not stop the loop
            LOG.warning("Error saving logs to group %s in region %s: %s", item.log_group, self.region, error)


@hooks.on_infra_start()
def install() -> None:
    """Run at start (an ``on_infra_start`` hook), before any function version starts its loop."""
    lambda_logs.LogHandler.run_log_loop = run_log_loop

"""The Compose bootstrap's command: ``python -m harness_cli ARGS``, started beside the emulator instead of after it.

Compose starts this container once the emulator's container has started (``depends_on: service_started``), not
once its health check passes (up to a polling interval after the emulator is ready). Meanwhile this imports the
harness (boto3 and botocore, about half a second), then polls the emulator at ``AWS_ENDPOINT_URL`` every 50 ms for
at most two minutes, and runs the command as soon as it answers. If it never does, the command says so, as it
would have anyway.
"""

import os
import sys

from harness_cli.__main__ import main
from harness_cli.lifecycle import endpoint_reachable
from local_runtime.processes import poll_until

WAIT_S = 120.0

if __name__ == "__main__":
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        poll_until(lambda: endpoint_reachable(endpoint), WAIT_S)
    sys.exit(main())

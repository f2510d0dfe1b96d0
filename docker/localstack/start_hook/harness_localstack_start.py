"""LocalStack hook of the project's image: the services of ``SERVICES`` load side by side while LocalStack starts.

LocalStack loads a service at its first request. For DynamoDB that starts DynamoDB Local's JVM and waits until it
answers (2-3 s), so a stack's first deploy waited for it on its first table call. LocalStack's own
``EAGER_SERVICE_LOADING`` loads the services before its gateway listens, one after the other. This hook, run at the
same point (``on_infra_start``), starts one thread per service instead, DynamoDB's first: the JVM starts while
LocalStack finishes starting and the other services load, and the gateway listens as soon as it would without it.
A request for a service still loading waits for it (LocalStack's own lock); a service that fails to load here
fails as it would have at its first request.
"""

import logging
import os
import re
import threading
import time

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)


def _load(service: str) -> None:
    from localstack.services.plugins import SERVICE_PLUGINS

    started = time.monotonic()
    try:
        SERVICE_PLUGINS.require(service)
    except Exception:  # noqa: BLE001 - LocalStack reports it again at the service's first request
        LOG.debug("%s not loaded at start", service, exc_info=True)
        return
    LOG.info("%s loaded at start in %.1f s", service, time.monotonic() - started)


@hooks.on_infra_start()
def load_services_side_by_side() -> None:
    """One thread per service named in SERVICES (not the ones LocalStack adds as dependencies), DynamoDB first."""
    # LocalStack's own reading of SERVICES: names, each perhaps with a port (ignored), separated by commas.
    names = re.split(r"\s*,\s*", os.environ.get("SERVICES", "").strip())
    services = [re.split(r"[:=]", name)[0] for name in names if name]
    for service in sorted(services, key=lambda name: name != "dynamodb"):
        threading.Thread(target=_load, args=(service,), name=f"load-{service}", daemon=True).start()

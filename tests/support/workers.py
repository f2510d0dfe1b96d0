"""pytest-xdist: which worker this process is."""

from typing import Any


def worker_id(config: Any) -> str | None:
    """The pytest-xdist worker this process is (gw0, gw1, ...), or None when not a worker."""
    return getattr(config, "workerinput", {}).get("workerid")

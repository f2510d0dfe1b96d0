"""A client of the fault proxy's control API, for one stack's table: what ``./harness faults`` and the tests use."""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

CONTROL_TIMEOUT_S = 3.0


class FaultApiError(RuntimeError):
    """The proxy did not answer, or refused the request (its message says why)."""


def control(url: str, method: str, body: dict | None = None) -> dict:
    """One call to a proxy's control API: the decoded answer, or ``FaultApiError`` with the proxy's reason."""
    request = urllib.request.Request(  # noqa: S310 - a proxy URL of ours or the user's
        url, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    try:
        with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_S) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            reason = json.loads(error.read())["error"]
        except (ValueError, KeyError, TypeError):
            reason = f"HTTP {error.code}"
        raise FaultApiError(reason) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise FaultApiError(f"no fault proxy answers at {url}: {error}") from error


class FaultApi:
    """The faults of one table on one proxy: set, list, clear."""

    def __init__(self, proxy_url: str, table: str) -> None:
        self.url, self.table = f"{proxy_url.rstrip('/')}/_harness/faults", table

    def set(self, operation: str, **rule: Any) -> dict[str, Any]:
        """Set the fault of ``operation`` (``all``: every one); returns the rule as the proxy keeps it."""
        return control(self.url, "PUT", {"table": self.table, "operation": operation, **rule})["fault"]

    def listed(self) -> list[dict[str, Any]]:
        return control(f"{self.url}?{urllib.parse.urlencode({'table': self.table})}", "GET")["faults"]

    def clear(self, operation: str | None = None) -> list[dict[str, Any]]:
        """Clear the table's faults (one operation's only, if given); returns what was cleared."""
        query = {"table": self.table, **({"operation": operation} if operation else {})}
        return control(f"{self.url}?{urllib.parse.urlencode(query)}", "DELETE")["cleared"]

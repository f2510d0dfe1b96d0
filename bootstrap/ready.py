"""After ``up`` on AWS: wait (bounded) until one real request through the API succeeds.

For a while after ``up`` AWS can refuse a correct stack: a new key or usage plan gets 403, a new invoke
permission 500, an inline policy that lags behind its role an AccessDenied inside the function (500), and a
new API's host name may not resolve yet. The probe is a one-item ``list``: its 200 proves the key, the plan,
the permission, the role and the policy's Scan alike. Emulators are ready at once and are never probed.
"""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bootstrap.clients import EMULATOR_CREDENTIALS, shared_session

# The emulators' credentials in the form botocore's ``Credentials`` takes.
EMULATOR_CREDENTIAL_ARGS = {
    "access_key": EMULATOR_CREDENTIALS["aws_access_key_id"],
    "secret_key": EMULATOR_CREDENTIALS["aws_secret_access_key"],
}
# Signs a POST (url, body, headers) and returns the headers to send (``--authorization iam``).
Signer = Callable[[str, bytes, dict[str, str]], dict[str, str]]

PROBE = {"operation": "list", "payload": {"Limit": 1}}
PROBE_TEXT = 'POST {"operation": "list", Limit 1}'
TIMEOUT_S = 180.0
INTERVAL_S = 2.0


def sigv4_signer(credentials: Any, region: str) -> Signer:
    """A signer for an API whose method is AWS_IAM: SigV4 for the ``execute-api`` service, as AWS's SDKs sign."""

    def sign(url: str, data: bytes, headers: dict[str, str]) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=data, headers=headers)
        SigV4Auth(credentials, "execute-api", region).add_auth(request)
        return dict(request.headers.items())

    return sign


def target_signer(on_aws: bool, region: str) -> Signer:
    """The signer for a stack's AWS_IAM method: the caller's own credentials on AWS, the emulators' elsewhere."""
    credentials = shared_session().get_credentials() if on_aws else Credentials(**EMULATOR_CREDENTIAL_ARGS)
    return sigv4_signer(credentials, region)


def post(url: str, key: str, sign: Signer | None = None) -> tuple[int, str]:
    """POST the probe (signed by ``sign`` when given); (status, body), or (0, why) when no HTTP answer came back."""
    if url.split("://", 1)[0] not in ("https", "http"):
        raise ValueError(f"not an HTTP URL: {url!r}")
    headers = {"x-api-key": key, "Content-Type": "application/json"}
    data = json.dumps(PROBE).encode()
    if sign is not None:
        headers = sign(url, data, headers)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - http(s) only, checked above
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:  # no answer at all: DNS of a new API, a reset connection, a timeout
        return 0, str(error)


def wait_until_serving(
    url: str,
    key: str,
    timeout: float = TIMEOUT_S,
    interval: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    sign: Signer | None = None,
) -> float:
    """Send the probe until it gets 200, every ``interval`` (``INTERVAL_S``, read at call time) seconds; return the
    seconds it took. At the deadline, ``RuntimeError`` with the last answer (the stack stays up: ``up`` may
    simply be run again)."""
    interval = INTERVAL_S if interval is None else interval
    started = time.monotonic()
    while True:
        status, body = post(url, key, sign)
        if status == 200:
            return time.monotonic() - started
        if time.monotonic() - started >= timeout:
            raise RuntimeError(
                f"the stack is up (outputs saved), but {url} still answered {status or 'nothing'} "
                f"({body[:120].strip()}) {timeout:.0f} s later (IAM or API Gateway propagation); 'up' again waits again"
            )
        sleep(interval)

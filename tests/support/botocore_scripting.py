"""HTTP answers scripted below botocore's retry logic, so a client's own retries are exercised."""

import io
from collections.abc import Iterator
from typing import Any


class _RawBody(io.BytesIO):
    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.getvalue()


def script_http(client: Any, operation: str, answers: list[tuple[int, dict[str, str], bytes]]) -> list[int]:
    """Make ``client`` receive these HTTP answers for ``operation``, in order, instead of sending anything.

    Unlike botocore's Stubber this sits below the retry logic, so the client's own retries are exercised.
    Returns the list of statuses actually served, which grows as the client consumes them.
    """
    from botocore.awsrequest import AWSResponse

    queue, served = list(answers), []

    def answer(request: Any, **_kwargs: Any) -> AWSResponse:
        status, headers, body = queue.pop(0)
        served.append(status)
        return AWSResponse(request.url, status, headers, _RawBody(body))

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-send.{service}.{operation}", answer)
    return served


def offline_client(service: str) -> Any:
    """A client of the harness's own making (its config, the emulators' credentials) for an endpoint nothing
    listens on: its answers come from botocore's Stubber or ``script_http``, never from the network."""
    from bootstrap.clients import Clients
    from bootstrap.settings import ENDPOINT, Settings

    return Clients(Settings(target=ENDPOINT, endpoint_url="http://127.0.0.1:9"))(service)

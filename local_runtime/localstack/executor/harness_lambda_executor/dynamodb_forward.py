"""LocalStack's DynamoDB calls forwarded to DynamoDB Local over kept connections with urllib3, not ``requests``.

LocalStack's DynamoDB provider forwards every call to DynamoDB Local through rolo's ``Proxy``, whose default client
is a ``requests.Session``: for each call requests merges its settings, looks for a ``.netrc``, prepares and re-encodes
the URL, then hands over to urllib3. That was 1.4 ms of LocalStack's CPU per create through the API, most of the
forward (``py-spy``). The same request (method, path, query, headers, body, the proxy's own forwarding headers) now
goes straight to a urllib3 connection pool, and the answer comes back as the same ``Response``.
"""

from typing import Any
from urllib.parse import urlsplit

import urllib3
from localstack.aws.forwarder import AwsRequestProxy
from localstack.runtime import hooks
from localstack.services.dynamodb import server as dynamodb_server
from rolo.client import HttpClient
from rolo.proxy import Proxy
from rolo.request import get_raw_path, restore_payload
from werkzeug import Request, Response
from werkzeug.datastructures import Headers

HOP_BY_HOP = ("transfer-encoding", "connection", "keep-alive")


class PooledClient(HttpClient):
    """What rolo's ``SimpleRequestsClient`` does for a proxied request, on one urllib3 pool; no redirects to follow
    (DynamoDB Local sends none), no retries (the caller's SDK retries, as against AWS)."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.pool = urllib3.HTTPConnectionPool(url.hostname, url.port, maxsize=64, block=False, retries=False)

    def request(self, request: Request, server: str | None = None) -> Response:
        target = get_raw_path(request)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        headers = {name: value for name, value in request.headers.items() if name.lower() != "transfer-encoding"}
        headers.setdefault("Accept-Encoding", urllib3.util.SKIP_HEADER)  # as sent, none added (rolo does the same)
        answer = self.pool.urlopen(
            request.method,
            target,
            body=restore_payload(request),
            headers=headers,
            redirect=False,
            assert_same_host=False,
            preload_content=True,
            decode_content=False,
        )
        answer_headers = Headers([(k, v) for k, v in answer.headers.iteritems() if k.lower() not in HOP_BY_HOP])
        response = Response(answer.data, status=answer.status, headers=answer_headers)
        if request.method == "HEAD":  # no body read: keep the length the server declared
            response.content_length = int(answer.headers.get("Content-Length", 0))
        return response

    def close(self) -> None:
        self.pool.close()


class PooledAwsRequestProxy(AwsRequestProxy):
    def __init__(self, endpoint_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(endpoint_url, *args, **kwargs)
        self.proxy = Proxy(forward_base_url=endpoint_url, client=PooledClient(endpoint_url))


# Before the services load: LocalStack's eager loading and our image's start hook run at priority 0, higher first.
@hooks.on_infra_start(priority=10)
def forward_over_kept_connections() -> None:
    """DynamoDB's server object builds its proxy from this name when LocalStack loads the service. (A hook's plugin is
    named after its function: another hook named `install` would hide this one.)"""
    dynamodb_server.AwsRequestProxy = PooledAwsRequestProxy

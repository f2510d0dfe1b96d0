"""LocalStack's DynamoDB calls forwarded to DynamoDB Local over one kept-alive connection per thread.

LocalStack's DynamoDB provider forwards every call to DynamoDB Local through rolo's ``Proxy``: it copies the request
through werkzeug's ``EnvironBuilder``, then sends it with a ``requests.Session``, which merges its settings, looks for
a ``.netrc``, re-encodes the URL and hands over to urllib3 and ``http.client`` (whose header parsing is the ``email``
package's). That was 1.4 ms of LocalStack's CPU per create through the API, then 1.8 ms on a urllib3 pool without
``requests``, most of the forward (``py-spy``), under the GIL every request shares. The same request (method, path,
query, headers with the proxy's ``X-Forwarded-*``, body) now goes out as one write on a connection this thread keeps,
and the answer (status, headers, body by ``Content-Length``, chunks or the connection's end) comes back as the same
``Response``. DynamoDB Local speaks plain HTTP/1.1 on the loopback; nothing else is sent this way.
"""

import socket
import threading
from typing import Any
from urllib.parse import urlsplit

from localstack.aws.client import parse_response, raise_service_exception
from localstack.aws.forwarder import AwsRequestProxy
from localstack.runtime import hooks
from localstack.services.dynamodb import server as dynamodb_server
from rolo.request import restore_payload
from werkzeug import Request, Response
from werkzeug.datastructures import Headers

from harness_lambda_executor.http_framing import MAX_LINE, bodiless, read_chunked, read_exactly

HOP_BY_HOP = ("transfer-encoding", "connection", "keep-alive", "expect")  # `Expect`: our server answered it


class _Connection:
    def __init__(self, address: tuple[str, int]) -> None:
        self.socket = socket.create_connection(address)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.socket.makefile("rb")

    def stale(self) -> bool:
        """Readable while idle: the server closed it (or sent what nobody asked for)."""
        try:
            self.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)  # b"" (closed) or bytes: either way, stale
        except BlockingIOError:
            return False
        except OSError:
            pass
        return True

    def close(self) -> None:
        self.reader.close()
        self.socket.close()

    def exchange(self, request: bytes, method: str) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        self.socket.sendall(request)
        status, headers = self._head()
        while 100 <= status < 200:  # an interim answer (100 Continue): the final one follows
            status, headers = self._head()
        fields = {name.lower(): value.lower() for name, value in headers}
        keep = fields.get("connection") != "close"
        if bodiless(method, status):
            return status, headers, b"", keep
        if "chunked" in fields.get("transfer-encoding", ""):
            return status, headers, read_chunked(self.reader), keep
        if (length := fields.get("content-length", "")).isdigit():
            return status, headers, read_exactly(self.reader, int(length)), keep
        return status, headers, self.reader.read(), False  # delimited by the connection's end

    def _head(self) -> tuple[int, list[tuple[str, str]]]:
        status_line = self.reader.readline(MAX_LINE)
        if not status_line:
            raise ConnectionError("DynamoDB Local closed the connection without an answer")
        status = int(status_line.split(None, 2)[1])
        headers = []
        while (line := self.reader.readline(MAX_LINE)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        return status, headers


class KeptConnections:
    """One connection per thread to one server, reopened when the server has closed it."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.address = (url.hostname or "localhost", url.port or 80)
        self.local = threading.local()

    def send(self, request: Request, path: str) -> Response:
        body = restore_payload(request)
        headers = Headers([(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP])
        headers["Content-Length"] = str(len(body))
        if client := request.remote_addr:  # what rolo's Proxy adds (Host is kept as the client sent it)
            forwarded = request.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
        headers.setdefault("X-Forwarded-Proto", request.scheme)
        target = "/" + path.lstrip("/") + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        head = f"{request.method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        connection = self._connection()
        try:
            status, answer_headers, data, keep = connection.exchange(
                head.encode("latin-1") + b"\r\n" + body, request.method
            )
        except BaseException:
            self._drop()
            raise
        if not keep:
            self._drop()
        response = Response(
            data, status=status, headers=[(k, v) for k, v in answer_headers if k.lower() not in HOP_BY_HOP]
        )
        if request.method == "HEAD":  # no body read: keep the length the server declared
            response.content_length = int(dict((k.lower(), v) for k, v in answer_headers).get("content-length", 0))
        return response

    def _connection(self) -> _Connection:
        connection = getattr(self.local, "connection", None)
        if connection is not None and connection.stale():
            self._drop()
            connection = None
        if connection is None:
            connection = self.local.connection = _Connection(self.address)
        return connection

    def _drop(self) -> None:
        if connection := getattr(self.local, "connection", None):
            connection.close()
            self.local.connection = None


class KeptConnectionsAwsRequestProxy(AwsRequestProxy):
    """``AwsRequestProxy.forward`` with the request sent on a kept connection instead of through rolo's ``Proxy``."""

    def __init__(self, endpoint_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(endpoint_url, *args, **kwargs)
        self.connections = KeptConnections(endpoint_url)

    def forward(self, context: Any, service_request: Any = None) -> Any:
        if service_request is not None:
            context = self.new_request_context(context, service_request)
        http_response = self.connections.send(context.request, context.request.path)
        if not self.parse_response:
            return http_response
        parsed_response = parse_response(
            context.operation, context.protocol, http_response, self.include_response_metadata
        )
        raise_service_exception(http_response, parsed_response)
        return parsed_response


# Before the services load: LocalStack's eager loading and our image's start hook run at priority 0, higher first.
@hooks.on_infra_start(priority=10)
def forward_over_kept_connections() -> None:
    """DynamoDB's server object builds its proxy from this name when LocalStack loads the service. (A hook's plugin is
    named after its function: another hook named `install` would hide this one.)"""
    dynamodb_server.AwsRequestProxy = KeptConnectionsAwsRequestProxy

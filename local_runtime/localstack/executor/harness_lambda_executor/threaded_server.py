"""LocalStack's gateway served by a thread per connection instead of Twisted's reactor.

Under Twisted every request crosses threads three times: the reactor parses it and hands it to a pool thread, which
runs the handler chain and then waits while the reactor writes the answer (``blockingCallFromThread``) and finishes
it. With one GIL, those hand-offs and Twisted's pure-Python HTTP were LocalStack's largest cost per create through
the API: 3.6 ms of its ~10 under a burst of 8 clients (``py-spy``, docs/performance.md). Here the thread that reads
a connection parses the request with the standard library's ``http.server``, runs the handler chain and writes the
answer itself, in one ``sendall``; connections are kept alive as HTTP/1.1 clients expect.

A runtime server is a LocalStack plugin (``localstack.runtime.server``, chosen by ``GATEWAY_SERVER``). Werkzeug's
server, the other one LocalStack knows, closes every connection. What Twisted also served and this does not: TLS
on the same port (the harness speaks plain HTTP to its emulator), HTTP/2 and WebSockets (no service here uses them).
"""

import logging
import socketserver
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from localstack.http import Request, Response
from localstack.runtime.server.core import RuntimeServer, RuntimeServerPlugin
from werkzeug.datastructures import Headers

from harness_lambda_executor.http_framing import MAX_LINE, bodiless, read_chunked, read_exactly

LOG = logging.getLogger(__name__)


class _Connection(BaseHTTPRequestHandler):
    """One client connection: its requests one after the other, each through the gateway on this thread."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: "_Listener"

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
        if len(self.raw_requestline) > MAX_LINE:
            self.requestline = self.request_version = self.command = ""  # what send_error reads, as the stdlib does
            self.send_error(414)
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():  # request line and headers; answers 400/505 itself, and `Expect: 100-continue`
            return
        # The whole body, before the handler chain runs (as Twisted did): a handler that answers without reading it
        # (a 403 for a missing API key) must not leave its bytes on a kept-alive connection as the next request.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._serve(read_chunked(self.rfile))
        elif (length := self.headers.get("Content-Length", "0").strip()).isdigit():
            self._serve(read_exactly(self.rfile, int(length)))
        else:
            self.send_error(400, "Bad Content-Length")  # where the body ends is unknown: the connection closes
            self.close_connection = True

    def _serve(self, body: bytes) -> None:
        raw_path, _, query = self.path.partition("?")
        headers = Headers(list(self.headers.raw_items()))  # names as the client cased them, as rolo expects
        request = Request(
            method=self.command,
            path=unquote(raw_path),
            query_string=query,
            headers=headers,
            body=body,
            server=self.server.server_address[:2],
            remote_addr=self.client_address[0],
            raw_path=raw_path,
        )
        response = Response()
        try:
            self.server.gateway.process(request, response)
        except Exception:  # the handler chain answers its own errors; this is a bug in it, answered as Twisted did
            LOG.exception("the gateway failed on %s %s", self.command, raw_path)
            response = Response(status=500)
        self._write(request, response)

    def _write(self, request: Request, response: Response) -> None:
        app_iter, status, headers = response.get_wsgi_response(request.environ)  # what a WSGI server is given
        body = list(app_iter)
        if close := getattr(app_iter, "close", None):
            close()
        names = {name.lower() for name, _ in headers}
        if "content-length" not in names and not bodiless(request.method, response.status_code):
            # the whole body is here: its length, not chunks (which an HTTP/1.0 client could not read)
            headers = [*headers, ("Content-Length", str(sum(map(len, body))))]
        head = [f"HTTP/1.1 {status}", f"Date: {formatdate(usegmt=True)}"]
        head += [f"{name}: {value}" for name, value in headers if name.lower() not in ("date", "server")]
        self.wfile.write("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + b"".join(body))
        if any(name.lower() == "connection" and value.lower() == "close" for name, value in headers):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the standard library's name)
        LOG.debug(format, *args)


class _Listener(socketserver.ThreadingTCPServer):
    daemon_threads = True  # a kept-alive connection must not hold LocalStack's exit
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Any) -> None:
        self.gateway = gateway
        super().__init__(address, _Connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        LOG.debug("connection from %s ended", client_address, exc_info=True)  # a client that went away, mostly


class ThreadedRuntimeServer(RuntimeServer):
    def __init__(self) -> None:
        self.listeners: list[_Listener] = []

    def register(self, gateway: Any, listen: list[Any], ssl_creds: Any = None) -> None:
        self.listeners += [_Listener((address.host, address.port), gateway) for address in listen]

    def run(self) -> None:
        for listener in self.listeners[1:]:
            threading.Thread(target=listener.serve_forever, name="gateway-listener", daemon=True).start()
        self.listeners[0].serve_forever()

    def shutdown(self) -> None:
        for listener in self.listeners:
            listener.shutdown()
            listener.server_close()


class ThreadedRuntimeServerPlugin(RuntimeServerPlugin):
    name = "harness-threads"

    def load(self, *args: Any, **kwargs: Any) -> RuntimeServer:
        return ThreadedRuntimeServer()

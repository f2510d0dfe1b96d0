"""MiniStack's ASGI app served by uvicorn's httptools protocol instead of hypercorn's pure-Python h11.

Every request through the API crosses MiniStack's HTTP server twice (the caller's POST, then the function's
PutItem back into the emulator). Under hypercorn, h11 and its asyncio glue that was ~43 % of the emulator's
GIL time in a burst (py-spy ``--gil``): parsing and writing HTTP/1.1 in Python, a task group, a timer and a
stream object per request. uvicorn parses with httptools (llhttp, C) and writes the response head in one
pass. The app is MiniStack's own ``ministack.app.app``, unchanged: routing, bodies, status codes, reason
phrases (standard ones, as MiniStack's h11 shim gives) and headers are its own; MiniStack adds the one
``Date`` a response carries, so the server adds neither ``date`` nor ``server``.

What ``ministack.app.main`` does around hypercorn is kept: the port from ``GATEWAY_PORT``/``EDGE_PORT``,
``BIND_HOST``, the refusal to start on a port already answering, the PID file, the raised fd limit, a keep-alive
of 75 s, the lifespan events. TLS (``USE_SSL``) and ``HARNESS_MINISTACK_SERVER=hypercorn`` keep MiniStack's own
``main``, hypercorn and all.
"""

import logging
import os
import resource
import socket
from collections.abc import Callable

SWITCH = "HARNESS_MINISTACK_SERVER"
KEEP_ALIVE_S = 75  # MiniStack's hypercorn setting


def wanted() -> bool:
    """uvicorn unless told otherwise, or unless TLS is asked for (MiniStack's main sets that up)."""
    from ministack.core import tls

    return os.environ.get(SWITCH, "uvicorn") != "hypercorn" and not tls.use_ssl_enabled()


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1" if host == "0.0.0.0" else host, port)) == 0  # noqa: S104


def main_on_uvicorn() -> None:
    """``ministack.app.main``, replaced (``patches.py``): the same app, served by ``serve``."""
    from local_runtime.ministack.patches import SERVER

    serve(SERVER.original)


def serve(main: Callable[[], None]) -> None:
    """MiniStack's app on uvicorn (httptools); ``main``, MiniStack's own, when hypercorn is wanted."""
    if not wanted():
        main()
        return
    import uvicorn
    from ministack import app as ministack_app

    port = int(ministack_app._resolve_port())
    host = os.environ.get("BIND_HOST", "0.0.0.0")  # noqa: S104 - MiniStack's default; the harness sets loopback
    if _in_use(host, port):
        raise SystemExit(f"ERROR: {host}:{port} is already in use. Is MiniStack already running?")
    pid_file = ministack_app._pid_file(port)
    with open(pid_file, "w") as written:
        written.write(str(os.getpid()))
    _raise_fd_limit()
    config = uvicorn.Config(
        ministack_app.app,
        host=host,
        port=port,
        http="httptools",
        ws="wsproto",
        loop="asyncio",
        lifespan="on",
        log_level=logging.getLevelName(ministack_app.LOG_LEVEL.upper()),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        try:
            os.remove(pid_file)
        except OSError:
            pass

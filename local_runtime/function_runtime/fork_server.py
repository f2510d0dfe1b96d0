"""A fork server ("zygote") for MiniStack's Python execution environments: pays boto3's start-up once.

A new execution environment used to be a fresh ``python _worker.py`` that imported boto3 and parsed the
DynamoDB service model again (~0.5 s of CPU each). This process does that once, then forks one child per
environment. Each child is then made what MiniStack's ``subprocess.Popen`` would have started: the same
argv, working folder and environment, the three pipes as fds 0/1/2, no other fd, default signal
handlers, still in the emulator's process group, and the worker script run as ``__main__``.

Only what AWS's Python runtime itself provides is loaded here (boto3, botocore and their dependencies),
never the function's code. Every botocore session reads service models through one loader, filled here
(the same trick as ``bootstrap/clients.py``), so ``boto3.client("dynamodb")`` in a child parses no JSON.

Run by path by ``ministack/fork_server.py`` (standard library and boto3 only: never the project's
modules, which a function must not see). Protocol, over Unix SEQPACKET sockets, one JSON object a message:
the emulator sends ``{"argv", "cwd", "env"}`` with four fds (a reply socket, stdin's read end, stdout's
and stderr's write ends); the server answers on the reply socket ``{"pid"}`` with a pidfd of the child,
then ``{"returncode"}`` when it has reaped it. The server exits when the emulator closes its socket.
"""

import ctypes
import gc
import json
import os
import selectors
import signal
import socket
import sys

MESSAGE_MAX_BYTES = 1 << 20
PRELOADED_SERVICES = ("dynamodb",)  # the models the project's function loads (handler/app.py)
# Set when a test session measures the function's processes (startup.py's COVERAGE_CONFIG: this script
# cannot import the project's modules): every child then starts coverage.py, whose import is loaded here once.
FUNCTION_COVERAGE_VARIABLE = "HARNESS_FUNCTION_COVERAGE"
_DEFAULT_HANDLERS = {number: signal.getsignal(number) for number in signal.valid_signals()}
_PR_SET_MM, _PR_SET_MM_MAP, _SYS_BRK = 35, 14, 12
_described: list[ctypes.Array] = []  # the memory /proc/<pid>/cmdline and /environ now read: kept alive


class _MmMap(ctypes.Structure):
    """``struct prctl_mm_map`` (linux/prctl.h)."""

    _fields_ = [
        *((name, ctypes.c_uint64) for name in ("start_code", "end_code", "start_data", "end_data", "start_brk")),
        *((name, ctypes.c_uint64) for name in ("brk", "start_stack", "arg_start", "arg_end", "env_start", "env_end")),
        ("auxv", ctypes.c_void_p),
        ("auxv_size", ctypes.c_uint32),
        ("exe_fd", ctypes.c_uint32),
    ]


def send(channel: socket.socket, message: dict, fds: list[int] = ()) -> None:
    socket.send_fds(channel, [json.dumps(message).encode()], list(fds))


def receive(channel: socket.socket, max_fds: int = 0) -> tuple[dict | None, list[int]]:
    """One message and the fds sent with it; None when the other end has gone."""
    data, fds, _flags, _address = socket.recv_fds(channel, MESSAGE_MAX_BYTES, max_fds)
    return (json.loads(data) if data else None), fds


class _SearchPaths(list):
    """boto3 appends its own data folder to the loader's search paths for every session: keep one of each."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def preload() -> dict[str, str]:
    """Import the runtime's SDK and parse the service models, as a child would; returns the top-level
    modules now loaded and where they come from (the emulator checks a function bundles none of them).
    Under a test session's coverage, coverage.py too (~0.14 s of CPU each child would pay; it is not started)."""
    if os.environ.get(FUNCTION_COVERAGE_VARIABLE):
        import coverage  # noqa: F401

    import boto3
    import botocore.loaders
    import botocore.session

    shared = botocore.loaders.Loader(extra_search_paths=_SearchPaths())  # what create_loader() makes
    default_create_loader = botocore.session.create_loader

    def create_loader(search_paths: str | None = None) -> botocore.loaders.Loader:
        return shared if search_paths is None else default_create_loader(search_paths)

    botocore.session.create_loader = create_loader
    dummy = "preload"  # no credential lookup (no metadata endpoint): the client is only built, never called
    session = boto3.session.Session(aws_access_key_id=dummy, aws_secret_access_key=dummy)
    for service in PRELOADED_SERVICES:  # a client made once loads every file (and lazy import) it needs
        session.client(service, region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    return loaded_modules()


def loaded_modules() -> dict[str, str]:
    origins = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if "." not in name and name != "__main__" and path:
            origins[name] = os.path.dirname(path) if path.endswith("__init__.py") else path
    return origins


def describe_process(argv: list[str], env: dict[str, str]) -> None:
    """Make ``/proc/<pid>/cmdline`` and ``/proc/<pid>/environ`` show ``argv`` and ``env``, as an exec would:
    ``ps`` shows the worker script, and ``down`` finds the harness's owner mark in the environment.
    ``prctl(PR_SET_MM_MAP)``: the kernel's checkpoint/restore call, which needs no capability."""
    args = b"".join(os.fsencode(arg) + b"\0" for arg in argv)  # as the os module encodes them for an exec
    variables = b"".join(os.fsencode(f"{name}={value}") + b"\0" for name, value in env.items())
    memory = ctypes.create_string_buffer(args + variables + b"\0")
    start = ctypes.addressof(memory)
    stat = open("/proc/self/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115 - read at once

    def field(number: int) -> int:  # proc(5) numbers the fields from 1; the first two are cut off above
        return int(stat[number - 3])

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    brk = libc.syscall(_SYS_BRK, ctypes.c_long(0))
    layout = _MmMap(
        *(field(26), field(27), field(45), field(46), field(47), brk, field(28)),
        *(start, start + len(args), start + len(args), start + len(args) + len(variables)),
        None,
        0,
        0xFFFFFFFF,  # the executable stays
    )
    if libc.prctl(_PR_SET_MM, _PR_SET_MM_MAP, ctypes.byref(layout), ctypes.sizeof(layout), 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_MM_MAP)")
    _described[:] = [memory]


def become_environment(request: dict, fds: list[int]) -> None:
    """In the child: what ``subprocess.Popen(argv, cwd=, env=, stdin/stdout/stderr=PIPE)`` would have made."""
    for number, handler in _DEFAULT_HANDLERS.items():
        try:
            if signal.getsignal(number) is not handler and handler is not None:
                signal.signal(number, handler)
        except (OSError, ValueError):
            continue
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)  # dup2 leaves the new fd inheritable, as Popen's child does
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    argv = request["argv"]
    try:
        describe_process(argv, request["env"])
    except OSError:
        pass  # it worked in the server: the process still runs, in the emulator's process group for ``down``
    sys.argv = argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[1])))


def serve(control: socket.socket) -> tuple[dict, list[int]] | None:
    """Fork children until the emulator goes away (None), or, in a child, return its request."""
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, reply socket)
    while True:
        for key, _events in selector.select():
            if key.fileobj is control:
                request, fds = receive(control, max_fds=4)
                if request is None:
                    return None
                reply, pipes = socket.socket(fileno=fds[0]), fds[1:]
                sys.stdout.flush(), sys.stderr.flush()
                try:
                    pid = os.fork()
                except OSError as error:
                    _send_quietly(reply, {"error": str(error)})
                    reply.close()
                    pid = None
                if pid == 0:
                    for pidfd, (_pid, other) in children.items():
                        os.close(pidfd), other.close()
                    reply.close(), selector.close(), control.close()
                    return request, pipes
                for fd in pipes:
                    os.close(fd)
                if pid is not None:
                    pidfd = os.pidfd_open(pid)
                    children[pidfd] = (pid, reply)
                    selector.register(pidfd, selectors.EVENT_READ)
                    _send_quietly(reply, {"pid": pid}, [pidfd])
            else:
                pidfd = key.fileobj
                pid, reply = children.pop(pidfd)
                selector.unregister(pidfd)
                _pid, status = os.waitpid(pid, 0)
                os.close(pidfd)
                _send_quietly(reply, {"returncode": os.waitstatus_to_exitcode(status)})
                reply.close()


def _send_quietly(reply: socket.socket, message: dict, fds: list[int] = ()) -> None:
    """The emulator may have dropped its end (the process object is gone): nothing to tell then."""
    try:
        send(reply, message, fds)
    except OSError:
        pass


def main() -> None:
    sys.path.pop(0)  # this file's folder: the children get the worker script's, as ``python _worker.py``
    control = socket.socket(fileno=int(sys.argv[1]))
    describe_process(sys.orig_argv, dict(os.environ))  # fails here, not in a child: the emulator then forks none
    # Python's advice for a process that forks without exec (the gc module's documentation): no collection while
    # the SDK loads (no freed holes in its pages), then freeze what is loaded. A child's collections then never walk
    # those objects, nor write to (and so copy) their pages: a cold start's CPU fell from 0.27 to 0.19 s.
    gc.disable()
    modules = preload()
    gc.freeze()
    gc.enable()
    send(control, {"ready": True, "modules": modules})
    child = serve(control)
    if child is None:
        return
    become_environment(*child)
    import runpy

    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()

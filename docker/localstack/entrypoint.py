"""PID 1 of the harness's LocalStack image: the fault proxy (optional), LocalStack, and a prompt stop.

LocalStack's runtime takes several seconds to exit on SIGTERM, and DynamoDB Local's JVM and the Lambda
workers are its children. On SIGTERM or SIGINT this forwards the signal, gives LocalStack at most
``HARNESS_STOP_GRACE_S`` seconds (default 2), then kills every process left in the container (as PID 1:
``kill(-1)``; under another init, LocalStack's process group). It also reaps the orphans that end up
with it, as an init does. If LocalStack exits by itself, the container exits with its status.

``HARNESS_FAULT_PROXY=1`` (the default) also starts ``local_runtime/faults/proxy_server.py`` in shared mode on
``HARNESS_FAULT_PROXY_PORT`` (4600) in front of LocalStack; if it fails, LocalStack keeps running. (Their
names before the proxy injected faults, ``HARNESS_CONSISTENCY_PROXY`` and ``..._PORT``, still work.)
"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))  # holds local_runtime/ with the proxy
_DEFAULT_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGINT)  # Python changes these


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def _log(message: str) -> None:
    print(f"entrypoint: {message}", file=sys.stderr, flush=True)


def _spawn(argv: list[str], own_group: bool, env: dict[str, str] | None = None) -> int:
    """Start ``argv`` with default signal handling, stdin from /dev/null, stdout/stderr shared with us."""
    group = {"setpgroup": 0} if own_group else {}
    return os.posix_spawn(
        argv[0],
        argv,
        os.environ if env is None else env,
        file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)],
        setsigdef=_DEFAULT_SIGNALS,
        **group,
    )


def _setting(name: str, old_name: str, default: str) -> str:
    return os.environ.get(name) or os.environ.get(old_name) or default


def _gateway_port() -> str:
    first = os.environ.get("GATEWAY_LISTEN", "0.0.0.0:4566").split(",")[0]
    return first.rpartition(":")[2] or "4566"


def _start_proxy() -> int | None:
    if _setting("HARNESS_FAULT_PROXY", "HARNESS_CONSISTENCY_PROXY", "1") != "1":
        return None
    port = _setting("HARNESS_FAULT_PROXY_PORT", "HARNESS_CONSISTENCY_PROXY_PORT", "4600")
    argv = [
        sys.executable,
        "-m",
        "local_runtime.faults.proxy_server",
        "--upstream",
        f"http://127.0.0.1:{_gateway_port()}",
    ]
    argv += ["--port", port, "--bind", "0.0.0.0", "--shared"]  # noqa: S104 - published on the container's interfaces
    try:
        return _spawn(argv, own_group=False, env={**os.environ, "PYTHONPATH": HERE})
    except OSError as error:
        _log(f"fault proxy not started: {error}")
        return None


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def _reap(block: bool) -> tuple[int, int]:
    """(pid, status) of one ended child; (0, 0) if none has ended (non-blocking); (-1, 0) if none is left."""
    try:
        return os.waitpid(-1, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return -1, 0


def _kill_everything(localstack: int, proxy: int | None) -> None:
    if os.getpid() == 1:
        try:
            os.kill(-1, signal.SIGKILL)  # every other process in the container's PID namespace
        except ProcessLookupError:
            pass  # none left
    else:
        for pid, group in ((localstack, True), (proxy, False)):
            if pid is not None and pid > 0:
                try:
                    (os.killpg if group else os.kill)(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _reap(block=False)[0] >= 0:
        time.sleep(0.01)


def main() -> int:
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    localstack, proxy = -1, None
    try:
        proxy = _start_proxy()
        localstack = _spawn([sys.executable, "-m", "localstack.runtime.main"], own_group=True)
        while True:
            pid, status = _reap(block=True)
            if pid == localstack:
                _log(f"LocalStack exited with status {_exit_code(status)}")
                _kill_everything(localstack, proxy)
                return _exit_code(status)
            if pid == proxy:
                _log(f"fault proxy exited with status {_exit_code(status)}; LocalStack keeps running")
                proxy = None
    except _Stop as stop:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if localstack < 0:
            _kill_everything(localstack, proxy)
            return 128 + stop.signum
        grace = float(os.environ.get("HARNESS_STOP_GRACE_S") or 2)
        _log(f"signal {stop.signum}: stopping LocalStack (at most {grace:g} s)")
        for pid in (localstack, proxy):
            if pid is not None:
                try:
                    os.kill(pid, stop.signum)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            pid, _status = _reap(block=False)
            if pid in (localstack, -1):
                break
            if pid == 0:
                time.sleep(0.02)
        _kill_everything(localstack, proxy)
        return 128 + stop.signum


if __name__ == "__main__":
    sys.exit(main())

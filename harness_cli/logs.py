"""``./harness logs``: the function's logs, one readable line per record, read through CloudWatch Logs.

``--follow`` keeps polling (every second) until Ctrl-C; ``--request-id`` shows one invocation's lines
(the ``requestId`` of an error answer); ``--json`` prints the records as the function wrote them.
"""

import argparse
import signal
import sys
import threading
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import is_code
from bootstrap.clients import Clients
from bootstrap.log_group import log_group_name
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings
from harness_cli.common import CommandError, run_command, settings_from_env, stack_that_is_up
from local_runtime import logs

FOLLOW_INTERVAL_S = 1.0
# Each poll asks again for the last 30 s: CloudWatch may ingest an event after a later one. Seen ones are skipped.
FOLLOW_OVERLAP_MS = 30_000
# Where an emulator keeps no CloudWatch Logs for the function, its own log is read instead.
_NO_LOGS = ("ResourceNotFoundException", "UnknownOperationException", "InvalidAction", "NotImplemented")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./harness logs", description=__doc__)
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing new records until Ctrl-C")
    parser.add_argument("--since", default="10m", help="how far back to start: 30s, 5m, 2h, 1d (default 10m)")
    parser.add_argument("--request-id", help="only the lines of this invocation (an error answer's requestId)")
    parser.add_argument("--json", action="store_true", help="print the raw records, one JSON object a line")
    parser.add_argument("--target", choices=[EMBEDDED, ENDPOINT, AWS], help="where the stack is (as for up)")
    parser.add_argument("--stack", dest="stack_name", help="stack name (HARNESS_STACK)")
    parser.add_argument("--region", help="AWS region (as for up)")
    return parser


def _print(event: dict[str, Any], as_json: bool) -> None:
    line = logs.raw_event(event) if as_json else logs.format_event(event)
    if line is not None:
        print(line, flush=True)


def _poll(client: Any, group: str, start_ms: int, request_id: str | None, seen: dict, as_json: bool) -> int:
    """Print the events not printed yet; returns the newest timestamp seen (or ``start_ms``)."""
    newest = start_ms
    for event in logs.events(client, group, start_ms, request_id):
        key = logs.event_key(event)
        if key in seen:
            continue
        seen[key] = event.get("timestamp", 0)
        newest = max(newest, seen[key])
        _print(event, as_json)
    return newest


def _emulator_log(settings: Settings, outputs: dict[str, Any], request_id: str | None) -> int:
    """The embedded emulator's own log, for emulators that keep no CloudWatch Logs; said on stderr."""
    path = settings.state_dir / f"{outputs['emulator']}.log"
    if outputs["target"] != EMBEDDED or not path.exists():
        raise CommandError(f"no CloudWatch Logs group {log_group_name(outputs['function_name'])} on this target")
    print(f"note: {outputs['emulator']} keeps no CloudWatch Logs for the function; showing {path}", file=sys.stderr)
    for line in path.read_text(errors="replace").splitlines():
        if request_id is None or request_id in line:
            print(line)
    return 0


def _logs(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        start_ms = logs.since_ms(args.since)
        if args.request_id:
            logs.request_filter(args.request_id)  # refuses what cannot be a request id, before any call
    except ValueError as error:
        raise CommandError(str(error)) from error
    settings = settings_from_env(target=args.target, stack_name=args.stack_name, region=args.region)
    outputs = stack_that_is_up(settings)
    client = Clients(settings, endpoint_url=outputs["endpoint_url"])("logs")
    group, seen = log_group_name(outputs["function_name"]), {}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        newest = _poll(client, group, start_ms, args.request_id, seen, args.json)
        while args.follow and not stop.wait(FOLLOW_INTERVAL_S):
            start_ms = max(start_ms, newest - FOLLOW_OVERLAP_MS)
            seen = {key: stamp for key, stamp in seen.items() if stamp >= start_ms}
            newest = _poll(client, group, start_ms, args.request_id, seen, args.json)
    except ClientError as error:
        if settings.target == AWS or not is_code(error, *_NO_LOGS):
            raise
        return _emulator_log(settings, outputs, args.request_id)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how --follow ends
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_command(_logs, argv)

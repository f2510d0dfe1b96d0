"""``python -m harness_cli up | down | status | sweep``: provision the stack on the chosen target."""

import argparse
import importlib
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import stack, sweep
from bootstrap.ownership import Found, OwnershipError
from bootstrap.report import Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings, SettingsError
from bootstrap.target import TargetError, resolve
from bootstrap.validation import validate
from harness_cli import debugging
from harness_cli.common import confirm_aws
from local_runtime import emulators, prewarm
from local_runtime.emulators.process import EmulatorError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness_cli", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "sweep"])
    parser.add_argument(
        "--target",
        choices=[EMBEDDED, ENDPOINT, AWS],
        help="embedded emulator (default), the AWS_ENDPOINT_URL endpoint, or the real account (explicit only)",
    )
    parser.add_argument("--emulator", choices=emulators.AVAILABLE, help="embedded emulator (HARNESS_EMULATOR)")
    parser.add_argument("--port", type=int, help="embedded emulator's port (HARNESS_PORT); default 4566 if free")
    parser.add_argument("--stack", dest="stack_name", help="stack name every resource name derives from")
    parser.add_argument("--stage", help="API stage: dev, test, prod, ... (HARNESS_STAGE)")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)")
    parser.add_argument(
        "--consistency-window-ms",
        type=float,
        help="local only: GetItem without ConsistentRead sees the old item for this long after a write",
    )
    parser.add_argument(
        "--prewarm",
        type=int,
        help="local targets: execution environments up starts before returning (HARNESS_PREWARM; 0: none)",
    )
    parser.add_argument(
        "--faults",
        action="store_true",
        default=None,
        help="local only: route the function's DynamoDB calls through the fault proxy (./harness faults)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="up, embedded only: the function's execution environment waits for a debugger (debugpy) to attach",
    )
    parser.add_argument(
        "--debug-port", type=int, help="up --debug: the debugger's port on 127.0.0.1 (HARNESS_DEBUG_PORT; 5678)"
    )
    parser.add_argument("--keep-emulator", action="store_true", help="down: delete the resources, keep the emulator")
    parser.add_argument("--yes", action="store_true", help="real AWS: do not ask for confirmation (CI)")
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="up: take over resources that have this stack's names but not its tags (tags them first)",
    )
    parser.add_argument("--prefix", default="ci-", help="sweep: stack names to consider (default: ci-)")
    parser.add_argument("--older-than-hours", type=float, default=6.0, help="sweep: minimum age (default: 6)")
    return parser


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_ready(outputs: dict, seconds: float, outputs_path: str) -> None:
    url, key = outputs["api_url"], outputs["api_key"]
    body = '{"operation": "create", "tableName": "%s", "payload": {"Item": {"id": "1", "name": "Bob"}}}'
    where = f"{outputs['target']} ({outputs['emulator']})" if outputs.get("emulator") else outputs["target"]
    print(f"\nStack '{outputs['stack_name']}' is up on {where} in {seconds:.1f}s.\n")
    print(f"  URL:  {url}")
    print(f"  Key:  {key}")
    print("\nTry it:\n")
    print(f"  curl -s -X POST '{url}' \\\n    -H 'x-api-key: {key}' -H 'Content-Type: application/json' \\")
    print(f"    -d '{body % outputs['table_name']}'\n")
    stop = os.environ.get("HARNESS_STOP_COMMAND") or "./harness down"
    print(f"Outputs: {outputs_path}   Stop everything: {stop}")


def _prewarm(settings: Settings, outputs: dict, progress: Progress) -> None:
    """Start ``settings.prewarm`` execution environments now, so the first burst finds them warm."""
    clients = resolve(settings, Progress(io.StringIO()), start_emulator=False).clients()
    warmed = prewarm.warm(clients, outputs["function_name"], settings.prewarm)
    what = f"{warmed.count} execution environments"
    progress.say("  {:<14} {:<40} {:<10} {:6.2f}s", "prewarm", what, "warm", warmed.seconds)
    if warmed.failures:
        print(f"note: {len(warmed.failures)} warm-up invocation(s) failed, first: {warmed.failures[0]}")


def _note_left_alone(left_alone: list[Found], stopped_emulator: bool) -> None:
    """``down`` succeeded: everything of this stack is gone. Say what it did not touch, and why."""
    if not left_alone:
        return
    print(f"note: left alone {len(left_alone)} resource(s) with this stack's names but not its tags (not ours):")
    for found in left_alone:
        print(f"  {found.kind:<14} {found.name:<40} {found.describe()}")
    if stopped_emulator:
        print("note: the emulator was stopped, and its state with it; --keep-emulator keeps such resources")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    if settings.target == AWS and args.command in ("up", "down", "sweep"):
        confirm_aws(settings, args.command, args.yes)
    if args.command == "up":
        print(f"up: stack '{settings.stack_name}' on {settings.target}")
        progress = Progress()
        outputs = stack.up(settings, progress, adopt=args.adopt)
        if settings.debug_port is not None:  # one environment, which waits for the debugger: no prewarming
            debugging.start_environment(settings, outputs)
        elif settings.is_emulated and settings.prewarm > 0:
            _prewarm(settings, outputs, progress)
        _print_ready(outputs, time.perf_counter() - started, _shown(settings.outputs_path))
        if settings.debug_port is not None:
            print(debugging.attach_instructions(settings))
    elif args.command == "down":
        print(f"down: stack '{settings.stack_name}' on {settings.target}")
        left_alone = stack.down(settings, Progress(), stop_emulator=not args.keep_emulator)
        _note_left_alone(left_alone, stopped_emulator=settings.target == EMBEDDED and not args.keep_emulator)
        print(f"Done in {time.perf_counter() - started:.1f}s.")
    elif args.command == "sweep":
        clients = resolve(settings, Progress(), start_emulator=False).clients()
        failures = sweep.sweep(settings, clients, args.prefix, timedelta(hours=args.older_than_hours))
        for failure in failures:
            print(f"error: sweep could not take down stack '{failure.stack}': {failure.error}", file=sys.stderr)
        if failures:
            return 1
    else:
        outputs = stack.status(settings)
        if outputs is None:
            print("no stack is up on this target (run: ./harness up)")
            return 3
        print(f"up: {outputs['api_url']}  (key in {settings.outputs_path})")
        _list_stacks(settings, outputs)
    return 0


def _list_stacks(settings: Settings, outputs: dict) -> None:
    """Every harness stack on the same target (other checkouts, test workers, branches), newest first."""
    clients = resolve(settings, Progress(io.StringIO()), start_emulator=False).clients()
    stacks = sweep.stacks_with_age(clients, say=lambda line: print(line, file=sys.stderr))
    where = outputs.get("endpoint_url") or f"AWS {settings.region}"
    print(f"{len(stacks)} stack(s) on {where}:")
    now = datetime.now(UTC)
    for name, made in stacks:
        age = f"made {_ago(now - made)} ago" if made else "no table (an interrupted down?)"
        mine = "  <- this checkout's" if name == settings.stack_name else ""
        print(f"  {name:<44} {age}{mine}")


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# Commands with options of their own each live in a module of this package with ``main(argv) -> int``.
COMMAND_MODULES: dict[str, str] = {"watch": "watch", "logs": "logs", "faults": "faults"}


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every failure ends in one line on stderr and a non-zero exit, never a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMAND_MODULES:
        return importlib.import_module(f"harness_cli.{COMMAND_MODULES[argv[0]]}").main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(
            target=args.target,
            emulator=args.emulator,
            port=args.port,
            stack_name=args.stack_name,
            stage=args.stage,
            region=args.region,
            consistency_window_ms=args.consistency_window_ms,
            prewarm=args.prewarm,
            faults=args.faults,
            debug_port=debugging.debug_port(args.debug, args.debug_port) if args.command == "up" else None,
        )
        validate(settings)
    except SettingsError as error:  # before anything is created or started
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except OwnershipError as error:
        print("\n".join(error.details), file=sys.stderr)
        return _fail(f"error: {error}", 2)
    except (TargetError, EmulatorError) as error:
        return _fail(f"error: {error}", 2)
    except (ClientError, BotoCoreError) as error:
        return _fail(f"error: {args.command} failed: {error}", 1)
    except RuntimeError as error:  # ours, with a message written for the user (IAM propagation, ...)
        return _fail(f"error: {args.command} failed: {error}", 1)
    except KeyboardInterrupt:
        return _fail(f"error: {args.command} interrupted; run it again to converge", 130)
    except Exception as error:  # noqa: BLE001 - the CLI's last resort: one clear line instead of a traceback
        return _fail(f"error: {args.command} failed: {type(error).__name__}: {error}", 1)


def _fail(line: str, code: int) -> int:
    print(" ".join(line.split()), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""``python -m harness_cli COMMAND``: the command line behind ``./harness``; ``COMMAND --help`` lists its options."""

import argparse
import importlib
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import sweep
from bootstrap.clients import EMULATOR_CREDENTIALS
from bootstrap.ownership import Found, OwnershipError
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AUTHORIZATIONS, AWS, EMBEDDED, ENDPOINT, IAM, Settings, SettingsError
from bootstrap.target import TargetError
from bootstrap.validation import validate
from harness_cli import debugging, lifecycle
from harness_cli.common import confirm_aws
from local_runtime import emulators
from local_runtime.processes import EmulatorError

# Commands with options of their own each live in a module of this package with ``main(argv) -> int``.
COMMAND_MODULES: dict[str, str] = {"watch": "watch", "logs": "logs", "faults": "faults"}
COMMAND_SUMMARIES: dict[str, str] = {
    "watch": "hot reload: every saved change to handler/ updates the function",
    "logs": "the function's logs (--follow, --since, --request-id, --json)",
    "faults": "set | list | clear DynamoDB faults for the function (a stack up with --faults)",
}


def _common_options() -> argparse.ArgumentParser:
    """The options every stack command takes: which stack, on which target."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--target",
        choices=[EMBEDDED, ENDPOINT, AWS],
        help="embedded emulator (default), the AWS_ENDPOINT_URL endpoint, or the real account (explicit only)",
    )
    common.add_argument("--emulator", choices=emulators.AVAILABLE, help="embedded emulator (HARNESS_EMULATOR)")
    common.add_argument("--port", type=int, help="embedded emulator's port (HARNESS_PORT); default 4566 if free")
    common.add_argument("--stack", dest="stack_name", help="stack name every resource name derives from")
    common.add_argument("--stage", help="API stage: dev, test, prod, ... (HARNESS_STAGE)")
    common.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)")
    return common


def _add_up(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", common: argparse.ArgumentParser) -> None:
    up = commands.add_parser("up", parents=[common], help="bring the stack up; print its URL, key and a curl command")
    up.add_argument(
        "--consistency-window-ms",
        type=float,
        help="local only: GetItem without ConsistentRead sees the old item for this long after a write",
    )
    up.add_argument(
        "--prewarm",
        type=int,
        help="local targets: execution environments up starts before returning (HARNESS_PREWARM; 0: none)",
    )
    up.add_argument(
        "--faults",
        action="store_true",
        default=None,
        help="local only: route the function's DynamoDB calls through the fault proxy (./harness faults)",
    )
    up.add_argument(
        "--debug",
        action="store_true",
        help="embedded only: the function's execution environment waits for a debugger (debugpy) to attach",
    )
    up.add_argument("--debug-port", type=int, help="the debugger's port on 127.0.0.1 (HARNESS_DEBUG_PORT; 5678)")
    up.add_argument(
        "--adopt",
        action="store_true",
        help="take over resources that have this stack's names but not its tags (tags them first)",
    )
    up.add_argument("--yes", action="store_true", help="real AWS: do not ask for confirmation (CI)")
    up.add_argument("--show-key", action="store_true", help="real AWS: print the API key (emulators always do)")
    up.add_argument(
        "--authorization",
        choices=AUTHORIZATIONS,
        help="api-key (default), or iam: requests are also SigV4-signed (AWS_IAM), as aws-cn needs without an ICP "
        "recordal (HARNESS_AUTHORIZATION)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness_cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options()
    _add_up(commands, common)
    down = commands.add_parser("down", parents=[common], help="delete the stack; stop what it started here")
    emulator = down.add_mutually_exclusive_group()
    emulator.add_argument("--keep-emulator", action="store_true", help="delete the resources, keep the emulator")
    emulator.add_argument(
        "--stop-emulator",
        action="store_true",
        help="stop the embedded emulator even when other stacks live on it (they go with it)",
    )
    down.add_argument("--yes", action="store_true", help="real AWS: do not ask for confirmation (CI)")
    commands.add_parser("status", parents=[common], help="is a stack up? and every stack on the same target")
    sweep_command = commands.add_parser("sweep", parents=[common], help="take down stale stacks (a CI's leftovers)")
    sweep_command.add_argument("--prefix", default="ci-", help="stack names to consider (default: ci-)")
    sweep_command.add_argument("--older-than-hours", type=float, default=6.0, help="minimum age (default: 6)")
    sweep_command.add_argument("--yes", action="store_true", help="real AWS: do not ask for confirmation (CI)")
    for name, summary in COMMAND_SUMMARIES.items():  # listed here; each parses its own options (--help)
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_ready(outputs: dict, seconds: float, outputs_path: str, show_key: bool = False) -> None:
    """The URL, the key and a curl command. A real account's key is a credential: masked in GitHub Actions' log,
    and printed only with ``--show-key`` (the curl reads it from the outputs file instead)."""
    url, key = outputs["api_url"], outputs["api_key"]
    on_aws = outputs["target"] == AWS
    if on_aws and os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::add-mask::{key}")  # GitHub Actions hides the value wherever the log shows it afterwards
    body = '{"operation": "create", "tableName": "%s", "payload": {"Item": {"id": "1", "name": "Bob"}}}'
    where = f"{outputs['target']} ({outputs['emulator']})" if outputs.get("emulator") else outputs["target"]
    print(f"\nStack '{outputs['stack_name']}' is up on {where} in {seconds:.1f}s.\n")
    print(f"  URL:  {url}")
    hidden = on_aws and not show_key
    print(f"  Key:  {f'in {outputs_path} (--show-key prints it)' if hidden else key}")
    print("\nTry it:\n")
    if outputs.get("authorization") == IAM and on_aws:
        print('  eval "$(aws configure export-credentials --format env)"   # your credentials, for curl to sign')
    if hidden:
        read_key = f'python3 -c \'import json; print(json.load(open("{outputs_path}"))["api_key"])\''
        print(f"  KEY=$({read_key})")
    sent_key = "$KEY" if hidden else key
    quote = '"' if hidden else "'"
    print(f"  curl -s -X POST '{url}' \\")
    if outputs.get("authorization") == IAM:  # curl signs with SigV4 itself (7.75 and newer)
        emulator_user = f"{EMULATOR_CREDENTIALS['aws_access_key_id']}:{EMULATOR_CREDENTIALS['aws_secret_access_key']}"
        user = '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"' if on_aws else emulator_user
        print(f"    --aws-sigv4 'aws:amz:{outputs['region']}:execute-api' --user {user} \\")
        if on_aws:  # temporary credentials (SSO, OIDC, an assumed role) sign with their session token too
            print('    -H "x-amz-security-token: $AWS_SESSION_TOKEN" \\')
    print(f"    -H {quote}x-api-key: {sent_key}{quote} -H 'Content-Type: application/json' \\")
    print(f"    -d '{body % outputs['table_name']}'\n")
    stop = os.environ.get("HARNESS_STOP_COMMAND") or "./harness down"
    print(f"Outputs: {outputs_path}   Stop everything: {stop}")


def _prewarm(settings: Settings, outputs: dict, progress: Progress) -> None:
    warmed = lifecycle.warm(settings, outputs, progress)
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
        outputs = lifecycle.up(settings, progress, adopt=args.adopt)
        if settings.debug_port is not None:  # one environment, which waits for the debugger: no prewarming
            debugging.start_environment(settings, outputs)
        elif settings.is_emulated and settings.prewarm > 0:
            _prewarm(settings, outputs, progress)
        _print_ready(outputs, time.perf_counter() - started, _shown(settings.outputs_path), args.show_key)
        if settings.debug_port is not None:
            print(debugging.attach_instructions(settings))
    elif args.command == "down":
        print(f"down: stack '{settings.stack_name}' on {settings.target}")
        progress = Progress()
        left_alone = lifecycle.down(settings, progress, args.keep_emulator, args.stop_emulator)
        _note_left_alone(left_alone, stopped_emulator=progress.outcomes.get("emulator") == Outcome.STOPPED)
        print(f"Done in {time.perf_counter() - started:.1f}s.")
    elif args.command == "sweep":
        target = lifecycle.resolve(settings, Progress(), start_emulator=False)
        failures = sweep.sweep(target, args.prefix, timedelta(hours=args.older_than_hours))
        for failure in failures:
            print(f"error: sweep could not take down stack '{failure.stack}': {failure.error}", file=sys.stderr)
        if failures:
            return 1
    else:
        outputs = lifecycle.status(settings)
        if outputs is None:
            print("no stack is up on this target (run: ./harness up)")
            return 3
        print(f"up: {outputs['api_url']}  (key in {settings.outputs_path})")
        _list_stacks(settings, outputs)
    return 0


def _list_stacks(settings: Settings, outputs: dict) -> None:
    """Every harness stack on the same target (other checkouts, test workers, branches), newest first."""
    clients = lifecycle.resolve(settings, Progress(io.StringIO()), start_emulator=False).clients()
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
            consistency_window_ms=getattr(args, "consistency_window_ms", None),
            prewarm=getattr(args, "prewarm", None),
            authorization=getattr(args, "authorization", None),
            faults=getattr(args, "faults", None),
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

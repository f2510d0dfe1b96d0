"""``./harness watch``: hot reload. Every saved change to the handler updates the stack's function.

One line per reload: the files that changed, the new CodeSha256 and the time taken. A syntax error is
reported and nothing is uploaded; a save that leaves the zip as it was uploads nothing either.
"""

import argparse
import signal
import threading
from pathlib import Path
from typing import Any

from bootstrap import function, ownership, package
from bootstrap.clients import Clients
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT
from harness_cli.common import CommandError, confirm_aws, run_command, settings_from_env, stack_that_is_up
from local_runtime.watch import Reload, Reloader, shown, watch


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./harness watch", description=__doc__)
    parser.add_argument("--source", type=Path, help="the handler's folder (HARNESS_HANDLER_DIR; default handler/)")
    parser.add_argument("--target", choices=[EMBEDDED, ENDPOINT, AWS], help="where the stack is (as for up)")
    parser.add_argument("--stack", dest="stack_name", help="stack name (HARNESS_STACK)")
    parser.add_argument("--region", help="AWS region (as for up)")
    parser.add_argument("--yes", action="store_true", help="real AWS: do not ask for confirmation")
    return parser


def _check_ours(lambda_client: Any, outputs: dict[str, Any], stack_name: str, account: str | None) -> None:
    """Before any upload: the outputs are of this account, and the function carries this stack's tags."""
    if account is not None and outputs.get("account_id") != account:
        raise CommandError(
            f"the stack saved here is in account {outputs.get('account_id')}, these credentials are account "
            f"{account}: nothing is updated"
        )
    tags = function.read_tags(lambda_client, outputs["function_name"])
    if not ownership.is_ours(tags, ownership.stack_tags(stack_name)):
        raise CommandError(
            f"function {outputs['function_name']} is not stack '{stack_name}' (its tags: {tags}): nothing is updated"
        )


def _print(reload: Reload) -> None:
    print(reload.line(), flush=True)


def _watch(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    settings = settings_from_env(
        target=args.target,
        stack_name=args.stack_name,
        region=args.region,
        handler_dir=args.source.resolve() if args.source else None,
    )
    source = settings.handler_dir or package.HANDLER_DIR
    if not (source / "app.py").is_file():
        raise CommandError(f"{shown(source)} is not a handler folder (no app.py)")
    account = confirm_aws(settings, "watch (update the function code of)", args.yes) if settings.target == AWS else None
    outputs = stack_that_is_up(settings)
    lambda_client = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    _check_ours(lambda_client, outputs, settings.stack_name, account)
    reloader = Reloader(lambda_client, outputs["function_name"], source)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    print(f"watching {shown(source)} for stack '{settings.stack_name}' ({outputs['function_name']}); Ctrl-C stops")

    def watching() -> None:
        first = reloader.reload()  # edits made while nothing watched; also fills the zip cache for fast reloads
        if first.outcome != "unchanged":
            _print(first)
        print(f"serving CodeSha256 {reloader.deployed}", flush=True)

    watch(reloader, _print, stop, watching)
    print("stopped watching", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_command(_watch, argv)

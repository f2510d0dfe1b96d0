"""``./harness faults set | list | clear``: make the local stack's DynamoDB fail, at run time, without redeploying.

The stack must be up with ``./harness up --faults`` (its function then calls DynamoDB through the fault
proxy). Examples:

  ./harness faults set --operation PutItem --error ThrottlingException --probability 1
  ./harness faults set --operation all --latency-ms 3000
  ./harness faults set --operation GetItem --drop --count 2      # the next two GetItem calls only
  ./harness faults list
  ./harness faults clear [--operation PutItem]
"""

import argparse
import os
import sys

from bootstrap.settings import AWS
from harness_cli.common import CommandError, run_command, settings_from_env, stack_that_is_up
from local_runtime.faults.client import FaultApi, FaultApiError
from local_runtime.faults.launcher import LOCAL_ONLY
from local_runtime.faults.rules import ALL, AWS_ERRORS, MAX_LATENCY_MS, OPERATIONS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, as every other failure of the CLI
        raise CommandError(f"faults: {message} (see ./harness faults --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="./harness faults", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", dest="stack_name", help="the stack (HARNESS_STACK); default lambda-apigateway")
    parser.add_argument("--target", help="only local targets have faults: embedded (default) or endpoint")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    put = commands.add_parser("set", help="set the fault of one operation (replacing its previous one)")
    put.add_argument("--operation", required=True, choices=[*OPERATIONS, ALL])
    effect = put.add_mutually_exclusive_group()
    effect.add_argument("--error", choices=list(AWS_ERRORS), help="answer this DynamoDB error; nothing is written")
    effect.add_argument("--drop", action="store_true", help="close the connection without an answer")
    put.add_argument("--latency-ms", type=float, default=0.0, help=f"wait this long first (0-{MAX_LATENCY_MS})")
    put.add_argument("--probability", type=float, default=1.0, help="chance that a call fails, 0 to 1 (default 1)")
    put.add_argument("--count", type=int, help="only the next N calls that fail (default: until cleared)")
    commands.add_parser("list", help="the stack's active faults")
    clear = commands.add_parser("clear", help="clear the stack's faults (one operation's, with --operation)")
    clear.add_argument("--operation", choices=[*OPERATIONS, ALL])
    return parser


def _describe(rule: dict) -> str:
    effect = rule["error"] or ("drop the connection" if rule["drop"] else "pass")
    latency = f" after {rule['latency_ms']:g} ms" if rule["latency_ms"] else ""
    left = "until cleared" if rule["count"] is None else f"{rule['count']} more"
    return f"  {rule['operation']:<11} {effect}{latency}, probability {rule['probability']:g}, {left}"


def _faults_of_the_stack(args: argparse.Namespace) -> FaultApi:
    if (args.target or os.environ.get("HARNESS_TARGET")) == AWS:  # before anything asks AWS for a region
        raise CommandError(LOCAL_ONLY)
    settings = settings_from_env(stack_name=args.stack_name, target=args.target)
    outputs = stack_that_is_up(settings)
    if not outputs.get("faults") or not outputs.get("fault_proxy_url"):
        raise CommandError(
            f"stack '{outputs['stack_name']}' calls DynamoDB directly: run ./harness up --faults to put the fault "
            "proxy in its path (no redeploy is needed after that)"
        )
    return FaultApi(outputs["fault_proxy_url"], outputs["table_name"])


def _body(argv: list[str] | None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    faults = _faults_of_the_stack(args)
    try:
        if args.command == "set":
            rule = {"error": args.error, "drop": args.drop, "latency_ms": args.latency_ms}
            rule.update(probability=args.probability, count=args.count)
            print("set:\n" + _describe(faults.set(args.operation, **rule)))
        elif args.command == "list":
            rules = faults.listed()
            print("\n".join(["faults:", *map(_describe, rules)]) if rules else "no faults are set")
        else:
            cleared = faults.clear(args.operation)
            print("\n".join(["cleared:", *map(_describe, cleared)]) if cleared else "no faults were set")
    except FaultApiError as error:
        raise CommandError(f"faults {args.command}: {error}") from error
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_command(_body, argv)

"""``python -m bootstrap up | down | status``: provision the stack on the chosen target."""

import argparse
import sys
import time

from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import emulators, stack
from bootstrap.emulators.process import EmulatorError
from bootstrap.report import Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings
from bootstrap.target import TargetError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bootstrap", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument(
        "--target",
        choices=[EMBEDDED, ENDPOINT, AWS],
        help="embedded emulator (default), the AWS_ENDPOINT_URL endpoint, or the real account (explicit only)",
    )
    parser.add_argument("--emulator", choices=emulators.AVAILABLE, help="embedded emulator (HARNESS_EMULATOR)")
    parser.add_argument("--port", type=int, help="embedded emulator's port (HARNESS_PORT); default 4566 if free")
    parser.add_argument("--stack", dest="stack_name", help="stack name every resource name derives from")
    parser.add_argument("--stage", help="API stage: dev, test, prod, ... (HARNESS_STAGE)")
    parser.add_argument("--region", help="AWS region (AWS_REGION)")
    parser.add_argument("--keep-emulator", action="store_true", help="down: delete the resources, keep the emulator")
    return parser


def _print_ready(outputs: dict, seconds: float) -> None:
    url, key = outputs["api_url"], outputs["api_key"]
    body = '{"operation": "create", "tableName": "%s", "payload": {"Item": {"id": "1", "name": "Bob"}}}'
    print(f"\nStack '{outputs['stack_name']}' is up on {outputs['target']} in {seconds:.1f}s.\n")
    print(f"  URL:  {url}")
    print(f"  Key:  {key}")
    print("\nTry it:\n")
    print(f"  curl -s -X POST '{url}' \\\n    -H 'x-api-key: {key}' -H 'Content-Type: application/json' \\")
    print(f"    -d '{body % outputs['table_name']}'\n")
    print("Outputs: .stack/outputs.json   Stop everything: python -m bootstrap down")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env().with_overrides(
        target=args.target,
        emulator=args.emulator,
        port=args.port,
        stack_name=args.stack_name,
        stage=args.stage,
        region=args.region,
    )
    started = time.perf_counter()
    try:
        if args.command == "up":
            print(f"up: stack '{settings.stack_name}' on {settings.target}")
            _print_ready(stack.up(settings, Progress()), time.perf_counter() - started)
        elif args.command == "down":
            print(f"down: stack '{settings.stack_name}' on {settings.target}")
            stack.down(settings, Progress(), stop_emulator=not args.keep_emulator)
            print(f"Done in {time.perf_counter() - started:.1f}s.")
        else:
            outputs = stack.status(settings)
            if outputs is None:
                print("down: no stack is up on this target (run: python -m bootstrap up)")
                return 3
            print(f"up: {outputs['api_url']}  (key in .stack/outputs.json)")
    except (TargetError, EmulatorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: {args.command} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

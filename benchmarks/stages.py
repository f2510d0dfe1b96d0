"""Shares out a py-spy profile of LocalStack's process among the stages of a request through the API.

Input: folded stacks (``py-spy record --pid PID --gil --rate 200 --format raw -o FILE``), one line per stack,
``frame;frame;... COUNT``. Each sample goes to the innermost service frame it holds (our executor and extension,
the Lambda log loop, the Lambda service, API Gateway, DynamoDB with our forward and the function's in-process calls,
CloudWatch Logs); a sample without one is the gateway's: the handler chain when it is inside ``Gateway.process``,
else the HTTP server (Twisted's reactor and WSGI bridge, or our ``threaded_server.py``). Usage
(docs/performance.md, "Where a LocalStack request's time goes"):

    python -m benchmarks.stages FILE --cpu-ms 19   # ms of CPU per request: the /proc figure shared out
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

SERVICES = [  # (stage, frame pattern): where several match, the innermost frame decides
    ("the function's PutItem, forwarded to DynamoDB Local", r"harness_lambda_executor/(dynamodb_forward|sdk_calls)"),
    ("API Gateway, its Invoke of the function included", r"harness_lambda_executor/lambda_integration"),
    (
        "Lambda: invoke, our executor and its channel, our extension",
        r"harness_lambda_executor/(?!threaded_server|dynamodb_forward|sdk_calls|lambda_integration)",
    ),
    ("the function's logs: log loop, Logs provider", r"services/lambda_/invocation/logs\.py"),
    ("Lambda: invoke, our executor and its channel, our extension", r"services/lambda_/"),
    ("API Gateway, its Invoke of the function included", r"services/apigateway/"),
    ("the function's PutItem, forwarded to DynamoDB Local", r"services/dynamodb/"),
    ("the function's logs: log loop, Logs provider", r"services/logs/|moto/logs/"),
]
HANDLER_CHAIN = "handler chain: routing, parsing, serialising, request log"
HTTP_SERVER = "HTTP server: Twisted's reactor, WSGI bridge and thread hand-offs, or our threaded server"
OTHER = "other threads"


def stage(stack: str) -> str:
    frames = stack.split(";")
    found, depth = None, -1
    for name, pattern in SERVICES:
        for index, frame in enumerate(frames):
            if index > depth and re.search(pattern, frame):
                found, depth = name, index
    if found:
        return found
    if "Gateway.process (rolo/gateway" in stack:
        return HANDLER_CHAIN
    if any(server in stack for server in ("twisted/", "rolo/serving", "socketserver.py", "threaded_server.py")):
        return HTTP_SERVER
    return OTHER


def shares(lines: list[str]) -> Counter[str]:
    samples: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            samples[stage(stack)] += int(count)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path, help="py-spy's --format raw output")
    parser.add_argument("--cpu-ms", type=float, help="the process's CPU per request (/proc), to share out")
    args = parser.parse_args(argv)
    samples = shares(args.profile.read_text().splitlines())
    total = sum(samples.values()) or 1
    for name, count in samples.most_common():
        ms = f"  {count / total * args.cpu_ms:5.2f} ms" if args.cpu_ms else ""
        print(f"{100 * count / total:5.1f} %{ms}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

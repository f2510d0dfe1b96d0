"""Benchmarks (not tests): `up` time, latency through the API next to a direct DynamoDB call, throughput.

Runs on its own emulator (own state folder, own free port), so a stack you have up is left alone.
Usage: python -m benchmarks.bench [--requests 300] [--clients 16] [--emulator ministack] [--prewarm N]
       python -m benchmarks.bench --docker compose-localstack|compose-ministack   (needs a Docker engine)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import measure
from bootstrap.settings import Settings
from local_runtime.docker_targets import compose_stack
from local_runtime.processes import EmulatorRecord, pick_port

ROOT = Path(__file__).resolve().parent.parent


def bootstrap(command: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "harness_cli", command],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# Measure the emulated path itself, not the usage plan's (deliberately low) default throttle.
UNTHROTTLED = {
    "HARNESS_PLAN_RATE_LIMIT": "10000",
    "HARNESS_PLAN_BURST_LIMIT": "5000",
    "HARNESS_STAGE_RATE_LIMIT": "10000",
    "HARNESS_STAGE_BURST_LIMIT": "5000",
}


def bench_embedded(args: argparse.Namespace, state_dir: str) -> None:
    env = {
        **os.environ,
        **UNTHROTTLED,
        "HARNESS_STATE_DIR": state_dir,
        "HARNESS_EMULATOR": args.emulator,
        "HARNESS_PORT": str(pick_port(4800)),
        "HARNESS_TARGET": "embedded",
        "HARNESS_STACK": "bench",
        **({"HARNESS_PREWARM": str(args.prewarm)} if args.prewarm is not None else {}),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT", None)
    try:
        cold = bootstrap("up", env)
        warm = bootstrap("up", env)
        prewarm = Settings.from_env(env).prewarm
        print(f"emulator: {args.emulator}   machine: {os.cpu_count()} cores   python {sys.version.split()[0]}")
        print(f"load average before: {os.getloadavg()[0]:.1f}   up prewarms {prewarm} execution environments")
        print(f"up from nothing (emulator start + every resource): {cold:5.2f} s")
        print(f"up again, nothing to change:                       {warm:5.2f} s")
        outputs = json.loads((Path(state_dir) / "outputs.json").read_text())
        record = EmulatorRecord.load(Path(state_dir) / "emulator.json")
        measure(Settings.from_env(env), outputs, args, record.pid if record else None)
    finally:
        bootstrap("down", env)


def bench_compose(args: argparse.Namespace, state_dir: str) -> None:
    """``docker compose up`` (images built or cached), timed until the bootstrap has deployed the stack."""
    emulator = args.docker.removeprefix("compose-")
    started = time.perf_counter()
    with compose_stack(Settings(), Path(state_dir), emulator, {**UNTHROTTLED, "HARNESS_STACK": "bench"}) as target:
        ready = time.perf_counter() - started
        print(f"docker compose up ({emulator}) until the stack is deployed: {ready:5.2f} s   {os.cpu_count()} cores")
        measure(target.settings, json.loads((Path(state_dir) / "outputs.json").read_text()), args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="requests per latency series and in the load burst")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in the load burst")
    parser.add_argument("--emulator", default=os.environ.get("HARNESS_EMULATOR", "ministack"))
    parser.add_argument("--prewarm", type=int, help="execution environments up prewarms (default: HARNESS_PREWARM, 16)")
    parser.add_argument(
        "--docker", choices=["compose-localstack", "compose-ministack"], help="a Docker Compose stack instead"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as state_dir:
        (bench_compose if args.docker else bench_embedded)(args, state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

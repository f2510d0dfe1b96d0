"""Benchmarks (not tests): `up` time, latency through the API next to a direct DynamoDB call, throughput.

Runs on its own emulator (own state folder, own free port), so a stack you have up is left alone. Several targets
are measured one after the other, ``--rounds`` times over (A B A B), and shown side by side at the end.
Usage: python -m benchmarks.bench [--requests 300] [--clients 16] [--prewarm N] [--rounds 1]
           [--target ministack,localstack,compose-localstack,compose-ministack]   (compose-*: a Docker engine)
       --emulator ministack|localstack, --docker compose-localstack|compose-ministack: one target, as --target NAME
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.figures import TargetRun
from benchmarks.measure import measure, timed
from benchmarks.side_by_side import UNIT_PROGRAM, UNIT_RUNS, render
from bootstrap.settings import EMULATORS, Settings
from local_runtime.docker_targets import compose_stack, docker_engine_available
from local_runtime.processes import EmulatorRecord, pick_port

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = "compose-"
TARGETS = (*EMULATORS, *(f"{COMPOSE}{emulator}" for emulator in ("localstack", "ministack")))
NO_ENGINE = "skipped: no Docker engine answers (docker info)"


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


def bench_embedded(emulator: str, args: argparse.Namespace, state_dir: str) -> TargetRun:
    env = {
        **os.environ,
        **UNTHROTTLED,
        "HARNESS_STATE_DIR": state_dir,
        "HARNESS_EMULATOR": emulator,
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
        print(f"emulator: {emulator}   machine: {os.cpu_count()} cores   python {sys.version.split()[0]}")
        print(f"load average before: {os.getloadavg()[0]:.1f}   up prewarms {prewarm} execution environments")
        print(f"up from nothing (emulator start + every resource): {cold:5.2f} s")
        print(f"up again, nothing to change:                       {warm:5.2f} s")
        outputs = json.loads((Path(state_dir) / "outputs.json").read_text())
        record = EmulatorRecord.load(Path(state_dir) / "emulator.json")
        measured = measure(Settings.from_env(env), outputs, args, record.pid if record else None)
        return TargetRun(emulator, cold, warm, measured)
    finally:
        bootstrap("down", env)


def bench_compose(target: str, args: argparse.Namespace, state_dir: str) -> TargetRun:
    """``docker compose up`` (images built or cached), timed until the bootstrap has deployed the stack."""
    emulator = target.removeprefix(COMPOSE)
    started = time.perf_counter()
    with compose_stack(Settings(), Path(state_dir), emulator, {**UNTHROTTLED, "HARNESS_STACK": "bench"}) as stack:
        ready = time.perf_counter() - started
        print(f"docker compose up ({emulator}) until the stack is deployed: {ready:5.2f} s   {os.cpu_count()} cores")
        measured = measure(stack.settings, json.loads((Path(state_dir) / "outputs.json").read_text()), args)
        return TargetRun(target, ready, None, measured)


def bench_target(target: str, args: argparse.Namespace) -> TargetRun:
    """One target on a state folder of its own, taken down before this returns. A compose target without a Docker
    engine is skipped; a target that fails is reported as failed, and the next one runs."""
    print(f"\n=== {target} ===", flush=True)
    if target.startswith(COMPOSE) and not docker_engine_available():
        print(f"{target}: {NO_ENGINE}")
        return TargetRun(target, not_measured=NO_ENGINE)
    try:
        with tempfile.TemporaryDirectory(prefix="harness-bench-") as state_dir:
            return (bench_compose if target.startswith(COMPOSE) else bench_embedded)(target, args, state_dir)
    except Exception as error:  # noqa: BLE001 - one target failing leaves the others to be measured
        traceback.print_exc()
        return TargetRun(target, not_measured=f"failed: {(str(error).strip() or repr(error)).splitlines()[0][:160]}")


def machine_unit() -> float:
    """The median wall time of ``python3 -c UNIT_PROGRAM``: divide a figure by it to compare machines."""
    command = [shutil.which("python3") or sys.executable, "-c", UNIT_PROGRAM]
    return statistics.median(timed(lambda: subprocess.run(command, check=True)) for _ in range(UNIT_RUNS))


def target_list(text: str) -> list[str]:
    """``--target a,b``: known targets, each once (``--rounds`` repeats them)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names or any(name not in TARGETS for name in names) or len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"{text!r}: each target once, of {', '.join(TARGETS)}")
    return names


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number from 1")
    return int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, and ``targets``: what to measure, in order. ``--target``'s, or the one ``--docker`` or
    ``--emulator`` names, else HARNESS_EMULATOR's."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per latency series and in the load burst")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in the load burst")
    parser.add_argument("--prewarm", type=int, help="execution environments up prewarms (default: HARNESS_PREWARM, 16)")
    parser.add_argument("--target", type=target_list, help=f"targets, comma-separated, of: {', '.join(TARGETS)}")
    parser.add_argument("--rounds", type=positive, default=1, help="measure the targets this many times, alternated")
    parser.add_argument("--emulator", choices=EMULATORS, help="one embedded target: the same as --target NAME")
    parser.add_argument("--docker", choices=TARGETS[len(EMULATORS) :], help="one Compose target: as --target NAME")
    args = parser.parse_args(argv)
    if args.target and (args.emulator or args.docker):
        parser.error("--target names every target: leave out --emulator and --docker")
    default = os.environ.get("HARNESS_EMULATOR", "ministack")
    if not (args.target or args.docker or args.emulator) and default not in EMULATORS:
        parser.error(f"HARNESS_EMULATOR={default} is not an embedded emulator: name the target with --target")
    args.targets = args.target or [args.docker or args.emulator or default]
    return args


def main(argv: list[str] | None = None) -> int:
    """Every target in turn, ``--rounds`` times; then the side-by-side table, also after a failure or Ctrl-C."""
    args = parse_args(argv)
    unit = machine_unit()
    print(f'machine unit: {unit:.2f} s (python3 -c "{UNIT_PROGRAM}", median of {UNIT_RUNS})')
    runs: list[TargetRun] = []
    interrupted = False
    try:
        for _ in range(args.rounds):
            for target in args.targets:
                runs.append(bench_target(target, args))
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: the table holds what was measured before", file=sys.stderr)
    if runs:
        print(f"\n{args.requests} requests a series and a burst, {args.clients} clients a burst")
        print(render(runs, unit))
    if interrupted:
        return 130
    return 1 if any(run.not_measured.startswith("failed") for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

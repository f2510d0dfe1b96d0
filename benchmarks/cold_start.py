"""Benchmark (not a test): one MiniStack cold start of the project's function, from ``Worker._spawn`` to "ready".

Runs MiniStack's worker code in this process (no emulator, no HTTP): N execution environments of the packaged
function are started one after another and stopped; prints the wall time of each ``_spawn`` and the CPU the
environment's process used until ready (``/proc/<pid>/stat``). ``HARNESS_FORK_SERVER=0`` measures the plain
subprocesses. Usage: python -m benchmarks.cold_start [N]
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TMPDIR", tempfile.mkdtemp(prefix="cold-start-"))
os.environ.update(AUTH="false", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")  # noqa: S106 - dummy

from ministack.core import lambda_runtime  # noqa: E402

from bootstrap import package  # noqa: E402
from local_runtime.ministack.patches import apply_patches  # noqa: E402

CONFIG = {
    "FunctionName": "cold-start",
    "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:cold-start",
    "Runtime": "python3.11",
    "Handler": "handler.app.lambda_handler",
    "Environment": {"Variables": {"TABLE_NAME": "cold-start", "LOG_LEVEL": "INFO"}},
}


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime + stime


def main(count: int) -> None:
    apply_patches()
    code = package.build_zip()
    walls, cpus = [], []
    for _ in range(count + 1):  # the first also waits for the fork server's start: not counted
        worker = lambda_runtime.Worker("cold-start", CONFIG, code)
        started = time.perf_counter()
        worker._spawn()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append(cpu_ms(worker._proc.pid))
        lambda_runtime.kill_workers([worker])
    walls, cpus = walls[1:], cpus[1:]
    print(f"fork server: {os.environ.get('HARNESS_FORK_SERVER', '1')}   load average: {os.getloadavg()[0]:.1f}")
    print(f"cold start wall (_spawn to ready): median {statistics.median(walls):.0f} ms  min {min(walls):.0f} ms")
    print(f"cold start CPU of the environment: median {statistics.median(cpus):.0f} ms  min {min(cpus):.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

"""CPU per request of a burst: the emulator, its execution environments, and the load generator itself.

On 2 shared cores req/s moves with whatever else runs; the CPU a request costs does not, or much less. The
emulator is a process-group leader (``process.spawn`` starts it in its own session) and keeps its children in
that group: the fork server and every execution environment. Each one's utime + stime (``/proc/<pid>/stat``)
is read before and after; a process that ended meanwhile is counted in its parent's cutime + cstime once
reaped, so those are read too. Linux only, like the rest of the embedded target.
"""

import os
import resource
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class GroupCpu:
    leader_s: float  # the emulator's own CPU, its threads included
    others_s: float  # every other process of its group (fork server, execution environments), reaped ones included
    processes: int


def group_cpu(pgid: int, proc: Path = Path("/proc")) -> GroupCpu:
    leader, others, processes = 0.0, 0.0, 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) != pgid or fields[0] == "Z":
            continue
        own, reaped = (int(fields[11]) + int(fields[12])) / TICKS, (int(fields[13]) + int(fields[14])) / TICKS
        if int(stat.parent.name) == pgid:
            leader, others = leader + own, others + reaped
        else:
            others += own + reaped
        processes += 1
    return GroupCpu(leader, others, processes)


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def describe(before: GroupCpu, after: GroupCpu, client_s: float, requests: int) -> str:
    """One line: milliseconds of CPU per request in each part, and the group's processes before and after."""

    def per_request(seconds: float) -> str:
        return f"{seconds * 1000 / requests:.2f}"

    emulator, functions = after.leader_s - before.leader_s, after.others_s - before.others_s
    return (
        f"per request: emulator {per_request(emulator)} ms, its other processes (execution environments, fork "
        f"server) {per_request(functions)} ms, this client {per_request(client_s)} ms; "
        f"processes in the emulator's group {before.processes} -> {after.processes}"
    )

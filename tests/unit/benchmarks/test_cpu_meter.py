"""The bench's CPU per request: which processes count for the emulator, which for its other processes."""

import pytest

from benchmarks import cpu_meter

pytestmark = pytest.mark.unit
TICKS = cpu_meter.TICKS


def _stat(proc, pid: int, pgid: int, ticks: tuple[int, int, int, int], state: str = "S") -> None:
    """A /proc/<pid>/stat line: pid (comm) state ppid pgrp ... utime stime cutime cstime (fields 14-17)."""
    fields = [state, "1", str(pgid), *["0"] * 8, *map(str, ticks), "20", "0"]
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "stat").write_text(f"{pid} (py thon) " + " ".join(fields) + "\n")


def test_group_cpu__leader_alone_others_with_what_they_reaped(tmp_path):
    # GIVEN an emulator (leader of group 100), two of its processes, a zombie, and a process of another group
    _stat(tmp_path, 100, 100, (3 * TICKS, TICKS, 2 * TICKS, 0))  # its cutime: environments it reaped
    _stat(tmp_path, 101, 100, (TICKS, 0, TICKS, TICKS))  # the fork server, which reaped environments too
    _stat(tmp_path, 102, 100, (2 * TICKS, TICKS, 0, 0))  # an execution environment
    _stat(tmp_path, 103, 100, (50 * TICKS, 0, 0, 0), state="Z")
    _stat(tmp_path, 200, 200, (70 * TICKS, 0, 0, 0))
    # WHEN the group's CPU is read
    cpu = cpu_meter.group_cpu(100, tmp_path)
    # THEN the leader's own time is the emulator's; everything else of the group, reaped children included, the rest
    assert cpu == cpu_meter.GroupCpu(leader_s=4.0, others_s=2.0 + 3.0 + 3.0, processes=3)


def test_describe__milliseconds_per_request_and_the_process_count():
    before, after = cpu_meter.GroupCpu(1.0, 2.0, 18), cpu_meter.GroupCpu(2.2, 3.5, 18)
    line = cpu_meter.describe(before, after, client_s=0.15, requests=300)
    assert line.startswith("per request: emulator 4.00 ms, its other processes")
    assert "server) 5.00 ms, this client 0.50 ms;" in line and line.endswith("group 18 -> 18")

"""Process bookkeeping with real processes: marked children are found and stopped, orphans included."""

import os
import socket
import subprocess
import sys

import pytest

from local_runtime.processes import (
    EmulatorRecord,
    PortTakenError,
    is_alive,
    listens_on,
    owned_processes,
    owner_environment,
    pick_port,
    poll_until,
    spawn,
    start_on_free_port,
    stop_recorded,
)

pytestmark = pytest.mark.unit
# A parent that starts a child in a session of its own (as LocalStack starts DynamoDB Local's JVM), then waits.
PARENT = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True); "
    "time.sleep(60)"
)


def test_stop_recorded__stops_the_group_and_the_child_that_left_it(tmp_path):
    record_path = tmp_path / "emulator.json"
    env = {**owner_environment(record_path), "PATH": "/usr/bin:/bin"}
    parent = spawn([sys.executable, "-c", PARENT], env, tmp_path / "log")
    EmulatorRecord("test", parent.pid, 0, "http://127.0.0.1:0", str(tmp_path / "log")).save(record_path)
    # GIVEN the parent and its escaped child are both running and marked
    assert poll_until(lambda: len(owned_processes(record_path)) == 2, 10)
    # WHEN the record is stopped
    stop_recorded(record_path)
    # THEN nothing marked is left, and the record is gone
    assert owned_processes(record_path) == []
    assert not is_alive(parent.pid)
    assert not record_path.exists()


def test_stop_recorded__without_a_record_is_a_no_op(tmp_path):
    assert stop_recorded(tmp_path / "none.json") is None


def test_owned_processes__ignores_other_owners(tmp_path):
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "import time; time.sleep(30)"], env=owner_environment(tmp_path / "a.json")
    )
    try:
        assert owned_processes(tmp_path / "b.json") == []
        assert owned_processes(tmp_path / "a.json") == [child.pid]
    finally:
        child.kill()
        child.wait()


def test_listens_on__true_for_the_process_holding_the_socket_only():
    # GIVEN this process listening on a loopback port (the kernel's choice: a port picked from a range first could be
    # taken by another worker's emulator before the bind, as 4900 once was by test_ministack_server's)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        # THEN the listener is found in this process, and not in another one
        assert listens_on(port, [os.getpid()])
        assert not listens_on(port, [os.getppid()])
    assert not listens_on(port, [os.getpid()])


def test_start_on_free_port__a_port_taken_meanwhile_is_picked_again_above_it():
    # GIVEN a start that loses the race for the first port it is given (another up bound it first)
    tried = []

    def start(port):
        tried.append(port)
        if len(tried) == 1:
            raise PortTakenError(f"port {port} taken")
        return EmulatorRecord("x", 1, port, f"http://127.0.0.1:{port}", "log")

    # WHEN started on a free port, THEN the second attempt is on a port above the first, and is the one used
    record = start_on_free_port(pick_port(47100), start)
    assert len(tried) == 2 and tried[1] > tried[0] and record.port == tried[1]


def test_start_on_free_port__gives_up_after_its_attempts():
    def always_taken(port):
        raise PortTakenError(f"port {port} taken")

    with pytest.raises(PortTakenError):
        start_on_free_port(pick_port(47200), always_taken, attempts=2)

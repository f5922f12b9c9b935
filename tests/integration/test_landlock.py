"""
Landlock: after start-up the monitor (still uid 0) may write only the
directories of its database, control socket and pid file.  The live
monitor is made to create files itself (gdb_syscall in conftest, as
test_sandbox makes net run a forbidden call) and the kernel refuses the
ones elsewhere.
"""
import ctypes
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import SYS_OPENAT, AT_FDCWD, gdb_result, gdb_syscall

SYS_LANDLOCK_CREATE_RULESET = 444
LANDLOCK_CREATE_RULESET_VERSION = 1
O_WRONLY, O_CREAT, O_EXCL, O_CLOEXEC = 0o1, 0o100, 0o200, 0o2000000
EACCES = 13


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), None,
                        ctypes.c_long(0),
                        ctypes.c_long(LANDLOCK_CREATE_RULESET_VERSION))


def path_at_stack(path, below=512):
    """gdb commands that write path, NUL-terminated, below the stack."""
    data = path.encode() + b"\0"
    data += b"\0" * (-len(data) % 8)
    return [f"set *(unsigned long *)($rsp - {below - i}) = "
            f"{int.from_bytes(data[i:i + 8], 'little')}"
            for i in range(0, len(data), 8)]


def monitor_creates(daemon, path):
    """The monitor's own openat(O_CREAT) of path: an fd or -errno."""
    out = gdb_syscall(daemon.pid, SYS_OPENAT,
                      (AT_FDCWD, "$rsp - 512",
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600),
                      restore=True, pre=path_at_stack(path))
    return gdb_result(out)


@pytest.fixture
def elsewhere():
    d = Path(tempfile.mkdtemp(prefix="herald-itg-landlock-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_monitor_cannot_create_files_elsewhere(running, elsewhere):
    if landlock_abi() < 0:
        pytest.skip("this kernel has no Landlock")
    target = elsewhere / "crontab"
    assert monitor_creates(running, str(target)) == -EACCES
    assert not target.exists()
    # Not even as root, where root could: /etc.
    probe = Path("/etc/herald-itg-landlock-probe")
    try:
        assert monitor_creates(running, str(probe)) == -EACCES
        assert not probe.exists()
    finally:
        if probe.exists():
            probe.unlink()
    assert running.status()["processes"][0]["state"] == "running"


def test_monitor_still_writes_its_database_directory(running):
    if landlock_abi() < 0:
        pytest.skip("this kernel has no Landlock")
    target = running.database.parent / "landlock-probe"
    assert monitor_creates(running, str(target)) >= 0
    assert target.exists()
    running.wait_log(r"^monitor: landlock: ABI \d+, \d+ directories$")


def test_without_landlock_the_log_says_so(running):
    if landlock_abi() >= 0:
        pytest.skip("this kernel has Landlock")
    running.wait_log(r"^monitor: landlock: not available")

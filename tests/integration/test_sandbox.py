"""
The seccomp filters, exercised for real: gdb attaches to a live process
and makes it execute a system call itself (see gdb_syscall in conftest).
Nothing in the daemon helps: no test hook, no back door.
"""
import signal

import pytest

from conftest import (AF_INET, AF_UNIX, AT_FDCWD, EACCES, SOCK_STREAM,
                      SYS_GETPID, SYS_OPENAT, SYS_SOCKET, gdb_result,
                      gdb_syscall, proc_gone, wait_for)

@pytest.mark.parametrize("name", ["net", "broker"])
def test_forbidden_syscall_kills_the_child_and_the_daemon(running, name):
    pid = running.children[name]
    out = gdb_syscall(pid, SYS_SOCKET, (AF_INET, SOCK_STREAM, 0))
    assert "Program terminated with signal SIGSYS" in out, \
        f"gdb did not see the child die of SIGSYS:\n{out}"
    running.expect_exit = 1
    assert running.wait_exit() == 1
    log = running.log()
    assert f"SECURITY: {name} process violated its sandbox and was killed" \
        in log
    assert f"{name} process killed by signal 31 (SIGSYS): sandbox " \
        f"violation; stopping heraldd" in log
    wait_for(lambda: proc_gone(pid), f"{name} pid {pid} to be gone")
    other = running.children["broker" if name == "net" else "net"]
    wait_for(lambda: proc_gone(other), f"the other child pid {other} to go")
    assert not running.socket.exists(), "control socket left behind"


@pytest.mark.parametrize("call,args,expect", [
    ("getpid", (), "pid"),
    ("openat", (AT_FDCWD, 0, 0), -EACCES),
], ids=["getpid-allowed", "openat-EACCES"])
def test_allowed_and_refused_syscalls_keep_net_alive(running, call, args,
                                                     expect):
    # The control case for the injection itself, and the filter's
    # EACCES answer to file opens (the NULL path is never looked at: the
    # kernel would say EFAULT).
    pid = running.children["net"]
    nr = {"getpid": SYS_GETPID, "openat": SYS_OPENAT}[call]
    out = gdb_syscall(pid, nr, args, restore=True)
    assert gdb_result(out) == (pid if expect == "pid" else expect), out
    assert running.pids()["net"] == pid
    assert not proc_gone(pid)
    assert "sandbox violation" not in running.log()


def test_debug_mode_traps_logs_and_survives(daemon):
    daemon.write_config(privsep={"seccomp_debug": True})
    daemon.start()
    pid = daemon.children["net"]
    out = gdb_syscall(pid, SYS_SOCKET, (AF_INET, SOCK_STREAM, 0),
                      restore=True)
    daemon.wait_log(r"^net: .*sandbox violation in net: syscall socket "
                    r"\(41\) forbidden")
    assert not proc_gone(pid), f"net died in debug mode:\n{out}"
    assert daemon.pids()["net"] == pid
    assert "killed by signal" not in daemon.log()


def test_monitor_filter_kills_a_network_socket(running):
    children = dict(running.children)
    out = gdb_syscall(running.pid, SYS_SOCKET, (AF_INET, SOCK_STREAM, 0))
    assert "Program terminated with signal SIGSYS" in out, out
    running.expect_exit = -signal.SIGSYS
    assert running.wait_exit() == -signal.SIGSYS
    # Without their monitor the children die too (PR_SET_PDEATHSIG).
    for name, pid in children.items():
        wait_for(lambda: proc_gone(pid), f"{name} to die with the monitor")


def test_monitor_may_still_open_unix_sockets(running):
    out = gdb_syscall(running.pid, SYS_SOCKET, (AF_UNIX, SOCK_STREAM, 0),
                      restore=True)
    assert gdb_result(out) >= 0, out
    assert running.status()["processes"][0]["state"] == "running"


# x86-64 numbers and constants for the argument limits' cases.
SYS_MMAP, SYS_MPROTECT, SYS_MADVISE = 9, 10, 28
SYS_SETSOCKOPT, SYS_FCNTL, SYS_FUTEX = 54, 72, 202
PROT_READ, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS = 1, 4, 2, 0x20
F_SETFD, F_GETFL, FD_CLOEXEC = 2, 3, 1
MADV_WILLNEED = 3
FUTEX_LOCK_PI = 6
SOL_SOCKET, SO_REUSEADDR = 1, 2

# Each a call that the child's table allows with other arguments only.
# The filter decides before the kernel looks at the pointers, so none
# needs to be valid.
LIMITS = {
    "mmap-PROT_EXEC": (SYS_MMAP, (0, 4096, PROT_READ | PROT_EXEC,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)),
    "mprotect-PROT_EXEC": (SYS_MPROTECT, (0, 4096, PROT_READ | PROT_EXEC)),
    "fcntl-F_SETFD": (SYS_FCNTL, (0, F_SETFD, FD_CLOEXEC)),
    "madvise-MADV_WILLNEED": (SYS_MADVISE, (0, 4096, MADV_WILLNEED)),
    "futex-FUTEX_LOCK_PI": (SYS_FUTEX, (0, FUTEX_LOCK_PI, 0, 0, 0, 0)),
    "setsockopt-SO_REUSEADDR": (SYS_SETSOCKOPT,
                                (0, SOL_SOCKET, SO_REUSEADDR, 0, 4)),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
@pytest.mark.parametrize("name", ["net", "broker"])
def test_argument_limit_kills_the_child(running, name, limit):
    nr, args = LIMITS[limit]
    pid = running.children[name]
    out = gdb_syscall(pid, nr, args)
    assert "Program terminated with signal SIGSYS" in out, \
        f"{name} survived {limit}:\n{out}"
    running.expect_exit = 1
    assert running.wait_exit() == 1
    assert f"{name} process killed by signal 31 (SIGSYS): sandbox " \
        f"violation; stopping heraldd" in running.log()


@pytest.mark.parametrize("name", ["net", "broker"])
def test_allowed_fcntl_keeps_the_child_alive(running, name):
    # The control case: the same call with the command the table allows.
    pid = running.children[name]
    out = gdb_syscall(pid, SYS_FCNTL, (0, F_GETFL), restore=True)
    assert gdb_result(out) >= 0, out
    assert running.pids()[name] == pid
    assert "sandbox violation" not in running.log()

"""
The process model: a root monitor and two unprivileged, chrooted,
sandboxed children, each holding only what it needs; secrets stay in the
monitor.
"""
import os
import resource

import pytest

from conftest import COVERAGE_DIR, SANITIZED, privsep_ids, proc_status, \
    write_file

CHILDREN = ("net", "broker")


def test_net_and_broker_are_separate_children_of_the_monitor(running):
    pids = running.pids()
    assert pids["monitor"] == running.pid
    assert len({pids["monitor"], pids["net"], pids["broker"]}) == 3, pids
    for name in CHILDREN:
        assert int(proc_status(pids[name])["PPid"]) == running.pid, \
            f"{name} (pid {pids[name]}) is not a child of the monitor"


@pytest.mark.parametrize("name", CHILDREN)
def test_child_runs_as_privsep_user_without_privileges(running, name):
    uid, gid = privsep_ids()
    assert uid != 0 and gid != 0
    st = proc_status(running.children[name])
    assert st["Uid"].split() == [str(uid)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(gid)] * 4, st["Gid"]
    assert st["Groups"].split() in ([], [str(gid)]), st["Groups"]
    assert st["NoNewPrivs"] == "1"
    assert st["Seccomp"] == "2", "no seccomp filter"
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert st[caps] == "0000000000000000", f"{caps} {st[caps]}"


@pytest.mark.parametrize("name", CHILDREN)
def test_child_is_chrooted_with_empty_environment(running, name):
    pid = running.children[name]
    assert os.readlink(f"/proc/{pid}/root") == \
        os.path.realpath(running.chroot)
    assert os.readlink(f"/proc/{pid}/cwd") == \
        os.path.realpath(running.chroot)
    with open(f"/proc/{pid}/environ", "rb") as f:
        assert f.read() == b"", "the child has an environment"
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read() == f"heraldd\0-P\0{name}\0".encode()


@pytest.mark.parametrize("name", CHILDREN)
def test_child_is_not_dumpable(running, name):
    # The files in /proc/PID belong to the process's uid only while it
    # is dumpable; otherwise to root.
    pid = running.children[name]
    assert os.stat(f"/proc/{pid}/status").st_uid == 0, \
        f"{name} is dumpable (PR_SET_DUMPABLE not 0)"


def proc_limits(pid):
    """/proc/PID/limits: name -> (soft, hard) as strings."""
    out = {}
    with open(f"/proc/{pid}/limits") as f:
        next(f)
        for line in f:
            name = line[:26].strip()
            soft, hard = line[26:].split()[:2]
            out[name] = (soft, hard)
    return out


def test_children_cannot_fork_or_write_files(daemon):
    daemon.write_config(limits={"open_files": 256, "connections": 128})
    daemon.start()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    want = 256 if hard == resource.RLIM_INFINITY else min(256, hard)
    for name in CHILDREN:
        lim = proc_limits(daemon.children[name])
        assert lim["Max processes"] == ("0", "0"), (name, lim)
        # make check-sanitize lets a child write its reports to the
        # monitor's stderr, the log file: RLIMIT_FSIZE stays unlimited.
        if not SANITIZED:
            assert lim["Max file size"] == ("0", "0"), (name, lim)
        assert lim["Max core file size"] == ("0", "0"), (name, lim)
        soft, hard_ = lim["Max open files"]
        assert soft == hard_ != "unlimited", (name, lim)
        if name == "net":
            assert int(soft) == want, "limits.open_files not applied to net"


def test_children_hold_only_sockets_and_dev_null(running):
    for name in CHILDREN:
        pid = running.children[name]
        fds = {int(fd): os.readlink(f"/proc/{pid}/fd/{fd}")
               for fd in os.listdir(f"/proc/{pid}/fd")}
        # make check-sanitize keeps the monitor's stderr, the log file,
        # on a child's fd 2 for the sanitizers' reports.
        for fd in (0, 1) if SANITIZED else (0, 1, 2):
            assert fds.get(fd) == "/dev/null", (name, fds)
        if SANITIZED:
            assert fds.pop(2) == str(running.logpath), (name, fds)
        for fd, target in fds.items():
            if COVERAGE_DIR and target.startswith(COVERAGE_DIR + "/"):
                continue
            assert target == "/dev/null" or \
                target.startswith(("socket:", "anon_inode:", "pipe:")), \
                f"{name} holds fd {fd} -> {target}"
            assert str(running.dir) not in target, (name, fd, target)


def listening_inode(port):
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port:
                    return cols[9]
    raise AssertionError(f"nothing listens on port {port}")


def test_only_net_holds_the_listening_socket(running):
    inode = listening_inode(running.port)
    holders = []
    for name, pid in running.pids().items():
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    holders.append(name)
            except FileNotFoundError:
                pass
    assert holders == ["net"], f"listening socket held by {holders}"


def test_monitor_is_root_under_its_own_filter(running):
    st = proc_status(running.pid)
    assert st["Uid"].split()[0] == "0"
    assert st["Seccomp"] == "2", "the monitor has no seccomp filter"


def test_monitor_keeps_only_cap_kill(running):
    # uid 0, but after start-up no CAP_SYS_PTRACE, CAP_DAC_OVERRIDE...:
    # CAP_KILL (bit 5) alone, to stop its children.
    st = proc_status(running.pid)
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert int(st[field], 16) == 1 << 5, f"{field} {st[field]}"
    assert int(st["CapAmb"], 16) == 0
    # And it still works: reload reads root's files, status answers.
    assert running.ctl("reload").returncode == 0


SECRET = "s3cret-pw"
LOGIN = "12345678"


def test_mt5_credentials_leave_the_environment(daemon):
    daemon.start("-v", env={"MT5_PASSWORD": SECRET, "MT5_LOGIN": LOGIN,
                            "MT5_SERVER": "Demo"})
    with open(f"/proc/{daemon.pid}/environ", "rb") as f:
        env = f.read()
    assert b"MT5_" not in env, "an MT5_ variable is left in the monitor"
    assert SECRET.encode() not in env, "the password is still in environ"
    for name in CHILDREN:
        with open(f"/proc/{daemon.children[name]}/environ", "rb") as f:
            assert f.read() == b""
    # Make the daemon talk: a reload and a status, with -v on.
    assert daemon.ctl("reload").returncode == 0
    daemon.status()
    assert daemon.stop() == 0
    log = daemon.log()
    assert SECRET not in log, "the MT5 password reached the log"
    assert LOGIN not in log, "the MT5 login reached the log unmasked"


def test_password_from_file_stays_out_of_the_log(daemon):
    pw = daemon.dir / "mt5.pw"
    write_file(pw, SECRET + "\n", 0o600)
    daemon.write_config(mt5={"backend": "paper", "login": LOGIN,
                             "server": "Demo", "password_file": str(pw)})
    daemon.start("-v")
    assert daemon.ctl("reload").returncode == 0
    assert daemon.stop() == 0
    log = daemon.log()
    assert SECRET not in log
    assert LOGIN not in log


def test_mt5_password_is_masked_wherever_it_reaches_the_log(daemon):
    # The sanitiser masks the MT5 password in any line, not only where
    # heraldd itself would print it: a key named like the password is
    # logged when it is created, and the log shows the mask instead.
    pw = daemon.dir / "mt5.pw"
    write_file(pw, SECRET + "\n", 0o600)
    daemon.write_config(mt5={"backend": "paper", "login": LOGIN,
                             "server": "Demo", "password_file": str(pw)})
    daemon.start("-v")
    r = daemon.ctl("key", "create", SECRET, "--role", "viewer")
    assert r.returncode == 0, r.stderr
    daemon.wait_log(r"control: key \S+ \(id \d+, role viewer\) created")
    assert daemon.stop() == 0
    log = daemon.log()
    assert SECRET not in log
    assert "control: key **** (id" in log, log

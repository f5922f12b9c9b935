"""
Start, stop, reload, detach, and failing closed when a child dies.
"""
import os
import signal
import socket
import subprocess

import pytest

from conftest import (HERALDD, SYSPATH, TIMEOUT, check_sanitizer,
                      is_heraldd, line_of, proc_gone, wait_for, write_file)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_terminate_stops_everything_cleanly(running, sig):
    children = dict(running.children)
    assert running.socket.exists()
    assert running.stop(sig) == 0
    assert not running.socket.exists(), "control socket left behind"
    for name, pid in children.items():
        assert proc_gone(pid), f"{name} pid {pid} outlived the monitor"
    running.wait_log(r"^monitor: exiting$")


def test_sighup_with_a_broken_config_keeps_running(running):
    pids = running.pids()
    good = running.config_text()
    bad = good + "bogus: 1\n"
    running.write_config(bad)
    running.send_signal(signal.SIGHUP)
    line = line_of(bad, "bogus")
    running.wait_log(rf"^monitor: reload: {running.config}:{line}: bogus: ")
    running.wait_log(r"^monitor: reload failed, keeping the running "
                     r"configuration$")
    st = running.status()
    assert st["reloads"] == 0
    assert {p["name"]: p["pid"] for p in st["processes"]} == pids
    # Fixed on disk, the next SIGHUP takes it.
    running.write_config(good)
    running.send_signal(signal.SIGHUP)
    running.wait_log(r"^monitor: configuration reloaded")
    assert running.status()["reloads"] == 1


def test_sighup_applies_a_new_log_level(running):
    def control_debug_lines():
        return [l for l in running.log().splitlines()
                if l.startswith("monitor: control:") and "uid 0" in l]

    running.status()
    assert control_debug_lines() == [], "debug lines at level info"
    running.write_config(log={"level": "debug"})
    running.send_signal(signal.SIGHUP)
    running.wait_log(rf"^monitor: configuration reloaded from "
                     rf"{running.config}")
    wait_for(lambda: running.status()["reloads"] == 1, "reloads to be 1")
    assert control_debug_lines(), "no debug line after log.level: debug"


@pytest.mark.parametrize("name", ["broker", "net"])
def test_killed_child_stops_the_daemon(running, name):
    os.kill(running.children[name], signal.SIGKILL)
    running.expect_exit = 1
    assert running.wait_exit() == 1
    log = running.log()
    assert f"{name} process killed by signal 9 (KILL); stopping heraldd" \
        in log, log
    assert "sandbox violation" not in log
    assert not running.socket.exists()
    for pid in running.children.values():
        assert proc_gone(pid)


def test_detaches_and_writes_the_pid_file(daemon):
    r = subprocess.run([HERALDD, "-f", str(daemon.config)],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=TIMEOUT, env={"PATH": SYSPATH})
    check_sanitizer(r.stderr, "monitor")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    pid = wait_for(lambda: daemon.pid_file.exists() and
                   daemon.pid_file.read_text().strip(), "the pid file")
    assert pid.isdigit(), pid
    pid = int(pid)
    daemon.detached.append(pid)
    assert is_heraldd(pid)
    st = wait_for(lambda: (lambda s: s if all(
        p["state"] == "running" for p in s["processes"]) else None)(
        daemon.status()), "a running daemon")
    procs = {p["name"]: p["pid"] for p in st["processes"]}
    assert procs["monitor"] == pid
    daemon.children = {n: procs[n] for n in ("net", "broker")}
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: proc_gone(pid), "the daemon to exit")
    wait_for(lambda: not daemon.pid_file.exists(), "the pid file to go")
    assert not daemon.socket.exists()
    for n, p in daemon.children.items():
        wait_for(lambda: proc_gone(p), f"{n} to exit")


def test_second_daemon_on_the_same_socket_is_refused(daemons):
    first = daemons()
    first.start()
    second = daemons()
    second.write_config(control={"socket": str(first.socket)})
    second.start(wait=False)
    second.expect_exit = 1
    assert second.wait_exit() == 1
    assert str(first.socket) in second.log()
    assert "in use" in second.log()
    assert first.status()["processes"][0]["pid"] == first.pid


def test_stale_socket_is_replaced(daemon):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(daemon.socket))
    s.close()                   # the file stays, nobody listens
    daemon.start()
    assert daemon.status()["processes"][0]["pid"] == daemon.pid


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_socket_path_that_is_not_a_socket_is_left_alone(daemon, kind):
    # Only a socket nobody listens on is stale: anything else at
    # control.socket (a file, a link to one) is not heraldd's to delete.
    target = daemon.dir / "precious"
    write_file(target, "keep me\n", 0o644)
    if kind == "file":
        os.rename(target, daemon.socket)
        target = daemon.socket
    else:
        os.symlink(target, daemon.socket)
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert (f"control socket {daemon.socket} exists and is not a socket"
            in daemon.log()), daemon.log()
    assert os.path.islink(daemon.socket) == (kind == "symlink")
    assert target.read_text() == "keep me\n"


def test_writable_chroot_stops_start_up(daemon):
    os.chmod(daemon.chroot, 0o775)
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    # The monitor refuses it before any child exists (privdrop would too).
    daemon.wait_log(rf"privsep\.chroot {daemon.chroot}\b.*\b0775\b")
    assert "process exited" not in daemon.log()
    assert not daemon.socket.exists()


def test_unknown_privsep_user_stops_start_up(daemon):
    daemon.write_config(privsep={"user": "no-such-herald-user"})
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    daemon.wait_log(r"privsep\.user no-such-herald-user: no such user")
    assert not daemon.socket.exists()


@pytest.mark.parametrize("args", [["-x"], ["extra"], ["-f"]])
def test_usage(args):
    r = subprocess.run([HERALDD, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT)
    check_sanitizer(r.stderr, "monitor")
    assert r.returncode == 1
    assert "usage: heraldd [-dGnv] [-f file]" in r.stderr


@pytest.mark.parametrize("name", ["net", "broker", "monitor", "bogus"])
def test_hidden_child_flag_is_inert_by_hand(name):
    # Without the monitor's socketpair on fd 3 a child has nothing to do.
    r = subprocess.run([HERALDD, "-P", name], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env={"PATH": SYSPATH})
    check_sanitizer(r.stderr, name)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == ""


def test_detached_monitor_keeps_its_secrets(daemon):
    # Detaching forks: the monitor that goes on must still hold the MT5
    # password (a wipe-on-fork mapping once zeroed it here, and the log
    # sanitiser then masked nothing).
    from test_tls import found, memory_regions
    secret = "detached-s3cret-pw"
    r = subprocess.run([HERALDD, "-f", str(daemon.config)],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=TIMEOUT,
                       env={"PATH": SYSPATH, "MT5_PASSWORD": secret})
    check_sanitizer(r.stderr, "monitor")
    assert r.returncode == 0, r.stderr
    pid = int(wait_for(lambda: daemon.pid_file.exists() and
                       daemon.pid_file.read_text().strip(), "the pid file"))
    daemon.detached.append(pid)
    wait_for(lambda: (lambda s: s if all(
        p["state"] == "running" for p in s["processes"]) else None)(
        daemon.status()), "a running daemon")
    assert found(memory_regions(pid), secret.encode()), \
        "the detached monitor lost the MT5 password"
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: proc_gone(pid), "the daemon to exit")


def test_shutdown_removes_what_startup_made_not_what_reload_says(daemon):
    # A reload that names another control socket or pid file takes
    # effect only after a restart; until then shutdown must remove the
    # files start-up created, and nothing else.
    daemon.start()
    bystander = daemon.dir / "bystander"
    bystander.write_text("keep me\n")
    daemon.write_config(control={"socket": str(bystander)},
                        pid_file=str(bystander))
    r = daemon.ctl("reload")
    assert r.returncode == 3, r.stderr
    assert r.stdout == "control.socket (restart needed); pid_file " \
        "(restart needed)\n"
    daemon.wait_log(r"reload: control\.socket changed; restart heraldd")
    assert daemon.stop() == 0
    assert bystander.read_text() == "keep me\n"
    assert not daemon.socket.exists()

"""
The admin socket and heraldctl: who may connect, what they get, and how
the monitor copes with a peer that does not speak the protocol.
"""
import json
import os
import pwd
import re
import stat
import subprocess
import time

from conftest import (ADMIN_GROUP, CTL_REP_ERROR, CTL_REQ_RELOAD,
                      CTL_REQ_STATUS, CTL_VERSION, MEMBER_USER, NOBODY,
                      PRIMARY_USER, admin_gid, ctl_frame, ctl_parse,
                      check_sanitizer, ctl_read_all, line_of, setpriv,
                      wait_for)

REFUSED = (f"heraldctl: permission denied: uid {NOBODY} is not root and "
           f"not in group {ADMIN_GROUP}\n")


def test_status_json_as_root(running):
    r = running.ctl("-j", "status")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    st = json.loads(r.stdout)
    assert set(st) >= {"version", "started", "uptime", "reloads", "config",
                       "processes"}
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", st["version"])
    assert abs(st["started"] - time.time()) < 60
    assert 0 <= st["uptime"] < 60
    assert st["reloads"] == 0
    assert st["config"] == str(running.config)
    procs = {p["name"]: p for p in st["processes"]}
    assert set(procs) == {"monitor", "net", "broker"}
    assert procs["monitor"]["pid"] == running.pid
    for p in procs.values():
        assert p["state"] == "running", p


def test_status_table_as_root(running):
    pids = running.pids()
    r = running.ctl("status")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert str(running.config) in r.stdout
    for name, pid in pids.items():
        assert re.search(rf"^{name}\s+{pid}\s+running\s*$", r.stdout, re.M), \
            r.stdout


def test_socket_is_root_and_admin_group_0660(running):
    st = os.lstat(running.socket)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert st.st_uid == 0
    assert st.st_gid == admin_gid()


def test_peer_outside_the_group_is_refused_by_peercred(running):
    # dac_override gets past the socket's file mode, so that the
    # monitor's own SO_PEERCRED check is what says no.
    user = setpriv(NOBODY, NOBODY, caps=["dac_override"])
    for cmd in ("status", "reload"):
        r = running.ctl(cmd, user=user)
        assert r.returncode == 1, (cmd, r.stdout, r.stderr)
        assert r.stderr == REFUSED, r.stderr
        assert r.stdout == ""
    running.wait_log(rf"^monitor: SECURITY: control: refused peer uid "
                     rf"{NOBODY}\b")
    assert running.status()["reloads"] == 0
    assert "reload requested" not in running.log()


def test_peer_outside_the_group_cannot_reach_the_socket(running):
    r = running.ctl("status", user=setpriv(NOBODY, NOBODY))
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Permission denied" in r.stderr, r.stderr
    assert running.status()["processes"][0]["state"] == "running"


def test_member_of_the_admin_group_may_use_it(running):
    pw = pwd.getpwnam(MEMBER_USER)
    r = running.ctl("-j", "status", user=setpriv(pw.pw_uid, pw.pw_gid,
                                                  groups="init"))
    assert r.returncode == 0, r.stderr
    assert '"net"' in r.stdout
    r = running.ctl("reload", user=setpriv(pw.pw_uid, pw.pw_gid,
                                            groups="init"))
    assert r.returncode == 0, r.stderr
    assert running.status()["reloads"] == 1


def test_process_holding_the_admin_group_may_use_it(running):
    # Membership carried by the process's own credentials (what the
    # kernel checks against the socket's mode), not the user database.
    r = running.ctl("status", user=setpriv(NOBODY, NOBODY,
                                            groups=[admin_gid()]))
    assert r.returncode == 0, r.stderr


def test_admin_group_as_primary_group_may_use_it(running):
    pw = pwd.getpwnam(PRIMARY_USER)
    assert pw.pw_gid == admin_gid()
    r = running.ctl("status", user=setpriv(pw.pw_uid, pw.pw_gid,
                                            groups="init"))
    assert r.returncode == 0, r.stderr


def test_reload_as_root(running):
    r = running.ctl("reload")
    assert r.returncode == 0, r.stderr
    assert running.status()["reloads"] == 1
    assert running.ctl("reload").returncode == 0
    assert running.status()["reloads"] == 2
    running.wait_log(r"^monitor: configuration reloaded")


def test_reload_of_a_broken_config_fails_and_keeps_running(running):
    pids = running.pids()
    text = running.config_text() + "bogus: 1\n"
    running.write_config(text)
    line = line_of(text, "bogus")
    r = running.ctl("reload")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"heraldctl: {running.config}:{line}: "), \
        r.stderr
    assert "bogus" in r.stderr
    st = running.status()
    assert st["reloads"] == 0
    assert {p["name"]: p["pid"] for p in st["processes"]} == pids
    running.wait_log(r"^monitor: reload failed, keeping the running "
                     r"configuration")


def test_heraldctl_without_a_daemon(workdir, ctl_bin):
    sock = workdir / "nothing.sock"
    r = subprocess.run([ctl_bin, "-s", str(sock), "status"],
                       capture_output=True, text=True, timeout=10)
    check_sanitizer(r.stderr, "heraldctl")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and str(sock) in r.stderr, r.stderr


def test_heraldctl_unknown_command(running):
    r = running.ctl("frobnicate")
    assert r.returncode == 1
    assert "frobnicate" in r.stderr and "usage" in r.stderr


def test_malformed_frames_are_refused_and_harmless(running):
    cases = {
        "wrong version": ctl_frame(CTL_REQ_STATUS, version=CTL_VERSION + 1),
        "unknown type": ctl_frame(99),
        "a reply type": ctl_frame(CTL_REP_ERROR, b"\x00\x00"),
        "huge length": ctl_frame(CTL_REQ_STATUS, length=0xFFFFFFFF),
        "payload on status": ctl_frame(CTL_REQ_STATUS, b"abcd"),
        "payload on reload": ctl_frame(CTL_REQ_RELOAD, b"\x00"),
    }
    for what, frame in cases.items():
        with running.connect() as s:
            s.sendall(frame)
            type_, payload = ctl_parse(ctl_read_all(s))
        assert type_ == CTL_REP_ERROR, what
        assert b"bad request" in payload, (what, payload)
    assert running.status()["reloads"] == 0
    assert len(re.findall(r"^monitor: control: .*bad request",
                          running.log(), re.M)) >= len(cases)


def test_peer_closing_in_the_middle_of_a_request_is_harmless(running):
    # Half a header, or a whole header and half its payload, then gone:
    # logged as such, and the monitor goes on serving.
    ban_del = 8                 # CTL_REQ_BAN_DEL: a payload to cut short
    frame = ctl_frame(ban_del, b"\x00" * 8)
    for cut in (3, len(frame) - 4):
        with running.connect() as s:
            s.sendall(frame[:cut])
    line = re.compile(r"^monitor: control: peer uid 0 pid \d+ closed in "
                      r"the middle of a request$", re.M)
    wait_for(lambda: len(line.findall(running.log())) == 2,
             "a log line for each connection cut short")
    assert running.status()["reloads"] == 0


def test_idle_connection_times_out(daemon):
    daemon.write_config(control={"timeout": 1})
    daemon.start()
    t0 = time.monotonic()
    with daemon.connect() as s:
        type_, payload = ctl_parse(ctl_read_all(s))
    took = time.monotonic() - t0
    assert type_ == CTL_REP_ERROR
    assert b"timed out" in payload, payload
    assert 0.9 <= took < 8, took
    daemon.status()


def test_max_clients_is_enforced(daemon):
    daemon.write_config(control={"max_clients": 1})
    daemon.start()
    idle = daemon.connect()
    # Once the monitor has accepted the idle connection, the slot is taken.
    r = wait_for(lambda: (lambda r: r if r.returncode == 1 else None)(
        daemon.ctl("status")), "a refusal for want of a slot")
    assert r.stderr == "heraldctl: too many control connections\n", r.stderr
    daemon.wait_log(r"control\.max_clients 1")
    idle.close()
    wait_for(lambda: daemon.ctl("status").returncode == 0,
             "the slot to be free again")

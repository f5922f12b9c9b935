"""
Deploying heraldd: the deploy gate (heraldd -n checks everything the
configuration names, and start refuses the same), the files root keeps
(database, control socket, pid file: only in directories nobody else
can write), a first certificate (heraldd -G), and readiness (a detached
start exits 0 only once the daemon serves, and non-zero with the reason
otherwise).
"""
import grp
import json
import os
import signal
import stat
import subprocess

import pytest

from conftest import (HERALDD, NOBODY, SYSPATH, TIMEOUT, check_sanitizer,
                      proc_gone, tls_files, wait_for, write_file)
from test_config import assert_refused_n, assert_refused_start


def run(*args, env=None):
    r = subprocess.run([HERALDD, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env=env or {"PATH": SYSPATH})
    check_sanitizer(r.stderr, "monitor")
    return r


def expired_cert(d):
    """A certificate (and key) valid only during 1 January 2020."""
    return dated_cert(d, "20200101000000Z", "20200102000000Z")


def dated_cert(d, start, end):
    """A self-signed certificate (and key) valid from start to end."""
    ca = d / "ca"
    ca.mkdir()
    (ca / "index.txt").write_text("")
    (ca / "serial").write_text("01\n")
    (ca / "ca.cnf").write_text(
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\n"
        "new_certs_dir = .\nserial = serial\ndefault_md = sha256\n"
        "policy = p\nunique_subject = no\n[p]\ncommonName = supplied\n")
    key, crt = d / "old.key", d / "old.crt"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                    "-out", str(ca / "r.csr"), "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ca", "-batch", "-config", "ca.cnf",
                    "-selfsign", "-keyfile", str(key), "-in", "r.csr",
                    "-startdate", start, "-enddate", end, "-out", str(crt)],
                   check=True, capture_output=True, cwd=ca)
    os.chmod(key, 0o600)
    os.chmod(crt, 0o644)
    return crt, key


def detach(daemon, env=None):
    """heraldd without -d; the monitor's pid is remembered for cleanup."""
    r = run("-f", str(daemon.config), env=env)
    if daemon.pid_file.is_file():
        pid = daemon.pid_file.read_text().strip()
        if pid.isdigit():
            daemon.detached.append(int(pid))
    return r


def stop_detached(daemon):
    for pid in daemon.detached:
        if not proc_gone(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: proc_gone(pid), "the daemon to exit")


# --- heraldd -n: the deploy gate ---------------------------------------------

def test_missing_user_and_group_are_named(daemon):
    daemon.write_config(privsep={"user": "no-such-herald-user"},
                        control={"group": "no-such-herald-group"})
    err = assert_refused_n(daemon, "privsep.user no-such-herald-user: "
                           "no such user", "control.group "
                           "no-such-herald-group: no such group")
    assert err.startswith(f"{daemon.config}: ")


def test_missing_database_directory(daemon):
    db = daemon.dir / "nowhere" / "herald.db"
    daemon.write_config(database=str(db))
    assert_refused_n(daemon, f"database {db}: directory {db.parent}: "
                     "No such file or directory")


def test_chroot_not_owned_by_root(daemon):
    os.chown(daemon.chroot, NOBODY, 0)
    assert_refused_n(daemon, f"privsep.chroot {daemon.chroot} is owned by "
                     f"uid {NOBODY}")


def test_chroot_with_a_directory_above_owned_by_another(daemon):
    inner = daemon.dir / "jail"
    inner.mkdir()
    os.chmod(inner, 0o755)
    (inner / "empty").mkdir()
    os.chmod(inner / "empty", 0o755)
    os.chown(inner, NOBODY, 0)
    daemon.write_config(privsep={"chroot": str(inner / "empty")})
    assert_refused_n(daemon, f"{inner} in its path is owned by uid {NOBODY}")


def test_chroot_not_empty(daemon):
    (daemon.chroot / "bin").mkdir()
    assert_refused_n(daemon, f"privsep.chroot {daemon.chroot} is not empty "
                     "(it holds bin)")


def test_expired_certificate_is_refused_by_n(daemon):
    crt, key = expired_cert(daemon.dir)
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    assert_refused_n(daemon, f"tls.certificate {crt}: the certificate "
                     "expired on 2020-01-02T00:00:00Z")


def test_expired_certificate_starts_with_a_security_line(daemon):
    crt, key = expired_cert(daemon.dir)
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    daemon.start()
    daemon.wait_log(rf"^monitor: SECURITY: tls\.certificate {crt}: the "
                    rf"certificate expired on 2020-01-02T00:00:00Z; "
                    rf"clients will refuse it$")


def test_client_ca_that_does_not_parse(daemon):
    ca = daemon.dir / "ca.pem"
    write_file(ca, "not a certificate\n", 0o644)
    daemon.write_config(tls={"client_ca": str(ca)})
    assert_refused_n(daemon, f"tls.client_ca: {ca}: ")


def test_certificate_not_yet_valid_is_refused_by_n(daemon):
    # A clock set wrong, or a certificate issued ahead: clients refuse it.
    crt, key = dated_cert(daemon.dir, "20990101000000Z", "20991231000000Z")
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    assert_refused_n(daemon, f"tls.certificate {crt}: the certificate is "
                     "not valid before 2099-01-01T00:00:00Z; clients will "
                     "refuse it")


def test_certificate_that_is_not_pem_is_refused_by_n(daemon):
    crt = daemon.dir / "server.crt"
    write_file(crt, "-----BEGIN NOTHING-----\n", 0o644)
    daemon.write_config(tls={"certificate": str(crt)})
    assert_refused_n(daemon, f"tls.certificate {crt}: no PEM certificate")


@pytest.mark.parametrize("key", ["certificate", "client_ca"])
def test_public_file_holding_a_private_key_is_refused(daemon, key):
    # net is sent tls.certificate and tls.client_ca whole: a private key
    # pasted into either (a "cert + key" PEM) would leave the monitor.
    crt, k = tls_files()
    both = daemon.dir / "both.pem"
    write_file(both, open(crt).read() + open(k).read(), 0o644)
    daemon.write_config(tls={key: str(both)})
    sep = " " if key == "certificate" else ": "
    needle = f"tls.{key}{sep}{both}: block 2 is "
    err = assert_refused_n(daemon, needle, "not a certificate: net is "
                           "sent this file whole; a private key belongs "
                           "in tls.key alone")
    assert len(err.splitlines()) == 1, err
    assert_refused_start(daemon, needle)


def test_client_ca_bundle_that_is_empty_or_missing(daemon):
    empty = daemon.dir / "empty.pem"
    write_file(empty, "", 0o644)
    daemon.write_config(tls={"client_ca": str(empty)})
    assert_refused_n(daemon, f"tls.client_ca: {empty}: ")
    gone = daemon.dir / "gone.pem"
    daemon.write_config(tls={"client_ca": str(gone)})
    assert_refused_n(daemon, f"tls.client_ca: {gone}: No such file or "
                     "directory")


def test_every_problem_is_reported_at_once(daemon):
    os.chmod(daemon.chroot, 0o775)
    daemon.write_config(privsep={"user": "no-such-herald-user"},
                        database=str(daemon.dir / "nowhere" / "h.db"))
    err = assert_refused_n(daemon, "privsep.user", "privsep.chroot",
                           "database")
    assert len(err.splitlines()) == 3, err


# --- where root keeps its files ----------------------------------------------

@pytest.mark.parametrize("key", ["database", "control", "pid_file"])
def test_file_in_a_directory_others_can_write_is_refused(daemon, key):
    shared = daemon.dir / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    name = {"database": "herald.db", "control": "heraldd.sock",
            "pid_file": "heraldd.pid"}[key]
    path = str(shared / name)
    over = {"control": {"socket": path}} if key == "control" else \
        {key: path}
    daemon.write_config(**over)
    what = "control.socket" if key == "control" else key
    needle = f"{what} {path}: directory {shared} has mode 1777: must not " \
        "be writable by group or others"
    assert_refused_n(daemon, needle)
    assert_refused_start(daemon, needle)


def test_control_socket_is_0660_from_the_start(running):
    st = os.lstat(running.socket)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_uid == 0
    assert st.st_gid == grp.getgrnam("herald-admin").gr_gid


def test_pid_file_owned_by_another_user_is_refused(daemon):
    write_file(daemon.pid_file, "1\n", 0o644, uid=NOBODY)
    r = detach(daemon)
    assert r.returncode == 1
    assert f"pid_file {daemon.pid_file}: not a regular file of root's" \
        in r.stderr, r.stderr
    assert daemon.pid_file.read_text() == "1\n", "truncated someone's file"


def test_pid_file_link_is_not_followed(daemon):
    target = daemon.dir / "target"
    write_file(target, "keep me\n", 0o644)
    os.symlink(target, daemon.pid_file)
    r = detach(daemon)
    assert r.returncode == 1
    assert f"pid_file {daemon.pid_file}" in r.stderr, r.stderr
    assert target.read_text() == "keep me\n"


def test_pid_file_of_a_running_daemon_is_not_taken(daemons):
    first = daemons()
    assert detach(first).returncode == 0
    second = daemons()
    second.write_config(pid_file=str(first.pid_file))
    r = run("-f", str(second.config))
    assert r.returncode == 1
    assert "held by a running heraldd" in r.stderr, r.stderr
    assert first.pid_file.read_text().strip() == str(first.detached[0])
    stop_detached(first)


# --- readiness ---------------------------------------------------------------

def test_detached_start_returns_once_ready(daemon):
    r = detach(daemon)
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ("", "")
    # No waiting: ready means both children sandboxed and the sockets open.
    st = json.loads(daemon.ctl("-j", "status").stdout)
    assert {p["name"]: p["state"] for p in st["processes"]} == \
        {"monitor": "running", "net": "running", "broker": "running"}
    assert daemon.pid_file.exists()
    stop_detached(daemon)


def test_detached_start_that_fails_says_why(daemon):
    os.chmod(daemon.chroot, 0o775)
    r = detach(daemon)
    assert r.returncode == 1
    assert f"privsep.chroot {daemon.chroot} has mode 0775" in r.stderr


def test_detached_start_failing_after_the_fork_says_why(daemon):
    os.mkdir(daemon.pid_file)           # open(2) fails in the daemon
    r = detach(daemon)
    assert r.returncode == 1
    assert r.stderr.startswith("heraldd: monitor: pid_file "
                               f"{daemon.pid_file}"), r.stderr
    assert not daemon.socket.exists()


# --- heraldd -G: a first certificate -----------------------------------------

def test_generate_creates_a_usable_pair_once(daemon):
    crt, key = daemon.dir / "server.crt", daemon.dir / "server.key"
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    r = run("-G", "-f", str(daemon.config))
    assert r.returncode == 0, r.stderr
    assert str(key) in r.stdout
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(crt.stat().st_mode) == 0o644
    assert daemon.run_n() == (0, "", "")
    text = subprocess.run(["openssl", "x509", "-in", str(crt), "-noout",
                           "-text"], check=True, capture_output=True,
                          text=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    before = key.read_bytes()
    r = run("-G", "-f", str(daemon.config))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert key.read_bytes() == before
    daemon.start()
    out = subprocess.run(["curl", "-s", "--cacert", str(crt),
                          f"https://localhost:{daemon.port}/healthz"],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr


def test_generate_refuses_half_a_pair(daemon):
    crt, key = daemon.dir / "server.crt", daemon.dir / "server.key"
    write_file(key, "x\n", 0o600)
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    r = run("-G", "-f", str(daemon.config))
    assert r.returncode == 1
    assert f"{key} exists but {crt} does not" in r.stderr
    assert not crt.exists()


def test_generate_leaves_no_half_pair_behind(daemon):
    # The key is written first: when the certificate cannot be, the key
    # goes too, so that a second -G can make a whole pair.
    crt, key = daemon.dir / "nowhere" / "server.crt", daemon.dir / "server.key"
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    r = run("-G", "-f", str(daemon.config))
    assert r.returncode == 1
    assert f"heraldd: -G: {crt}: No such file or directory" in r.stderr, \
        r.stderr
    assert not key.exists()
    # Nor over something already at the key's path (a link, say).
    crt = daemon.dir / "server.crt"
    os.symlink(daemon.dir / "elsewhere", key)
    daemon.write_config(tls={"certificate": str(crt), "key": str(key)})
    r = run("-G", "-f", str(daemon.config))
    assert r.returncode == 1
    assert f"{key} exists but {crt} does not" in r.stderr, r.stderr
    assert not (daemon.dir / "elsewhere").exists()


# --- tls.expiry_warning_days, log.facility -------------------------------------

def test_certificate_within_the_warning_window_is_a_warning(daemon):
    # The tests' certificate lasts 90 days.
    daemon.write_config(tls={"expiry_warning_days": 100})
    rc, out, err = daemon.run_n()
    assert rc == 0 and out == ""
    assert err.startswith(f"{daemon.config}: warning: tls.certificate "), err
    assert "within 100 days" in err
    daemon.start()
    daemon.wait_log(r"^monitor: tls\.certificate .* within 100 days$")


def test_expiry_warning_days_out_of_range(daemon):
    daemon.write_config(tls={"expiry_warning_days": 0})
    assert_refused_n(daemon, "expiry_warning_days")


def test_log_facility(daemon):
    daemon.write_config(log={"level": "info", "facility": "local3"})
    assert daemon.run_n() == (0, "", "")
    daemon.write_config(log={"level": "info", "facility": "kern"})
    assert_refused_n(daemon, "facility", "kern")

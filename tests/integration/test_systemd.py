"""
systemd: the units' hardening (systemd-analyze security, where it is
installed), heraldd@.service made from heraldd.service, the sd_notify
conversation (READY=1 only once ready, RELOADING=1, STOPPING=1, the
watchdog fed from the monitor's loop) through a notification socket of
the test's own, and systemd credentials from $CREDENTIALS_DIRECTORY.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import (REPO, TIMEOUT, tls_files, wait_for, write_file)

ETC = REPO / "etc"
MAX_EXPOSURE = 2.5


def exposure(unit):
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                        "--no-pager", str(unit)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
    assert m, r.stdout
    return float(m.group(1))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", ["heraldd.service", "heraldd@.service"])
def test_unit_exposure(unit, tmp_path):
    # An instance name, as systemctl would give it.
    path = ETC / unit
    if "@" in unit:
        path = tmp_path / "heraldd@account1.service"
        shutil.copy(ETC / unit, path)
    assert exposure(path) <= MAX_EXPOSURE


def test_template_differs_only_in_the_instance():
    plain = (ETC / "heraldd.service").read_text().splitlines()
    inst = (ETC / "heraldd@.service").read_text().splitlines()
    # Its own header comment, then line for line the same unit.
    body = [l for l in inst if not l.startswith("#")]
    want = [l for l in plain if not l.startswith("#")]
    assert len(body) == len(want)
    for a, b in zip(want, body):
        if a == b:
            continue
        if a.startswith("Description="):
            assert b.startswith("Description=heraldd for %i,"), b
        else:
            assert re.fullmatch(r"Exec\w+=\+?/\S+/heraldd -[Gd]", a), a
            assert b == a + " -f /etc/herald/%i.yaml", (a, b)


class Notify:
    """A systemd notification socket of our own."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(TIMEOUT)
        self.seen = []

    def next(self):
        msg = self.sock.recv(4096).decode()
        self.seen.append(msg)
        return dict(l.split("=", 1) for l in msg.splitlines())

    def wait(self, key, value=None):
        while True:
            m = self.next()
            if key in m and (value is None or m[key] == value):
                return m


def test_sd_notify_conversation(daemon):
    n = Notify(daemon.dir / "notify")
    daemon.start("-v", env={"NOTIFY_SOCKET": n.path,
                            "WATCHDOG_USEC": "400000"}, wait=False)
    n.wait("READY", "1")
    # Ready means ready: nothing to wait for once READY=1 came.
    st = json.loads(daemon.ctl("-j", "status").stdout)
    assert all(p["state"] == "running" for p in st["processes"]), st
    assert not any("READY" in m for m in n.seen[:-1])
    daemon.wait_ready()
    # The watchdog, fed from the loop, at least twice.
    n.wait("WATCHDOG", "1")
    n.wait("WATCHDOG", "1")
    daemon.send_signal(signal.SIGHUP)
    n.wait("RELOADING", "1")
    n.wait("READY", "1")
    daemon.send_signal(signal.SIGTERM)
    n.wait("STOPPING", "1")
    assert daemon.wait_exit() == 0


def test_no_notify_socket_no_watchdog_line(running):
    assert "watchdog" not in running.log()


def credentials(daemon, files, mode=0o400):
    d = daemon.dir / "credentials"
    d.mkdir()
    os.chmod(d, 0o500)
    for name, data in files.items():
        write_file(d / name, data, mode)
    return d


def test_credentials_supply_the_key_and_the_password(daemon):
    from test_tls import found, memory_regions
    crt, key = tls_files()
    secret = "cred-s3cret-pw"
    d = credentials(daemon, {"tls.key": key.read_text(),
                             "mt5.password": secret + "\n"})
    # The file names a key that does not exist: the credential is used.
    daemon.write_config(tls={"certificate": str(crt),
                             "key": str(daemon.dir / "absent.key")})
    daemon.start(env={"CREDENTIALS_DIRECTORY": str(d)})
    assert found(memory_regions(daemon.pid), secret.encode())
    r = subprocess.run(["curl", "-s", "-k",
                        f"https://127.0.0.1:{daemon.port}/healthz"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert secret not in daemon.log()


def test_credential_readable_by_group_is_refused(daemon):
    d = credentials(daemon, {"mt5.password": "pw\n"}, mode=0o440)
    daemon.start(env={"CREDENTIALS_DIRECTORY": str(d)}, wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert f"{d}/mt5.password" in daemon.log()
    assert "0440" in daemon.log()


@pytest.mark.parametrize("name,data,why", [
    ("mt5.password", "", "empty, or a control character inside"),
    ("mt5.password", "\n", "empty, or a control character inside"),
    ("mt5.password", "pw\nsecond line\n",
     "empty, or a control character inside"),
    ("mt5.login", "123\t456", "empty, or a control character inside"),
    ("mt5.server", "x" * 200, "too long"),
    ("mt5.password", "p" * 5000, "too long"),
    ("mt5.login", None, "not a regular file"),
], ids=["empty", "newline-only", "two-lines", "tab", "long-server",
        "long-password", "directory"])
def test_credential_that_is_not_one_value_is_refused(daemon, name, data,
                                                     why):
    # A credential is one line of printable text: anything else would be
    # a password or login sent to MT5 that the operator never meant.
    d = credentials(daemon, {} if data is None else {name: data})
    if data is None:
        os.chmod(d, 0o700)
        (d / name).mkdir()
        os.chmod(d, 0o500)
    daemon.start(env={"CREDENTIALS_DIRECTORY": str(d)}, wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert f"credential {d}/{name}: {why}" in daemon.log(), daemon.log()
    if data and data.strip():
        assert data.strip() not in daemon.log()


def test_credentials_directory_must_be_absolute(daemon):
    daemon.start(env={"CREDENTIALS_DIRECTORY": "credentials"}, wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert ("CREDENTIALS_DIRECTORY credentials: not an absolute path"
            in daemon.log()), daemon.log()

"""
The MT5 bridge over TLS (issue 10 items 1 and 7): mt5.bridge.tls on a
listener that is not loopback, the EA pinning the certificate.

Each test runs in a network namespace of its own (unshare(2)
CLONE_NEWNET, undone with setns(2) after the test) holding a veth pair
whose one end carries 10.77.0.1/24: an address of a real interface,
not loopback, which heraldd listens on and herald-mt5sim (the EA's own
source on the shim, its SocketTlsHandshake and SocketTlsCertificate on
OpenSSL) connects to.  The proofs: orders flow over TLS; a wrong pin is
refused by the EA with a log line; a client without TLS is dropped with
a log line; each bad peer of item 7 over TLS is dropped with the line
that says which (and on plain TCP too), and the right EA gets in
afterwards; heraldctl bridge
status prints the pin; a listener off loopback without TLS, and TLS
without its pair, are refused at heraldd -n and at start.
"""
import hashlib
import hmac
import json
import os
import socket
import ssl
import struct
import subprocess

import pytest

from bridge_peer import Peer, ProtocolError
from conftest import (HERALDCTL, TIMEOUT, free_port, network_namespace,
                      tls_files, wait_for, write_file)
from test_bridge import (KEY, LOGIN, MT5SIM, SERVER, Bridge, bridge_conf, buy,
                         journal_rows)
from test_http import make_key
from test_trading import Desk, trading_conf, yaml_text

ADDR = "10.77.0.1"

needs_mt5sim = pytest.mark.skipif(not os.path.exists(MT5SIM),
                                  reason="herald-mt5sim not built here")


@pytest.fixture
def remote_net():
    """This process in a new network namespace with ADDR on a veth."""
    with network_namespace(
            ["link", "add", "hbtls0", "type", "veth", "peer", "name",
             "hbtls1"],
            ["addr", "add", f"{ADDR}/24", "dev", "hbtls0"],
            ["link", "set", "hbtls0", "up"],
            ["link", "set", "hbtls1", "up"]):
        yield ADDR


def pin_of(crt):
    """The SHA-256 of the first certificate in crt, as heraldctl prints."""
    der = ssl.PEM_cert_to_DER_cert(open(crt).read())
    return hashlib.sha256(der).hexdigest().upper()


def tls_conf(port, key_file, address, tls=True, pair=None):
    crt, key = pair or tls_files("p384")
    conf = bridge_conf(port, key_file)
    conf["bridge"].update({"address": address, "tls": tls,
                           "tls_certificate": str(crt),
                           "tls_key": str(key)})
    return conf


class TlsBridge(Bridge):
    """Bridge's started heraldd, its listener on address with TLS."""

    def __init__(self, daemon, address, pair=None):
        crt, key = pair or tls_files("p384")
        self.address = address
        self.crt = crt
        super().__init__(daemon, bridge={
            "address": address, "tls": True, "tls_certificate": str(crt),
            "tls_key": str(key)})

    def peer(self, key=KEY, login=LOGIN, server=SERVER):
        """A Python EA over TLS (no verification: the pin is tested with
        herald-mt5sim, which runs the EA's own check)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        p = Peer(self.port, key, login, server, host=self.address, tls=ctx)
        self.peers.append(p)
        return p


@pytest.fixture
def tlsbridge(remote_net, daemons):
    b = TlsBridge(daemons(), remote_net)
    yield b
    b.close()


class TlsSim:
    """herald-mt5sim on the remote address, with a pin."""

    def __init__(self, bridge, workdir, pin):
        kf = workdir / "ea.key"
        kf.write_text(KEY.hex() + "\n")
        self.path = workdir / "mt5sim.log"
        self.logf = open(self.path, "wb")
        self.p = subprocess.Popen(
            [MT5SIM, "--connect", f"{bridge.address}:{bridge.port}",
             "--key-file", str(kf), "--login", str(LOGIN), "--server",
             SERVER, "--files", str(workdir), "--cert-sha256", pin],
            stdout=self.logf, stderr=subprocess.STDOUT)

    def log(self):
        return self.path.read_text(errors="replace")

    def wait_log(self, text):
        wait_for(lambda: text in self.log(), f"mt5sim log: {text}")

    def stop(self):
        self.p.terminate()
        self.p.wait(TIMEOUT)
        self.logf.close()


@pytest.fixture
def tlssim(tlsbridge, workdir):
    made = []

    def start(pin):
        made.append(TlsSim(tlsbridge, workdir, pin))
        return made[-1]
    yield start
    for s in made:
        s.stop()


# --- the EA over TLS ---------------------------------------------------------

@needs_mt5sim
def test_orders_flow_over_tls_off_loopback(tlsbridge, tlssim):
    b = tlsbridge
    s = tlssim(pin_of(b.crt))
    b.wait_up()
    b.d.wait_log(r"bridge: TLS with the EA \(TLSv1\.[23], ")
    s.wait_log("(TLS)")
    st, _, body = buy(b.desk)
    assert (st, body.get("retcode")) == (200, 10009), body
    st, _, body = b.desk.call("GET", "/v1/positions")
    assert st == 200 and len(body["positions"] if isinstance(body, dict)
                             else body) == 1, body


@needs_mt5sim
def test_wrong_pin_refused_by_the_ea(tlsbridge, tlssim):
    b = tlsbridge
    s = tlssim("AB" * 32)
    s.wait_log("is not the pinned one")
    # Nothing of the protocol went: the broker saw TLS, then a close.
    b.d.wait_log(r"bridge: EA connection dropped: ")
    assert "HELLO" not in s.log()
    assert b.account_status() == 503
    # Separators and case do not matter in the pin.
    right = pin_of(b.crt).lower()
    s.stop()
    tlssim(":".join(right[i:i + 2] for i in range(0, len(right), 2)))
    b.wait_up()


def test_plain_client_on_the_tls_listener_dropped(tlsbridge):
    b = tlsbridge
    text = (f"HELLO\nversion=1\nlogin={LOGIN}\nserver={SERVER}\n"
            f"nonce={'00' * 32}\nea=plain 1\n").encode()
    body = struct.pack(">Q", 1) + text
    with socket.create_connection((b.address, b.port), TIMEOUT) as sk:
        sk.sendall(struct.pack(">I", len(body)) + body)
        sk.settimeout(TIMEOUT)
        try:
            assert sk.recv(4096) == b""     # closed, no frame answered
        except ConnectionResetError:
            pass
    b.d.wait_log(r"bridge: EA connection dropped: TLS handshake failed "
                 r"\(an EA without TLS\?")
    assert b.account_status() == 503
    b.ea()                                  # the right EA still gets in


# --- bad peers over TLS (item 7) ---------------------------------------------

def _raw(p, seq, text, mac=True):
    """A frame with sequence seq, MACed under the session key."""
    body = struct.pack(">Q", seq) + text.encode()
    frame = struct.pack(">I", len(body) + (16 if mac else 0)) + body
    if mac:
        frame += hmac.new(p.s, frame, hashlib.sha256).digest()[:16]
    p.sock.sendall(frame)


BAD_FRAMES = [
    ("replay", lambda p: _raw(p, p.seq_out, "PONG\nreq=1\nt=1\n"),
     r"sequence number \d+ where \d+ was due"),
    ("gap", lambda p: _raw(p, p.seq_out + 5, "PONG\nreq=1\nt=1\n"),
     r"sequence number \d+ where \d+ was due"),
    ("oversized", lambda p: p.sock.sendall(struct.pack(">I", 70000)),
     r"frame length 70000 outside"),
    ("malformed", lambda p: _raw(p, p.seq_out + 1, "PONG\nreq=1\nT=1\n"),
     r"malformed key"),
    ("bad MAC", lambda p: _raw(p, p.seq_out + 1, "PONG\nreq=1\nt=1\n",
                               mac=False),
     r"bad MAC|frame length|short"),
]


@pytest.mark.parametrize("what,send,line", BAD_FRAMES,
                         ids=[b[0] for b in BAD_FRAMES])
def test_bad_frames_over_tls_dropped(tlsbridge, what, send, line):
    b = tlsbridge
    p = b.peer().connect()      # READY: frames are MACed from here on
    send(p)
    b.d.wait_log(r"bridge: EA connection dropped: .*(" + line + ")")
    b.wait_down()
    p.close()
    b.ea()                                  # nothing else changed


@pytest.mark.parametrize("what,send,line", BAD_FRAMES,
                         ids=[b[0] for b in BAD_FRAMES])
def test_bad_frames_dropped(daemons, what, send, line):
    """The same on plain TCP (loopback): the checks are the codec's,
    not TLS's; no order and no journal row come of it."""
    b = Bridge(daemons())
    try:
        p = b.peer().connect()
        send(p)
        b.d.wait_log(r"bridge: EA connection dropped: .*(" + line + ")")
        b.wait_down()
        p.close()
        b.ea()
        assert journal_rows(b.d) == []
    finally:
        b.close()


def test_wrong_key_and_account_over_tls_refused(tlsbridge):
    b = tlsbridge
    assert b.peer(key=bytes(32)).refused_with() == "auth_failed"
    b.d.wait_log("AUTH tag does not check")
    assert b.peer(login=87654321).refused_with() == "account_mismatch"
    b.d.wait_log("SECURITY: bridge: the EA reports account 87654321")
    assert b.account_status() == 503
    b.ea()


# --- heraldctl makes the pair ------------------------------------------------

def cert_create(*args):
    return subprocess.run([HERALDCTL, "bridge", "cert", "create", *args],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=TIMEOUT)


def test_heraldctl_bridge_cert_create_refusals(workdir):
    crt, key = workdir / "b.crt", workdir / "b.key"
    r = cert_create(str(crt))
    assert r.returncode == 1 and "tls_key" in r.stderr, r.stderr
    r = cert_create(str(crt), str(crt))
    assert r.returncode == 1 and "two files" in r.stderr, r.stderr
    r = cert_create(str(crt), str(key), "--days", "0")
    assert r.returncode == 1 and "--days 0" in r.stderr, r.stderr
    r = cert_create(str(crt), str(key), "--address", "bad address!")
    assert r.returncode == 1 and "--address" in r.stderr, r.stderr
    assert not crt.exists() and not key.exists()
    r = cert_create(str(crt), str(key), "--days", "30")
    assert r.returncode == 0, r.stderr
    pin = r.stdout.strip()
    assert pin == pin_of(crt), (pin, pin_of(crt))
    assert (key.stat().st_mode & 0o777, crt.stat().st_mode & 0o777) == \
        (0o600, 0o644)
    before = (crt.read_bytes(), key.read_bytes())
    for args in ((str(crt), str(workdir / "other.key")),
                 (str(workdir / "other.crt"), str(key))):
        r = cert_create(*args)
        assert r.returncode == 1 and "never replaced" in r.stderr, r.stderr
    assert (crt.read_bytes(), key.read_bytes()) == before
    assert not (workdir / "other.key").exists()
    assert not (workdir / "other.crt").exists()


@needs_mt5sim
def test_heraldctl_bridge_cert_create_pair_serves_the_ea(
        remote_net, daemons, workdir):
    """The pair heraldctl makes: heraldd takes it, heraldctl bridge
    status prints the same pin, and the EA pinned to it trades."""
    crt, key = workdir / "bridge.crt", workdir / "bridge.key"
    r = subprocess.run([HERALDCTL, "-j", "bridge", "cert", "create",
                        str(crt), str(key), "--address", remote_net],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    made = json.loads(r.stdout)
    assert made["days"] == 3650 and made["key"] == str(key), made
    b = TlsBridge(daemons(), remote_net, pair=(crt, key))
    s = TlsSim(b, workdir, made["sha256"])
    try:
        assert f"SHA-256 {made['sha256']}" in b.d.ctl("bridge",
                                                      "status").stdout
        b.wait_up()
        st, _, body = buy(b.desk)
        assert (st, body.get("retcode")) == (200, 10009), body
    finally:
        s.stop()
        b.close()


# --- heraldctl shows the pin -------------------------------------------------

def test_heraldctl_bridge_status_prints_the_pin(tlsbridge):
    b = tlsbridge
    pin = pin_of(b.crt)
    r = b.d.ctl("bridge", "status")
    assert r.returncode == 0, r.stderr
    assert f"TLS certificate SHA-256 {pin}" in r.stdout, r.stdout
    r = b.d.ctl("-j", "bridge", "status")
    assert f'"tls_sha256": "{pin}"' in r.stdout.replace(": ", ": "), r.stdout
    b.d.wait_log(f"bridge: TLS on {b.address} port {b.port} .*SHA-256 {pin}")


def test_reload_keeps_the_pair_until_a_restart(tlsbridge):
    """mt5.bridge is set up once: a reload names it and changes nothing."""
    b = tlsbridge
    pin = pin_of(b.crt)
    other_crt, other_key = tls_files("ec")
    text = b.d.config.read_text().replace(
        str(b.crt), str(other_crt)).replace(
        str(tls_files("p384")[1]), str(other_key))
    b.d.write_config(text=text)
    r = b.d.ctl("reload")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "mt5.bridge (restart needed)" in r.stdout, r.stdout
    b.d.wait_log(r"^monitor: reload: mt5.bridge changed; restart heraldd "
                 r"to apply$")
    assert f"SHA-256 {pin}" in b.d.ctl("bridge", "status").stdout
    b.ea()                                  # the old pair still serves


# --- refused at -n and at start ----------------------------------------------

def _conf_text(daemon, mt5):
    return yaml_text(daemon.settings(
        mt5=mt5, trading=trading_conf(allowed_symbols=["EURUSD"])))


def test_off_loopback_without_tls_refused(daemon):
    kf = daemon.dir / "bridge.key"
    write_file(kf, KEY.hex() + "\n")
    for addr in ("192.0.2.7", "0.0.0.0"):
        daemon.write_config(text=_conf_text(
            daemon, tls_conf(free_port(), kf, addr, tls=False)))
        rc, _, err = daemon.run_n()
        assert rc != 0
        assert (f"mt5.bridge.address: {addr} is not a loopback address, "
                "and mt5.bridge.tls is off") in err, err
        assert "set mt5.bridge.tls: true" in err, err
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert "mt5.bridge.tls is off" in daemon.log()


def test_tls_without_its_pair_refused(daemon, workdir):
    kf = daemon.dir / "bridge.key"
    write_file(kf, KEY.hex() + "\n")
    crt, _ = tls_files("p384")
    mt5 = tls_conf(free_port(), kf, "192.0.2.7",
                   pair=(crt, workdir / "no-such.key"))
    daemon.write_config(text=_conf_text(daemon, mt5))
    rc, _, err = daemon.run_n()
    assert rc != 0
    assert "mt5.bridge.tls_key: " in err and "no-such.key" in err, err
    # A certificate that is not the key's.
    other, _ = tls_files("ec")
    mt5 = tls_conf(free_port(), kf, "192.0.2.7",
                   pair=(other, tls_files("p384")[1]))
    daemon.write_config(text=_conf_text(daemon, mt5))
    rc, _, err = daemon.run_n()
    assert rc != 0
    assert (f"mt5.bridge.tls_certificate {other}: the first certificate "
            "is not mt5.bridge.tls_key's") in err, err
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    assert "is not mt5.bridge.tls_key's" in daemon.log()

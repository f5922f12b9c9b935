"""
Certificates live (issue 11 item 5): heraldctl reload, or SIGHUP, reads
tls.certificate and tls.key again.  A new pair that loads and matches is
in force for new handshakes (compared by the SHA-256 of the certificate
the server presents), while a connection opened before goes on with the
certificate it began with; a key that does not match the certificate is
refused with the reason, exit 1, and the old certificate keeps serving.
The certificate in force shows in heraldctl status and GET /metrics,
and one inside tls.expiry_warning_days is logged as it is taken.

Each test has its own certificate files (the session's are shared).
"""
import hashlib
import http.client
import json
import signal
import socket
import ssl
import subprocess
import time

from conftest import SYSPATH, TIMEOUT
from test_http import make_key
from test_metrics import scrape, value


def make_pair(d, name, days=90):
    """A self-signed P-256 certificate and key under d.dir: paths."""
    crt, key = d.dir / f"{name}.crt", d.dir / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", str(days), "-subj",
                    f"/CN={name}", "-addext",
                    "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, env={"PATH": SYSPATH})
    key.chmod(0o600)
    crt.chmod(0o644)
    return crt, key


def fingerprint(path):
    """SHA-256 of the certificate in a PEM file."""
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(
        path.read_text())).hexdigest()


def install(src, dst):
    """Replace dst's contents with src's, in place, owner and mode kept."""
    crt, key = src
    dcrt, dkey = dst
    dkey.write_bytes(key.read_bytes())
    dcrt.write_bytes(crt.read_bytes())


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def served(d):
    """SHA-256 of the certificate a new handshake gets."""
    with socket.create_connection(("127.0.0.1", d.port), TIMEOUT) as raw:
        with context().wrap_socket(raw) as s:
            return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


class Open:
    """A keep-alive HTTPS connection and the certificate it began with."""

    def __init__(self, d):
        self.c = http.client.HTTPSConnection("127.0.0.1", d.port,
                                             timeout=TIMEOUT,
                                             context=context())
        self.c.connect()
        self.fp = hashlib.sha256(
            self.c.sock.getpeercert(binary_form=True)).hexdigest()

    def healthz(self):
        self.c.request("GET", "/healthz")
        r = self.c.getresponse()
        return r.status, json.loads(r.read())

    def close(self):
        self.c.close()


def start(daemon):
    pair = make_pair(daemon, "server")
    daemon.write_config(tls={"certificate": str(pair[0]),
                             "key": str(pair[1])})
    daemon.start()
    return pair


def test_reload_takes_a_new_pair(daemon):
    live = start(daemon)
    first = fingerprint(live[0])
    assert served(daemon) == first
    before = Open(daemon)
    assert before.healthz() == (200, {"status": "ok"})

    new = make_pair(daemon, "renewed", days=365)
    install(new, live)
    r = daemon.ctl("reload")
    assert (r.returncode, r.stdout, r.stderr) == \
        (0, "tls.certificate (reloaded)\n", ""), r
    daemon.wait_log(r"^net: TLS: new connections get the new certificate "
                    r"\(key id 2\)$")
    assert served(daemon) == fingerprint(new[0]) != first
    # The connection opened before goes on, on its own certificate.
    assert before.fp == first
    assert before.healthz() == (200, {"status": "ok"})
    before.close()
    st = daemon.status()
    assert st["certificate"]["state"] == "valid", st
    out = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in",
                          str(new[0])], capture_output=True, text=True,
                         check=True, env={"PATH": SYSPATH}).stdout
    assert out.startswith("notAfter="), out
    left = st["certificate"]["not_after"]
    fams = scrape(daemon, make_key(daemon, "watch", "viewer"), context())
    expiry = value(fams, "herald_tls_certificate_expiry_seconds")
    assert 364 * 86400 < expiry <= 365 * 86400, expiry
    assert abs(left - (expiry + time.time())) < 60
    table = daemon.ctl("status").stdout
    assert "certificate valid, expires " in table, table
    assert "days left)" in table, table
    # Nothing new: nothing said.
    r = daemon.ctl("reload")
    assert (r.returncode, r.stdout) == (0, "no change\n"), r


def test_mismatched_key_is_refused(daemon):
    live = start(daemon)
    first = fingerprint(live[0])
    a, b = make_pair(daemon, "a"), make_pair(daemon, "b")
    install((a[0], b[1]), live)
    r = daemon.ctl("reload")
    assert r.returncode == 1, r
    assert "does not match the private key (tls.key)" in r.stderr, r.stderr
    assert "the certificate in force is kept" in r.stderr, r.stderr
    assert served(daemon) == first
    assert daemon.status()["reloads"] == 0
    # Mended: the next reload takes it.
    install(a, live)
    r = daemon.ctl("reload")
    assert r.returncode == 0, r
    assert served(daemon) == fingerprint(a[0])


def test_sighup_and_the_expiry_warning(daemon):
    live = start(daemon)
    soon = make_pair(daemon, "soon", days=10)
    install(soon, live)
    daemon.send_signal(signal.SIGHUP)
    daemon.wait_log(r"^monitor: reload: tls\.certificate \S+ and tls\.key "
                    r"are in force for new connections \(key id 2\)$")
    daemon.wait_log(r"^monitor: reload: tls\.certificate \S+: the "
                    r"certificate expires on \S+, within 30 days$")
    daemon.wait_log(r"^net: TLS: new connections get the new certificate")
    assert served(daemon) == fingerprint(soon[0])
    assert daemon.status()["certificate"]["state"] == "expiring"


def test_new_paths(daemon):
    start(daemon)
    other = make_pair(daemon, "other")
    daemon.write_config(tls={"certificate": str(other[0]),
                             "key": str(other[1])})
    r = daemon.ctl("reload")
    assert (r.returncode, r.stdout) == (0, "tls.certificate; tls.key\n"), r
    assert served(daemon) == fingerprint(other[0])

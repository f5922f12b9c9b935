"""
TLS on the real daemon, with the private key held by the monitor.

Certificates are made here with the openssl command: a server CA, a
leaf for each key type (RSA-2048, ECDSA P-256, P-384) whose certificate
file carries the chain (leaf, then CA), a client CA with a client
certificate, and a rogue CA that signs the same client key.  Real
clients (openssl s_client, curl, Python's ssl) check what heraldd
offers and refuses; /proc/PID/mem shows that the private key and the MT5
password never reach net, while the monitor, which holds the key, is the
positive control for the search.
"""
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import NOBODY, SANITIZED, SYSPATH, TIMEOUT, tls_files

KINDS = ("rsa", "p256", "p384")

OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = herald-test
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

GENKEY = {
    "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-pkeyopt", "ec_param_enc:named_curve"],
    "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
             "-pkeyopt", "ec_param_enc:named_curve"],
}


def openssl(*args, cwd=None, env=None, check=True, inp=None):
    e = {"PATH": SYSPATH}
    e.update(env or {})
    r = subprocess.run(["openssl", *args], cwd=cwd, env=e, input=inp,
                       stdin=None if inp is not None else subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: "
                             f"{r.stderr.decode(errors='replace')}")
    return r


class PKI:
    """Every key and certificate the tests use, under one directory."""

    def __init__(self, d):
        self.dir = d
        self.cnf = d / "openssl.cnf"
        self.cnf.write_text(OPENSSL_CNF)
        self.serial = 1
        # An empty configuration: old protocols are the client's choice.
        self.empty_cnf = d / "empty.cnf"
        self.empty_cnf.write_text("")
        self.ca_key, self.ca = self.make_ca("server-ca", "p256")
        self.leaf = {}
        for kind in KINDS:
            key = self.genkey(f"server-{kind}", kind)
            crt = self.sign(f"server-{kind}", key, "/CN=localhost",
                            self.ca, self.ca_key, "server")
            chain = d / f"server-{kind}.chain.pem"
            chain.write_text(crt.read_text() + self.ca.read_text())
            self.leaf[kind] = (chain, key, crt)
        self.client_ca_key, self.client_ca = self.make_ca("client-ca",
                                                          "p256")
        self.rogue_key, self.rogue_ca = self.make_ca("rogue-ca", "p256")
        self.client_key = self.genkey("client", "p256")
        self.client = self.sign("client", self.client_key, "/CN=client",
                                self.client_ca, self.client_ca_key, "client")
        self.rogue_client = self.sign("rogue-client", self.client_key,
                                      "/CN=client", self.rogue_ca,
                                      self.rogue_key, "client")

    def genkey(self, name, kind):
        key = self.dir / f"{name}.key"
        openssl("genpkey", *GENKEY[kind], "-out", str(key))
        os.chown(key, 0, 0)
        os.chmod(key, 0o600)
        return key

    def make_ca(self, name, kind):
        key = self.genkey(name, kind)
        crt = self.dir / f"{name}.crt"
        openssl("req", "-x509", "-new", "-config", str(self.cnf),
                "-extensions", "ca", "-key", str(key), "-subj",
                f"/CN=herald test {name}", "-days", "90", "-sha256",
                "-out", str(crt))
        return key, crt

    def sign(self, name, key, subj, ca, ca_key, ext):
        csr = self.dir / f"{name}.csr"
        crt = self.dir / f"{name}.crt"
        openssl("req", "-new", "-config", str(self.cnf), "-key", str(key),
                "-subj", subj, "-out", str(csr))
        self.serial += 1
        openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey",
                str(ca_key), "-set_serial", str(self.serial), "-days", "90",
                "-sha256", "-extfile", str(self.cnf), "-extensions", ext,
                "-out", str(crt))
        os.chmod(crt, 0o644)
        return crt


@pytest.fixture(scope="module")
def pki():
    d = Path(tempfile.mkdtemp(prefix="herald-itg-pki-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield PKI(d)
    shutil.rmtree(d, ignore_errors=True)


def tls_settings(pki, kind, client_ca=False, key=None):
    chain, leafkey, _ = pki.leaf[kind]
    t = {"certificate": str(chain), "key": str(key or leafkey)}
    if client_ca:
        t["client_ca"] = str(pki.client_ca)
    return t


def start(daemon, pki, kind="p256", client_ca=False, env=None):
    daemon.write_config(tls=tls_settings(pki, kind, client_ca))
    daemon.start(env=env)
    return daemon


# --- clients -------------------------------------------------------------

def s_client(daemon, *args, conf=None):
    """openssl s_client against the daemon: (status, output)."""
    env = {"OPENSSL_CONF": str(conf)} if conf else {}
    r = openssl("s_client", "-connect", f"127.0.0.1:{daemon.port}",
                "-servername", "localhost", *args, env=env, check=False)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def assert_handshake(rc, out, version):
    assert rc == 0, f"s_client failed:\n{out}"
    assert re.search(rf"^New, {re.escape(version)}, Cipher is \S+$", out,
                     re.M), out
    # ("Protocol  : ..." comes with the session, which a TLS 1.3 client
    # may not have received before it leaves.)
    assert "Verify return code: 0 (ok)" in out, out


def assert_refused(rc, out, alert):
    assert rc != 0, f"s_client succeeded where it must fail:\n{out}"
    assert "Cipher is (NONE)" in out, out
    assert alert in out, f"no '{alert}' from the server:\n{out}"


def python_client(pki, cert=None, version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(pki.ca))
    ctx.set_alpn_protocols(["http/1.1"])
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(pki.client_key))
    return ctx


def https_get(daemon, pki, path="/healthz", cert=None, version=None):
    """One request over a new TLS connection: (tls version, raw reply)."""
    ctx = python_client(pki, cert, version)
    with socket.create_connection(("127.0.0.1", daemon.port),
                                  timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.selected_alpn_protocol() == "http/1.1"
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
                      f"Connection: close\r\n\r\n".encode())
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return s.version(), reply


def assert_ok_reply(reply):
    assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]


# --- protocols and suites --------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_tls13_and_tls12_with_alpn(daemon, pki, kind):
    start(daemon, pki, kind)
    for flag, version in (("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")):
        rc, out = s_client(daemon, flag, "-alpn", "http/1.1", "-CAfile",
                           str(pki.ca))
        assert_handshake(rc, out, version)
        assert "ALPN protocol: http/1.1" in out, out
        # The leaf and its CA, as the certificate file holds them.
        assert re.search(r"^ 1 s:CN = herald test server-ca$", out, re.M), \
            out
        if version == "TLSv1.2":
            assert re.search(r"^New, TLSv1\.2, Cipher is ECDHE-"
                             r"(RSA|ECDSA)-(AES\d+-GCM-SHA\d+|CHACHA20-"
                             r"POLY1305)$", out, re.M), out
        sig = "RSA-PSS" if kind == "rsa" else "ECDSA"
        assert f"Peer signature type: {sig}" in out, out
        assert "Compression: NONE" in out
    assert "keyop: refused" not in daemon.log()
    assert "key operation" not in daemon.log()


def test_rsa_pkcs1_signatures_for_tls12(daemon, pki):
    # A TLS 1.2 client that only accepts PKCS#1 v1.5 signatures.
    start(daemon, pki, "rsa")
    for sigalgs in ("RSA+SHA256", "RSA+SHA384", "RSA+SHA512"):
        rc, out = s_client(daemon, "-tls1_2", "-sigalgs", sigalgs,
                           "-CAfile", str(pki.ca))
        assert_handshake(rc, out, "TLSv1.2")
        assert "Peer signature type: RSA\n" in out, out


def test_no_alpn_offered_is_not_an_error(daemon, pki):
    start(daemon, pki, "p384")
    rc, out = s_client(daemon, "-tls1_3", "-CAfile", str(pki.ca))
    assert_handshake(rc, out, "TLSv1.3")
    assert "No ALPN negotiated" in out, out
    rc, out = s_client(daemon, "-tls1_3", "-alpn", "h2", "-CAfile",
                       str(pki.ca))
    assert_handshake(rc, out, "TLSv1.3")
    assert "No ALPN negotiated" in out, out


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_tls10_and_tls11_refused(daemon, pki, flag):
    start(daemon, pki, "rsa")
    # SECLEVEL=0 and no system configuration: the client really tries.
    rc, out = s_client(daemon, flag, "-cipher", "DEFAULT@SECLEVEL=0",
                       conf=pki.empty_cnf)
    assert_refused(rc, out, "alert protocol version")


@pytest.mark.parametrize("cipher", [
    "AES128-GCM-SHA256",                # static RSA key exchange
    "AES256-SHA256",                    # static RSA, CBC
    "ECDHE-RSA-AES128-SHA256",          # forward secret, but CBC
    "DHE-RSA-AES128-GCM-SHA256",        # finite-field DHE
])
def test_static_rsa_and_non_aead_suites_refused(daemon, pki, cipher):
    start(daemon, pki, "rsa")
    rc, out = s_client(daemon, "-tls1_2", "-cipher", cipher,
                       conf=pki.empty_cnf)
    assert_refused(rc, out, "alert handshake failure")


def test_renegotiation_refused(daemon, pki):
    start(daemon, pki, "rsa")
    # "R" on s_client's input asks for a renegotiation.
    r = openssl("s_client", "-connect", f"127.0.0.1:{daemon.port}",
                "-tls1_2", "-CAfile", str(pki.ca), check=False,
                inp=b"R\n")
    out = (r.stdout + r.stderr).decode(errors="replace")
    assert "RENEGOTIATING" in out, out
    assert "no renegotiation" in out, out


# --- client certificates ---------------------------------------------------

VERSIONS = [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2]


@pytest.mark.parametrize("version", VERSIONS, ids=["tls1.3", "tls1.2"])
def test_client_certificate_required_with_client_ca(daemon, pki, version):
    start(daemon, pki, "p256", client_ca=True)
    # Signed by the client CA: served.
    got, reply = https_get(daemon, pki, cert=pki.client, version=version)
    assert got == {ssl.TLSVersion.TLSv1_3: "TLSv1.3",
                   ssl.TLSVersion.TLSv1_2: "TLSv1.2"}[version]
    assert_ok_reply(reply)
    # No certificate, or one from another CA: the handshake fails (in
    # TLS 1.3 the client learns it at its first read).
    for cert in (None, pki.rogue_client):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            https_get(daemon, pki, cert=cert, version=version)
    assert daemon.running()


def test_client_ca_names_sent_and_s_client_without_cert_fails(daemon, pki):
    start(daemon, pki, "rsa", client_ca=True)
    rc, out = s_client(daemon, "-tls1_2", "-CAfile", str(pki.ca))
    assert rc != 0, out
    assert "Acceptable client certificate CA names" in out, out
    assert "CN = herald test client-ca" in out, out
    rc, out = s_client(daemon, "-tls1_2", "-CAfile", str(pki.ca), "-cert",
                       str(pki.client), "-key", str(pki.client_key))
    assert_handshake(rc, out, "TLSv1.2")


# --- HTTP over TLS ----------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_healthz_over_tls_with_curl_and_python(daemon, pki, kind):
    start(daemon, pki, kind)
    url = f"https://127.0.0.1:{daemon.port}/healthz"
    for verify in (["-k"], ["--cacert", str(pki.ca)]):
        r = subprocess.run(["curl", "-s", "--http1.1", *verify, "-o",
                            "/dev/null", "-w", "%{http_code}", url],
                           capture_output=True, text=True, timeout=TIMEOUT,
                           env={"PATH": SYSPATH})
        assert r.stdout == "200", (r.returncode, r.stdout, r.stderr)
    for version in VERSIONS:
        _, reply = https_get(daemon, pki, version=version)
        assert_ok_reply(reply)


# --- the key stays in the monitor -------------------------------------------

def key_fields(key):
    """The secret numbers of a PEM key, from openssl's text dump."""
    text = openssl("pkey", "-in", str(key), "-text", "-noout").stdout
    fields, name = {}, None
    for line in text.decode().splitlines():
        m = re.match(r"^([A-Za-z0-9]+):\s*$", line)
        if m:
            name = m.group(1)
            fields[name] = ""
        elif name is not None and re.match(r"^\s+[0-9a-f:]+$", line):
            fields[name] += line.strip()
        else:
            name = None
    secret = ("privateExponent", "prime1", "prime2", "exponent1",
              "exponent2", "coefficient", "priv")
    out = {}
    for k in secret:
        if k in fields:
            b = bytes.fromhex(fields[k].replace(":", "")).lstrip(b"\0")
            out[k] = b
    assert out, f"no private numbers found in {key}"
    return out


def needles(key):
    """name -> bytes that only the private key's holder can have."""
    out = {}
    der = openssl("pkey", "-in", str(key), "-outform", "DER").stdout
    out["PKCS#8 DER"] = der
    trad = openssl("pkey", "-in", str(key), "-outform", "DER",
                   "-traditional").stdout
    out["traditional DER"] = trad
    pem_lines = [ln for ln in key.read_text().splitlines()
                 if not ln.startswith("-----")]
    out["PEM body line"] = pem_lines[1].encode()
    for name, b in key_fields(key).items():
        out[f"{name} (big-endian)"] = b
        # BIGNUM limbs on a little-endian machine: the bytes reversed.
        out[f"{name} (little-endian)"] = b[::-1]
    return out


# AddressSanitizer's shadow memory on x86-64 (make check-sanitize): some
# terabytes of reserved pages that hold only its bookkeeping, never the
# process's data, and that no test could read whole.
ASAN_SHADOW = (0x00007fff8000, 0x10007fff8000)


def memory_regions(pid):
    """The readable mappings of a process, read through /proc/PID/mem."""
    regions = []
    with open(f"/proc/{pid}/maps") as maps, \
            open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            f = line.split()
            perms, path = f[1], (f[5] if len(f) > 5 else "")
            if not perms.startswith("r") or path in ("[vvar]",
                                                      "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in f[0].split("-"))
            if SANITIZED and ASAN_SHADOW[0] <= start and \
                    end <= ASAN_SHADOW[1]:
                continue
            try:
                mem.seek(start)
                regions.append((line.strip(), mem.read(end - start)))
            except (OSError, OverflowError, ValueError):
                continue
    assert regions, f"nothing readable in pid {pid}"
    return regions


def found(regions, needle):
    return [where for where, data in regions if needle in data]


@pytest.mark.parametrize("kind", KINDS)
def test_private_key_and_password_never_in_net(daemon, pki, kind):
    password = "Mt5-" + os.urandom(12).hex()
    start(daemon, pki, kind, env={"MT5_PASSWORD": password})
    # Handshakes, so that net has done everything it does with the key.
    for version in VERSIONS:
        rc, out = s_client(daemon, "-tls1_3" if version ==
                           ssl.TLSVersion.TLSv1_3 else "-tls1_2",
                           "-CAfile", str(pki.ca))
        assert rc == 0, out
    _, key, _ = pki.leaf[kind]
    secrets = needles(key)
    secrets["MT5 password"] = password.encode()

    net = memory_regions(daemon.children["net"])
    # The reading works in net: the certificate chain it holds is there.
    assert found(net, b"herald test server-ca"), \
        "the search does not even find the certificate in net"
    leaks = {name: found(net, b) for name, b in secrets.items()}
    leaks = {k: v for k, v in leaks.items() if v}
    assert not leaks, f"secrets in net's memory: {leaks}"

    # Positive control: the same search finds the key in the monitor.
    mon = memory_regions(daemon.pid)
    in_monitor = [name for name, b in secrets.items()
                  if name.endswith("endian)") and found(mon, b)]
    assert in_monitor, "the search does not find the key even in the " \
        "monitor, so it proves nothing about net"


# --- key files ---------------------------------------------------------------

def copy_key(daemon, pki, kind, mode, uid=0):
    _, key, _ = pki.leaf[kind]
    dst = daemon.dir / "server.key"
    shutil.copyfile(key, dst)
    os.chown(dst, uid, 0)
    os.chmod(dst, mode)
    return dst


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660],
                         ids=lambda m: f"{m:04o}")
def test_key_readable_by_others_refused(daemon, pki, mode):
    key = copy_key(daemon, pki, "rsa", mode)
    daemon.write_config(tls=tls_settings(pki, "rsa", key=key))
    rc, out, err = daemon.run_n()
    assert rc == 1, (rc, out, err)
    assert str(key) in err, err
    assert f"mode {mode:04o}" in err, err
    assert "bad ownership or modes" in err, err
    # And the daemon does not start with it.
    daemon.expect_exit = 1
    daemon.start(wait=False)
    assert daemon.wait_exit() == 1
    assert str(key) in daemon.log()


def test_key_not_owned_by_root_refused(daemon, pki):
    key = copy_key(daemon, pki, "p256", 0o600, uid=NOBODY)
    daemon.write_config(tls=tls_settings(pki, "p256", key=key))
    rc, out, err = daemon.run_n()
    assert rc == 1, (rc, out, err)
    assert str(key) in err and f"owner uid {NOBODY}" in err, err


def test_key_of_0600_accepted_by_n(daemon, pki):
    key = copy_key(daemon, pki, "p384", 0o600)
    daemon.write_config(tls=tls_settings(pki, "p384", key=key))
    rc, out, err = daemon.run_n()
    assert rc == 0, (rc, out, err)


def test_key_not_matching_certificate_refused(daemon, pki):
    key = copy_key(daemon, pki, "p256", 0o600)
    chain, _, _ = pki.leaf["p384"]
    daemon.write_config(tls={"certificate": str(chain), "key": str(key)})
    rc, out, err = daemon.run_n()
    assert rc == 1, (rc, out, err)
    assert str(chain) in err and "does not match" in err, err


def test_small_rsa_key_refused(daemon, pki):
    key = daemon.dir / "small.key"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
            "rsa_keygen_bits:1024", "-out", str(key))
    os.chmod(key, 0o600)
    daemon.write_config(tls=tls_settings(pki, "rsa", key=key))
    rc, out, err = daemon.run_n()
    assert rc == 1, (rc, out, err)
    assert str(key) in err and "RSA key of 1024 bits" in err, err


def test_certificate_writable_by_others_refused(daemon):
    # Public, but the server's identity: only root may change it.
    crt, key = tls_files()
    loose = daemon.dir / "loose.crt"
    shutil.copy(crt, loose)
    os.chmod(loose, 0o666)
    daemon.write_config(tls={"certificate": str(loose), "key": str(key)})
    with pytest.raises(AssertionError, match=r"tls.certificate: .*"
                       r"loose.crt: bad ownership or modes.*0666"):
        daemon.start()
    daemon.expect_exit = None

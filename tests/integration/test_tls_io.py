"""
How net's TLS meets the wire.  A client that reads the raw records sees
an answer leave as one TLS record (daemon/http_conn.c's conn_write),
whether net answers alone or after the monitor.  A source that floods
net with handshakes does not hold up another source's handshakes: net
keeps serving while the monitor signs, and sends the monitor the
requests of the sources round-robin (daemon/tls_async.c).
"""
import atexit
import json
import os
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import TIMEOUT, tls_files


def make_key(daemon, name, role="viewer"):
    r = daemon.ctl("-j", "key", "create", name, "--role", role)
    assert r.returncode == 0, f"heraldctl key create: {r.stderr}"
    return json.loads(r.stdout)["key"]


class RawTLS:
    """A TLS client over a memory BIO: every record it reads is seen."""

    def __init__(self, port, version=None):
        crt, _ = tls_files()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile=str(crt))
        if version is not None:
            ctx.minimum_version = ctx.maximum_version = version
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=TIMEOUT)
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inb, self.outb,
                                server_hostname="localhost")
        self.raw = b""          # bytes read since the last take_records()
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._read()
        self._flush()

    def _flush(self):
        data = self.outb.read()
        if data:
            self.sock.sendall(data)

    def _read(self):
        data = self.sock.recv(65536)
        assert data, "the server closed the connection"
        self.raw += data
        self.inb.write(data)

    def send(self, text):
        self.tls.write(text.encode())
        self._flush()

    def answer(self):
        """One HTTP answer with a Content-Length: (head, body)."""
        buf = b""
        while True:
            try:
                buf += self.tls.read(65536)
            except ssl.SSLWantReadError:
                pass
            if b"\r\n\r\n" in buf:
                head, _, body = buf.partition(b"\r\n\r\n")
                length = [int(v.split(b":")[1]) for v in head.split(b"\r\n")
                          if v.lower().startswith(b"content-length:")]
                assert length, head
                if len(body) >= length[0]:
                    assert len(body) == length[0], buf
                    return head.decode(), body
            self._read()

    def take_records(self):
        """The types of the whole records read since the last call."""
        types, p = [], 0
        while p + 5 <= len(self.raw):
            n = int.from_bytes(self.raw[p + 3:p + 5], "big")
            assert p + 5 + n <= len(self.raw), "a record was cut"
            types.append(self.raw[p])
            p += 5 + n
        assert p == len(self.raw), "a record was cut"
        self.raw = b""
        return types

    def close(self):
        self.sock.close()


REQUESTS = {
    "net": "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "monitor": "GET /v1/status HTTP/1.1\r\nHost: localhost\r\n"
               "Authorization: Bearer {key}\r\n\r\n",
}


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2,
                                     ssl.TLSVersion.TLSv1_3])
@pytest.mark.parametrize("who", ["net", "monitor"])
def test_each_answer_is_one_tls_record(running, version, who):
    key = make_key(running, "records")
    c = RawTLS(running.port, version)
    try:
        # The first exchange also carries what follows the handshake
        # (TLS 1.3's session ticket); the later ones only the answer.
        c.send(REQUESTS[who].format(key=key))
        head, _ = c.answer()
        assert head.startswith("HTTP/1.1 200 "), head
        c.take_records()
        for _ in range(3):
            c.send(REQUESTS[who].format(key=key))
            head, body = c.answer()
            assert head.startswith("HTTP/1.1 200 "), head
            assert body.startswith(b"{"), body
            # 23: application_data; head and body in one record.
            assert c.take_records() == [23], head
    finally:
        c.close()


# --- a handshake flood from one source ------------------------------------

FLOOD = 150         # handshakes from the flooding source, all waiting


@pytest.fixture(scope="module")
def slow_key():
    """An RSA-4096 certificate: each signature costs the monitor time."""
    d = Path(tempfile.mkdtemp(prefix="herald-itg-tls-rsa4096-"))
    atexit.register(shutil.rmtree, d, True)
    os.chmod(d, 0o755)
    key, crt = d / "server.key", d / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:4096",
                    "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=300)
    os.chmod(key, 0o600)
    return crt, key


def answered(socks):
    """How many of socks the server has written to (signed for)."""
    r, _, _ = select.select(socks, [], [], 0)
    return len(r)


def test_handshake_flood_from_one_source_does_not_starve_another(
        daemon, slow_key):
    crt, key = slow_key
    daemon.write_config(
        tls={"certificate": str(crt), "key": str(key)},
        limits={"connections": 1000, "connections_per_source": 1000,
                "header_timeout": 120},
        rate_limit={"window": 1, "per_source": 100000,
                    "per_key": 100000})
    daemon.start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inb, outb)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outb.read()
    flood = []
    try:
        # 127.0.0.1 asks for FLOOD signatures and never reads them.
        for _ in range(FLOOD):
            s = socket.create_connection(("127.0.0.1", daemon.port),
                                         timeout=TIMEOUT)
            s.sendall(hello)
            flood.append(s)
        # The monitor is busy with the flood once its first answers come.
        r, _, _ = select.select(flood, [], [], TIMEOUT)
        assert r, "no flood handshake was answered"
        # Another source completes handshakes and requests meanwhile.
        # Signed round-robin, each of its handshakes waits for a few of
        # the flood's signatures (those already with the monitor, one
        # queued before it); first come first served, the first would
        # wait behind all of the flood.  Counted per handshake: between
        # two of them the flood is all there is to sign, and a slow
        # client (a loaded machine) lets it go on.
        waited = []
        for _ in range(3):
            raw = socket.socket()
            raw.settimeout(TIMEOUT)
            raw.bind(("127.0.0.2", 0))
            raw.connect(("127.0.0.1", daemon.port))
            before = answered(flood)
            with ctx.wrap_socket(raw) as c:
                waited.append(answered(flood) - before)
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                          b"Connection: close\r\n\r\n")
                reply = c.recv(65536)
                assert reply.startswith(b"HTTP/1.1 200 "), reply
        n = answered(flood)
        print(f"flood handshakes signed during each handshake: {waited}, "
              f"{n} of {FLOOD} in all")
        assert max(waited) < FLOOD // 4, waited
        assert n < FLOOD, f"all {FLOOD} flood handshakes first"
    finally:
        for s in flood:
            s.close()


# --- requests batched to the monitor ---------------------------------------

def test_concurrent_requests_each_get_their_own_answer(running):
    """net sends the monitor the requests of a loop turn in one batch,
    and the monitor answers them in one: many keys on many keep-alive
    connections at once, each answer is the monitor's for that request
    (its key), none lost, none swapped."""
    import threading

    keys = {f"batch{i}": make_key(running, f"batch{i}") for i in range(4)}
    names = sorted(keys)
    errors = []

    def client(n):
        name = names[n % len(names)]
        c = RawTLS(running.port)
        try:
            for _ in range(15):
                c.send(REQUESTS["monitor"].format(key=keys[name]))
                head, body = c.answer()
                status = json.loads(body)
                if not head.startswith("HTTP/1.1 200 ") or \
                        status["key"]["name"] != name:
                    errors.append((name, head, body))
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append((name, repr(e)))
        finally:
            c.close()

    threads = [threading.Thread(target=client, args=(n,))
               for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 4)
    assert not any(t.is_alive() for t in threads)
    assert not errors, (len(errors), [(e[0], e[-1]) for e in errors[:5]])


# --- answers the socket cannot take at once ---------------------------------

def test_answers_the_socket_cannot_take_are_written_later(daemon):
    """conn_write() writes an answer with one SSL_write; what the socket
    does not take waits in the TLS bufferevent, which writes only then
    (it is not enabled for writing after the handshake, so that no idle
    connection sits in epoll for writing) and must write it once the
    client reads.  A client with a small receive buffer pipelines
    requests and reads nothing until net has stopped reading it for
    the answers it holds (limits.output_buffer); then every answer
    reaches it."""
    import threading

    daemon.write_config(rate_limit={"per_source": 1000000, "window": 1},
                        log={"level": "debug"})
    daemon.start()
    # Some 5.5 MB of answers: more than the socket's send buffer takes
    # (tcp_wmem lets it grow to 4 MB) and limits.output_buffer (64 KiB).
    count = 24000
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(TIMEOUT)
    raw.connect(("127.0.0.1", daemon.port))
    s = ctx.wrap_socket(raw)
    sender = threading.Thread(
        target=lambda: s.sendall(REQUESTS["net"].encode() * count))
    try:
        sender.start()
        deadline = time.monotonic() + TIMEOUT
        while "(limits.output_buffer): reading stops" not in daemon.log():
            assert time.monotonic() < deadline, "net never held answers"
            time.sleep(0.05)
        answers = ok = 0
        tail = b""
        while answers < count or not tail.endswith(b"}"):
            data = s.recv(65536)
            assert data, f"closed after {answers} answers"
            # An answer's first line may straddle two reads.
            chunk = tail + data
            answers += chunk.count(b"HTTP/1.1 ") - tail.count(b"HTTP/1.1 ")
            ok += chunk.count(b"HTTP/1.1 200 ") - \
                tail.count(b"HTTP/1.1 200 ")
            tail = chunk[-16:]
        assert (answers, ok) == (count, count)
        sender.join(TIMEOUT)
        assert not sender.is_alive()
    finally:
        s.close()

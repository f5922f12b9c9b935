"""
How net's TLS meets the wire, seen by a client that reads the raw
records: an answer leaves as one TLS record (daemon/http_conn.c's
conn_write), whether net answers alone or after the monitor.
"""
import json
import socket
import ssl

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

"""
The broker's side of heraldd's MT5 bridge, in Python, for the tests of
herald-mt5sim (tests/integration/test_mt5sim.py).  It plays heraldd's
broker and monitor together: it holds the bridge key K, answers the
EA's HELLO, checks its AUTH, and makes the orders' authorisation tags,
exactly as BRIDGE-PROTOCOL.md and herald-bridge(7) say.  A second,
independent implementation of the wire format: where it and the EA
(through herald-mt5sim) agree, both follow the text.
"""
import hashlib
import hmac
import os
import socket
import struct
import time

MAC_LEN = 16


def hm(key, *parts):
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


def text_of(type_, pairs):
    return type_ + "\n" + "".join(f"{k}={v}\n" for k, v in pairs)


def parse_text(text):
    lines = text.split("\n")
    assert lines[-1] == "", text
    fields = {}
    for line in lines[1:-1]:
        k, _, v = line.partition("=")
        assert k not in fields, text
        fields[k] = v
    return lines[0], fields


class Closed(Exception):
    """The EA closed the connection."""


class Conn:
    """One accepted connection from the EA."""

    def __init__(self, sock, key):
        self.sock = sock
        self.key = key
        self.seq_out = 1
        self.seq_in = 1
        self.S = None
        self.O = None
        self.req = 0
        self.events = []
        self.hello = None
        self.buf = b""

    # --- framing ---------------------------------------------------------
    def frame(self, text, mac=None, seq=None):
        """The bytes of a frame (MACed once the session key is set)."""
        body = text.encode("ascii")
        if seq is None:
            seq = self.seq_out
            self.seq_out += 1
        key = self.S if mac is None else mac
        n = 8 + len(body) + (MAC_LEN if key else 0)
        head = struct.pack(">IQ", n, seq) + body
        return head + (hm(key, head)[:MAC_LEN] if key else b"")

    def send_text(self, text, **kw):
        self.sock.sendall(self.frame(text, **kw))

    def send(self, type_, pairs):
        self.send_text(text_of(type_, pairs))

    def _read(self, n, timeout):
        end = time.monotonic() + timeout
        while len(self.buf) < n:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame from the EA")
            self.sock.settimeout(left)
            try:
                got = self.sock.recv(65536)
            except ConnectionResetError:
                got = b""
            if not got:
                raise Closed()
            self.buf += got
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=10.0):
        """The next frame's (type, fields), its MAC and seq checked."""
        (n,) = struct.unpack(">I", self._read(4, timeout))
        assert 9 <= n <= 65536, n
        payload = self._read(n, timeout)
        seq = struct.unpack(">Q", payload[:8])[0]
        assert seq == self.seq_in, (seq, self.seq_in)
        self.seq_in += 1
        if self.S is not None:
            body, tag = payload[8:-MAC_LEN], payload[-MAC_LEN:]
            want = hm(self.S, struct.pack(">I", n) + payload[:-MAC_LEN])
            assert hmac.compare_digest(tag, want[:MAC_LEN]), "bad MAC from the EA"
        else:
            body = payload[8:]
        return parse_text(body.decode("ascii"))

    def closed(self, timeout=10.0):
        """True once the EA has closed the connection."""
        try:
            while True:
                type_, f = self.recv(timeout)
                if type_ != "EVENT":
                    return False
        except Closed:
            return True

    # --- handshake ---------------------------------------------------------
    def handshake(self, tamper_challenge=False):
        type_, f = self.recv()
        assert type_ == "HELLO", type_
        assert set(f) == {"version", "login", "server", "nonce", "ea"}, f
        assert f["version"] == "1"
        self.hello = f
        ne = bytes.fromhex(f["nonce"])
        nb = os.urandom(32)
        tag_b = hm(self.key, b"broker", ne, nb)
        if tamper_challenge:
            tag_b = bytes([tag_b[0] ^ 1]) + tag_b[1:]
        self.send("CHALLENGE", [("nonce", nb.hex()), ("tag", tag_b.hex())])
        if tamper_challenge:
            return
        type_, f = self.recv()
        assert type_ == "AUTH", type_
        assert hmac.compare_digest(bytes.fromhex(f["tag"]),
                                   hm(self.key, b"ea", ne, nb)), "EA not genuine"
        self.S = hm(self.key, b"session", ne, nb)
        self.O = hm(self.key, b"order", ne, nb)
        self.send("READY", [("heartbeat", "2000"), ("max_frame", "65536")])

    # --- requests ------------------------------------------------------------
    def next_req(self):
        self.req += 1
        return str(self.req)

    def answer(self, req, timeout=10.0):
        """The answer to req; EVENTs on the way are kept in self.events."""
        while True:
            type_, f = self.recv(timeout)
            if type_ == "EVENT":
                self.events.append(f)
                continue
            assert f.get("req") == req, (type_, f, req)
            return type_, f

    def request(self, type_, **kw):
        req = self.next_req()
        self.send(type_, [("req", req)] + list(kw.items()))
        return self.answer(req)

    def order_text(self, req, cmd, action=1, symbol="EURUSD", type=0,
                   volume="0.10", price="0", stoplimit="0", sl="0", tp="0",
                   deviation=10, type_time=0, expiration=0, position=0,
                   position_by=0, order=0, comment="", tamper=False):
        canon = text_of("", [
            ("cmd", cmd), ("action", action), ("symbol", symbol),
            ("type", type), ("volume", volume), ("price", price),
            ("stoplimit", stoplimit), ("sl", sl), ("tp", tp),
            ("deviation", deviation), ("type_time", type_time),
            ("expiration", expiration), ("position", position),
            ("position_by", position_by), ("order", order),
            ("comment", comment)])[1:]
        tag = hm(self.O, canon.encode())
        if tamper:      # the tag of a different volume
            tag = hm(self.O, canon.replace("volume=", "volume=1").encode())
        return f"ORDER_SEND\nreq={req}\n{canon}auth={tag.hex()}\n"

    def order(self, cmd, **kw):
        req = self.next_req()
        self.send_text(self.order_text(req, cmd, **kw))
        return self.answer(req)


class Broker:
    """A listening socket on a free loopback port, standing for heraldd."""

    def __init__(self, key):
        self.key = key
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]

    def accept(self, timeout=40.0):
        """The EA's next connection (its backoff may take up to 30 s)."""
        self.lsock.settimeout(timeout)
        s, _ = self.lsock.accept()
        return Conn(s, self.key)

    def connect(self, timeout=40.0):
        """Accept and finish the handshake."""
        c = self.accept(timeout)
        c.handshake()
        return c

    def close(self):
        self.lsock.close()

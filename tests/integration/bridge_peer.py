"""
A Python EA for the bridge tests: the terminal's side of
BRIDGE-PROTOCOL.md written from the protocol text, independent of
heraldd's C codec, on a small in-memory account.  It connects to the
broker, checks that the broker is genuine (tag_b), derives S and O,
answers every request, keeps a journal cmd -> RESULT so a repeated
ORDER_SEND or a QUERY returns the stored result, and executes no order
whose tag does not check under O.  Switches make it misbehave:

    answer_pings    False: PINGs go unanswered (the broker must drop it)
    hold_orders     True: execute an ORDER_SEND, journal it, answer
                    nothing (an answer lost after execution)
    retcode         the retcode of the next executions (10009 done)
"""
import hashlib
import hmac
import os
import socket
import struct
import threading
import time

MAGIC_BASE = 4857000000000000000


def kdf(key, label, a, b):
    return hmac.new(key, label + a + b, hashlib.sha256).digest()


class ProtocolError(Exception):
    pass


class Peer:
    def __init__(self, port, key, login, server, host="127.0.0.1", tls=None):
        self.port = port
        self.host = host
        self.tls = tls                  # an ssl.SSLContext: TLS first
        self.key = key
        self.login = login
        self.server = server
        self.sock = None
        self.seq_out = 0
        self.seq_in = 0
        self.s = None                   # session key, after READY
        self.o = None                   # order key
        self.buf = b""
        self.lock = threading.Lock()
        self.answer_pings = True
        self.hold_orders = False
        self.retcode = 10009
        self.journal = {}               # cmd -> RESULT fields
        self.seen = []                  # (type, fields) of every request
        self.refused = []               # cmds whose tag did not check
        self.error = None               # the ERROR reason that ended it
        self.thread = None
        self.next_ticket = 1000
        self.positions = {}             # ticket -> dict

    # --- frames ------------------------------------------------------------

    def send(self, type_, fields=(), text=None):
        if text is None:
            text = type_ + "\n" + "".join(f"{k}={v}\n" for k, v in fields)
        body = struct.pack(">Q", self.seq_out + 1) + text.encode()
        n = len(body) + (16 if self.s else 0)
        frame = struct.pack(">I", n) + body
        if self.s:
            frame += hmac.new(self.s, frame, hashlib.sha256).digest()[:16]
        self.seq_out += 1
        self.sock.sendall(frame)

    def _read(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise ProtocolError("closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """(type, {key: value}, text) of the next frame, MAC checked."""
        hdr = self._read(4)
        (n,) = struct.unpack(">I", hdr)
        payload = self._read(n)
        if self.s:
            mac = hmac.new(self.s, hdr + payload[:-16],
                           hashlib.sha256).digest()[:16]
            if not hmac.compare_digest(mac, payload[-16:]):
                raise ProtocolError("bad MAC from the broker")
            payload = payload[:-16]
        (seq,) = struct.unpack(">Q", payload[:8])
        if seq != self.seq_in + 1:
            raise ProtocolError(f"broker sequence {seq}")
        self.seq_in = seq
        text = payload[8:].decode("ascii")
        lines = text.split("\n")
        assert lines[-1] == "", text
        fields = {}
        for line in lines[1:-1]:
            k, _, v = line.partition("=")
            assert k not in fields, text
            fields[k] = v
        return lines[0], fields, text

    # --- handshake ---------------------------------------------------------

    def connect(self, timeout=10):
        self.sock = socket.create_connection((self.host, self.port),
                                             timeout=timeout)
        if self.tls is not None:
            self.sock = self.tls.wrap_socket(self.sock)
        self.seq_out = self.seq_in = 0
        self.s = self.o = None
        self.buf = b""
        nonce_e = os.urandom(32)
        self.send("HELLO", [("version", 1), ("login", self.login),
                            ("server", self.server),
                            ("nonce", nonce_e.hex()),
                            ("ea", "pytest-peer 1")])
        t, f, _ = self.recv()
        if t == "ERROR":
            self.error = f.get("reason")
            raise ProtocolError(f"refused: {self.error}")
        assert t == "CHALLENGE", (t, f)
        nonce_b = bytes.fromhex(f["nonce"])
        want = kdf(self.key, b"broker", nonce_e, nonce_b)
        genuine = hmac.compare_digest(want, bytes.fromhex(f["tag"]))
        self.broker_genuine = genuine
        # A peer with the wrong key still answers, to see the refusal.
        self.send("AUTH", [("tag", kdf(self.key, b"ea", nonce_e,
                                       nonce_b).hex())])
        s_key = kdf(self.key, b"session", nonce_e, nonce_b)
        # READY is MACed under S; a refusal (ERROR) is not.
        hdr = self._read(4)
        (n,) = struct.unpack(">I", hdr)
        payload = self._read(n)
        mac = hmac.new(s_key, hdr + payload[:-16],
                       hashlib.sha256).digest()[:16]
        if n > 24 and hmac.compare_digest(mac, payload[-16:]):
            self.buf = hdr + payload + self.buf
            self.s = s_key
            self.o = kdf(self.key, b"order", nonce_e, nonce_b)
            t, f, _ = self.recv()
        else:
            self.buf = hdr + payload + self.buf
            t, f, _ = self.recv()
        if t == "ERROR":
            self.error = f.get("reason")
            raise ProtocolError(f"refused: {self.error}")
        assert t == "READY", (t, f)
        assert f == {"heartbeat": "2000", "max_frame": "65536"}, f
        return self

    def refused_with(self, timeout=10):
        """Connect, expecting an ERROR: its reason."""
        try:
            self.connect(timeout)
        except ProtocolError:
            pass
        assert self.error is not None, "the broker did not refuse"
        return self.error

    def close(self):
        if self.sock is not None:
            # shutdown() first: a thread blocked in recv() keeps a bare
            # close() from reaching the broker.
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    # --- serving -----------------------------------------------------------

    def start(self):
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()
        return self

    def serve(self):
        try:
            while True:
                t, f, text = self.recv()
                with self.lock:
                    self.seen.append((t, f))
                self.handle(t, f, text)
        except (ProtocolError, OSError, ValueError, AttributeError):
            return

    def handle(self, t, f, text):
        req = f.get("req")
        if t == "PING":
            if self.answer_pings:
                self.send("PONG", [("req", req), ("t", f["t"]),
                                   ("trade_allowed", 1), ("connected", 1),
                                   ("time", int(time.time()))])
        elif t == "ACCOUNT":
            self.send("ACCOUNT", [
                ("req", req), ("login", self.login),
                ("server", self.server), ("currency", "USD"),
                ("balance", "10000.00"), ("equity", "10000.00"),
                ("margin", "0"), ("margin_free", "10000.00"),
                ("margin_level", "0"), ("leverage", 100),
                ("margin_mode", 2), ("trade_allowed", 1)])
        elif t == "SYMBOL":
            if f["name"] != "EURUSD":
                self.send("ERROR", [("req", req),
                                    ("reason", "unknown_symbol")])
                return
            self.send("SYMBOL", [
                ("req", req), ("name", "EURUSD"), ("digits", 5),
                ("point", "0.00001"), ("contract_size", "100000"),
                ("volume_min", "0.01"), ("volume_max", "100"),
                ("volume_step", "0.01"), ("stops_level", 0),
                ("freeze_level", 0), ("filling", 3), ("exemode", 2),
                ("trade_mode", 4), ("calc_mode", 0),
                ("currency_base", "EUR"), ("currency_profit", "USD"),
                ("currency_margin", "EUR"), ("margin_initial", "0"),
                ("margin_hedged", "50000"), ("bid", "1.10000"),
                ("ask", "1.10010"), ("time_msc", int(time.time() * 1000))])
        elif t == "POSITIONS":
            items = list(self.positions.values())
            fields = [("req", req), ("count", len(items)), ("more", 0)]
            for i, p in enumerate(items):
                fields += [(f"ticket.{i}", p["ticket"]),
                           (f"symbol.{i}", p["symbol"]),
                           (f"type.{i}", p["type"]),
                           (f"volume.{i}", p["volume"]),
                           (f"price_open.{i}", "1.10010"),
                           (f"price_current.{i}", "1.10000"),
                           (f"sl.{i}", "0"), (f"tp.{i}", "0"),
                           (f"profit.{i}", "-1.00"), (f"swap.{i}", "0"),
                           (f"magic.{i}", p["magic"]),
                           (f"time_msc.{i}", p["time"]),
                           (f"comment.{i}", p["comment"])]
            self.send("POSITIONS", fields)
        elif t == "ORDERS":
            self.send("ORDERS", [("req", req), ("count", 0), ("more", 0)])
        elif t == "DEALS":
            # No history: this peer reports its deals as they happen.
            self.send("DEALS", [("req", req), ("count", 0), ("more", 0)])
        elif t == "ORDER_SEND":
            self.order_send(f, text)
        elif t == "QUERY":
            cmd = int(f["cmd"])
            if cmd in self.journal:
                self.send("RESULT", [("req", req)] +
                          list(self.journal[cmd].items()))
            else:
                self.send("UNKNOWN", [("req", req), ("cmd", cmd)])

    def canonical(self, text):
        """C: the ORDER_SEND lines from cmd= to comment= inclusive."""
        start = text.index("\ncmd=") + 1
        end = text.index("\nauth=") + 1
        return text[start:end]

    def tag_checks(self, text, auth):
        want = hmac.new(self.o, self.canonical(text).encode(),
                        hashlib.sha256).hexdigest()
        return hmac.compare_digest(want, auth)

    def order_send(self, f, text):
        req, cmd = f["req"], int(f["cmd"])
        if not self.tag_checks(text, f["auth"]):
            self.refused.append(cmd)
            self.send("RESULT", [("req", req), ("cmd", cmd),
                                 ("retcode", 10013), ("deal", 0),
                                 ("order", 0), ("volume", "0"),
                                 ("price", "0"), ("bid", "0"),
                                 ("ask", "0"), ("comment", "auth_failed"),
                                 ("journaled", 0)])
            return
        if cmd in self.journal:
            r = dict(self.journal[cmd])
            r["journaled"] = 1
            self.send("RESULT", [("req", req)] + list(r.items()))
            return
        ticket = self.next_ticket
        self.next_ticket += 1
        if self.retcode == 10009 and f["action"] == "1" and \
                f["position"] == "0":
            self.positions[ticket] = {
                "ticket": ticket, "symbol": f["symbol"],
                "type": f["type"], "volume": f["volume"],
                "magic": MAGIC_BASE + cmd % 10**12,
                "time": int(time.time() * 1000), "comment": f"hd:{cmd}"}
        r = {"cmd": cmd, "retcode": self.retcode,
             "deal": ticket if self.retcode == 10009 else 0,
             "order": ticket, "volume": f["volume"], "price": "1.10010",
             "bid": "1.10000", "ask": "1.10010", "comment": "done",
             "journaled": 1}
        if self.retcode not in (10004, 10020, 10021, 10024, 10027,
                                10011, 10012, 10031):
            self.journal[cmd] = r
        if self.hold_orders:
            return              # executed; the answer is lost
        self.send("RESULT", [("req", req)] + list(r.items()))

    def count(self, type_, cmd=None):
        with self.lock:
            return sum(1 for t, f in self.seen if t == type_ and
                       (cmd is None or f.get("cmd") == str(cmd)))

"""
HTTP/1.1 on the real daemon: every status of the error model, the
request-smuggling shapes, the limits and timeouts, keep-alive and
pipelining, and a well-behaved keep-alive client that keeps being served
while all of that happens on other connections.

Clients are curl and Python's ssl module on raw sockets (so that the
bytes on the wire are exactly the ones under test).  API keys come from
`heraldctl -j key create`.  The server certificate is the session's from
conftest.tls_files().
"""
import json
import re
import socket
import ssl
import subprocess
import time

import pytest

from conftest import SYSPATH, TIMEOUT, tls_files, wait_for

HOST = "Host: 127.0.0.1\r\n"


# --- clients ------------------------------------------------------------------

def tls_context():
    crt, _ = tls_files()
    ctx = ssl.create_default_context(cafile=str(crt))
    ctx.check_hostname = False
    return ctx


class Client:
    """One TLS connection, raw bytes out, parsed answers in."""

    def __init__(self, daemon, source="127.0.0.1", timeout=TIMEOUT):
        raw = socket.create_connection(("127.0.0.1", daemon.port),
                                       timeout=timeout,
                                       source_address=(source, 0))
        self.sock = tls_context().wrap_socket(raw)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self):
        try:
            d = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            d = b""
        self.buf += d
        return bool(d)

    def answer(self):
        """(status, headers with lower-case names, body as JSON or None)."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError(f"connection closed before an answer; "
                                     f"got {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.[01] (\d{3}) .*", lines[0])
        assert m, f"bad status line {lines[0]!r}"
        status = int(m.group(1))
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if status == 100:
            return self.answer()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            if not self._fill():
                break
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, json.loads(body) if body else None

    def closed(self, wait=TIMEOUT):
        """True once the server has closed the connection."""
        self.sock.settimeout(wait)
        try:
            while self._fill():
                pass
        except socket.timeout:
            return False
        return True

    def close(self):
        self.sock.close()


def exchange(daemon, data, source="127.0.0.1"):
    c = Client(daemon, source)
    try:
        c.send(data)
        return c.answer()
    finally:
        c.close()


def get(path, *headers):
    return f"GET {path} HTTP/1.1\r\n{HOST}" + "".join(
        h + "\r\n" for h in headers) + "\r\n"


def post(path, body, *headers, ctype="application/json"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    hs = [h + "\r\n" for h in headers]
    if ctype is not None:
        hs.append(f"Content-Type: {ctype}\r\n")
    return (f"POST {path} HTTP/1.1\r\n{HOST}" + "".join(hs) +
            f"Content-Length: {len(body.encode('latin-1'))}\r\n\r\n{body}")


def bearer(key):
    return f"Authorization: Bearer {key}"


def assert_error(answer, status, code, message=None):
    st, h, body = answer
    assert st == status, f"expected {status}, got {answer}"
    assert h.get("content-type") == "application/json"
    assert h.get("cache-control") == "no-store"
    assert isinstance(body, dict) and set(body) == {"error", "code"}, body
    assert body["code"] == code, body
    if message is not None:
        assert re.search(message, body["error"]), body


def make_key(daemon, name, role):
    r = daemon.ctl("-j", "key", "create", name, "--role", role)
    assert r.returncode == 0, f"heraldctl key create: {r.stderr}"
    return json.loads(r.stdout)["key"]


def curl(daemon, path, *args):
    crt, _ = tls_files()
    r = subprocess.run(
        ["curl", "-sS", "--cacert", str(crt), "-w", "\n%{http_code}",
         *args, f"https://127.0.0.1:{daemon.port}{path}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=TIMEOUT, env={"PATH": SYSPATH})
    assert r.returncode == 0, f"curl: {r.stderr}"
    body, _, code = r.stdout.rpartition("\n")
    return int(code), json.loads(body) if body else None


class Steady:
    """The well-behaved keep-alive client: one connection, all along."""

    def __init__(self, daemon, key):
        self.c = Client(daemon)
        self.key = key
        self.n = 0

    def check(self):
        self.c.send(get("/v1/status", bearer(self.key)))
        st, _, body = self.c.answer()
        assert st == 200, body
        self.c.send(get("/healthz"))
        assert self.c.answer()[0] == 200
        self.n += 1


def start(daemon, **sections):
    daemon.write_config(**sections)
    daemon.start()
    return daemon


# --- the happy paths ------------------------------------------------------------

def test_healthz_and_status_with_curl_and_python(daemon):
    start(daemon)
    key = make_key(daemon, "admin-1", "admin")
    assert curl(daemon, "/healthz") == (200, {"status": "ok"})
    code, body = curl(daemon, "/v1/status", "-H",
                      f"Authorization: Bearer {key}")
    assert code == 200, body
    assert set(body) == {"version", "broker", "lockdown", "key"}
    assert body["key"] == {"name": "admin-1", "role": "admin"}
    assert isinstance(body["lockdown"], bool)
    code, body = curl(daemon, "/v1/status", "-H", f"X-Api-Key: {key}")
    assert code == 200 and body["key"]["name"] == "admin-1"

    st, h, body = exchange(daemon, get("/v1/status", bearer(key),
                                       f"X-Api-Key: {key}"))
    assert st == 200 and body["key"]["role"] == "admin"
    assert h["content-type"] == "application/json"
    assert h["cache-control"] == "no-store"


def test_keepalive_and_pipelining_in_order(daemon):
    start(daemon)
    key = make_key(daemon, "pipe", "viewer")
    c = Client(daemon)
    # Three requests in one write: the first waits for the monitor, the
    # others are answered by net; the answers come back in order.
    c.send(get("/v1/status", bearer(key)) + get("/healthz") + get("/nope"))
    st, _, body = c.answer()
    assert st == 200 and body["key"]["name"] == "pipe"
    assert c.answer()[0] == 200
    assert_error(c.answer(), 404, "not_found")
    # The same connection goes on serving.
    for _ in range(20):
        c.send(get("/v1/status", bearer(key)))
        assert c.answer()[0] == 200
    # A body request pipelined between two others.
    c.send(get("/healthz") +
           post("/trade", {"symbol": "EURUSD"}, bearer(key)) +
           get("/healthz"))
    assert c.answer()[0] == 200
    assert_error(c.answer(), 400, "bad_request", "'side' is required")
    assert c.answer()[0] == 200
    # A refused request after a pending one: answers in order, then close.
    c.send(get("/v1/status", bearer(key)) +
           "GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n")
    assert c.answer()[0] == 200
    st, h, _ = c.answer()
    assert st == 400 and h.get("connection") == "close"
    assert c.closed()


# --- the error model ------------------------------------------------------------

def test_every_status_of_the_error_model(daemon):
    start(daemon)
    admin = make_key(daemon, "admin", "admin")
    trader = make_key(daemon, "trader", "trader")
    viewer = make_key(daemon, "viewer", "viewer")
    steady = Steady(daemon, viewer)
    steady.check()

    trade = {"symbol": "EURUSD", "side": "BUY", "volume": 0.1}

    # 400: body, fields, query, path parameters, headers.
    assert_error(exchange(daemon, post("/trade", "{\"symbol\":", bearer(
        admin))), 400, "bad_request", "invalid JSON")
    assert_error(exchange(daemon, post("/trade", dict(trade, qty=1),
                                       bearer(admin))),
                 400, "bad_request", "unknown field 'qty'")
    assert_error(exchange(daemon, post(
        "/trade", '{"symbol":"EURUSD","symbol":"GBPUSD","side":"BUY",'
        '"volume":1}', bearer(admin))), 400, "bad_request",
        "duplicate field 'symbol'")
    assert_error(exchange(daemon, post("/trade", dict(trade, volume="1"),
                                       bearer(admin))),
                 400, "bad_request", "'volume' must be a number")
    assert_error(exchange(daemon, post("/trade", dict(trade, volume=0),
                                       bearer(admin))),
                 400, "bad_request", "'volume' must be greater than 0")
    assert_error(exchange(daemon, post(
        "/trade", '{"symbol":"EURUSD","side":"BUY","volume":NaN}',
        bearer(admin))), 400, "bad_request", "invalid JSON")
    assert_error(exchange(daemon, post(
        "/trade", b'{"symbol":"EURUSD","side":"BUY","volume":1,'
        b'"comment":"\xff"}'.decode("latin-1"), bearer(admin))),
        400, "bad_request", "invalid JSON")
    assert_error(exchange(daemon, post("/trade", "", bearer(admin))),
                 400, "bad_request", "body required")
    assert_error(exchange(daemon, get("/v1/positions?sym=EURUSD",
                                      bearer(admin))),
                 400, "bad_request", "unknown query parameter 'sym'")
    assert_error(exchange(daemon, get("/v1/symbols/eurusd", bearer(admin))),
                 400, "bad_request", "symbol")
    assert_error(exchange(daemon, "DELETE /v1/orders/0 HTTP/1.1\r\n" +
                          HOST + bearer(admin) + "\r\n\r\n"),
                 400, "bad_request", "ticket")
    assert_error(exchange(daemon, get("/v1/status", bearer(admin),
                                      f"X-Api-Key: {trader}")),
                 400, "bad_request", "different keys")
    steady.check()

    # 401: no key, unknown key, malformed header.
    st, h, body = exchange(daemon, get("/v1/status"))
    assert_error((st, h, body), 401, "unauthorized")
    assert h.get("www-authenticate", "").startswith("Bearer")
    st, h, body = exchange(daemon, get("/v1/status", bearer("hk_" + "A" * 43)))
    assert_error((st, h, body), 401, "unauthorized")
    assert h.get("www-authenticate", "").startswith("Bearer")
    assert_error(exchange(daemon, get("/v1/status",
                                      "Authorization: Basic Zm9vOmJhcg==")),
                 401, "unauthorized", "Authorization")

    # 403: the role lacks the permission; the message names it.
    assert_error(exchange(daemon, post("/trade", trade, bearer(viewer))),
                 403, "forbidden", "write_positions")

    # 404, 405 with Allow, 501.
    assert_error(exchange(daemon, get("/v2/status", bearer(admin))),
                 404, "not_found")
    assert_error(exchange(daemon, get("/v1/status/", bearer(admin))),
                 404, "not_found")
    st, h, body = exchange(daemon, post("/v1/status", "{}", bearer(admin)))
    assert_error((st, h, body), 405, "method_not_allowed")
    assert h.get("allow") == "GET"
    st, h, body = exchange(daemon, "PATCH /trade HTTP/1.1\r\n" + HOST +
                           "Content-Length: 0\r\n\r\n")
    assert_error((st, h, body), 405, "method_not_allowed")
    assert h.get("allow") == "POST"
    st, h, _ = exchange(daemon, "TRACE /v1/orders/12 HTTP/1.1\r\n" + HOST +
                        "\r\n")
    assert st == 405 and h.get("allow") == "GET, DELETE"
    assert_error(exchange(daemon, "BREW /v1/status HTTP/1.1\r\n" + HOST +
                          "\r\n"), 501, "not_implemented")
    steady.check()

    # 411, 413, 414, 415, 417, 431.
    assert_error(exchange(daemon, "POST /trade HTTP/1.1\r\n" + HOST +
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                 411, "length_required", "chunked")
    assert_error(exchange(daemon, "POST /trade HTTP/1.1\r\n" + HOST +
                          "\r\n"), 411, "length_required")
    assert_error(exchange(daemon, "POST /trade HTTP/1.1\r\n" + HOST +
                          "Content-Type: application/json\r\n"
                          "Content-Length: 65537\r\n\r\n"),
                 413, "payload_too_large", "65537")
    assert_error(exchange(daemon, get("/" + "a" * 5000)), 414,
                 "uri_too_long")
    assert_error(exchange(daemon, post("/trade", trade, bearer(admin),
                                       ctype="text/plain")),
                 415, "unsupported_media_type")
    assert_error(exchange(daemon, post("/trade", trade, bearer(admin),
                                       ctype=None)),
                 415, "unsupported_media_type")
    assert_error(exchange(daemon, post("/trade", trade, bearer(admin),
                                       "Expect: the-unexpected")),
                 417, "expectation_failed")
    assert_error(exchange(daemon, get("/healthz", "X-Big: " + "b" * 9000)),
                 431, "header_too_large")
    assert_error(exchange(daemon, get("/healthz", *[f"X-{i}: y"
                                                   for i in range(70)])),
                 431, "header_too_large")

    # 503: trading is locked down (after authentication and role).
    assert daemon.ctl("lockdown", "on").returncode == 0
    st, _, body = exchange(daemon, post("/trade", trade, bearer(trader)))
    assert st == 503, body
    assert body["code"] == "lockdown"
    assert daemon.ctl("lockdown", "off").returncode == 0
    steady.check()
    assert steady.n == 4


SMUGGLING = [
    ("TE and CL", "POST /trade HTTP/1.1\r\n" + HOST +
     "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
     400, "Transfer-Encoding and Content-Length"),
    ("CL and TE", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     400, "Transfer-Encoding and Content-Length"),
    ("duplicate CL", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
     400, "duplicate Content-Length"),
    ("differing CL", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length: 2\r\ncontent-length: 40\r\n\r\n{}",
     400, "duplicate Content-Length"),
    ("CL list", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length: 2, 2\r\n\r\n{}", 400, "Content-Length"),
    ("obs-fold", "GET /healthz HTTP/1.1\r\n" + HOST +
     "X-A: b\r\n c\r\n\r\n", 400, "folding"),
    ("obs-fold TE", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length: 2\r\nX: y\r\n\tTransfer-Encoding: chunked\r\n\r\n{}",
     400, "folding"),
    ("bare CR", "GET /healthz HTTP/1.1\r\n" + HOST +
     "X-A: b\rTransfer-Encoding: chunked\r\n\r\n", 400, "bare CR"),
    ("bare LF", "GET /healthz HTTP/1.1\n" + HOST + "\r\n", 400, "bare LF"),
    ("NUL", "GET /healthz HTTP/1.1\r\n" + HOST + "X-A: b\0c\r\n\r\n",
     400, "NUL"),
    ("space before colon", "POST /trade HTTP/1.1\r\n" + HOST +
     "Content-Length : 2\r\n\r\n{}", 400, "colon"),
    ("GET with a body", "GET /healthz HTTP/1.1\r\n" + HOST +
     "Content-Length: 30\r\n\r\nGET /v1/status HTTP/1.1\r\n\r\n", 400,
     "cannot have a body"),
    ("chunked", "POST /trade HTTP/1.1\r\n" + HOST +
     "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     411, "chunked"),
    ("other TE", "POST /trade HTTP/1.1\r\n" + HOST +
     "Transfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding"),
    ("absolute form", "GET https://127.0.0.1/healthz HTTP/1.1\r\n" + HOST +
     "\r\n", 400, "absolute path"),
    # evhttp reads "//x" as an authority and used to leave the
    # connection hanging without an answer.
    ("authority-like target", "GET //[ HTTP/1.1\r\n" + HOST + "\r\n",
     400, "//"),
]


@pytest.mark.parametrize("name,raw,status,message", SMUGGLING,
                         ids=[s[0] for s in SMUGGLING])
def test_smuggling_shapes_refused_and_closed(daemon, name, raw, status,
                                              message):
    start(daemon)
    steady = Steady(daemon, make_key(daemon, "steady", "viewer"))
    steady.check()
    c = Client(daemon)
    # A good request first on the same connection, then the bad one, then
    # a request that must never be answered.
    c.send(get("/healthz") + raw + get("/healthz"))
    assert c.answer()[0] == 200
    st, h, body = c.answer()
    assert_error((st, h, body), status,
                 "bad_request" if status == 400 else "length_required",
                 message)
    assert h.get("connection") == "close"
    assert c.closed()
    assert c.buf == b"", f"answered after the refusal: {c.buf!r}"
    steady.check()


# --- limits and timeouts ------------------------------------------------------------

def test_slow_client_gets_408_others_are_served(daemon):
    start(daemon, limits={"header_timeout": 2, "body_timeout": 2})
    steady = Steady(daemon, make_key(daemon, "steady", "viewer"))
    slow_head = Client(daemon)
    slow_head.send("GET /healthz HTTP/1.1\r\nHo")
    slow_body = Client(daemon)
    slow_body.send("POST /trade HTTP/1.1\r\n" + HOST +
                   "Content-Type: application/json\r\n"
                   "Content-Length: 100\r\n\r\n{\"symbol\":")
    for _ in range(3):
        steady.check()
    # Which timer fired shows in the answer ("head"/"body"), not a clock.
    st, h, body = slow_head.answer()
    assert_error((st, h, body), 408, "request_timeout", "head")
    assert h.get("connection") == "close"
    assert slow_head.closed()
    assert_error(slow_body.answer(), 408, "request_timeout", "body")
    assert slow_body.closed()
    steady.check()


def test_idle_and_silent_connections_closed_without_answer(daemon):
    start(daemon, limits={"header_timeout": 2, "idle_timeout": 2})
    # No TLS at all: closed after header_timeout.
    raw = socket.create_connection(("127.0.0.1", daemon.port),
                                   timeout=TIMEOUT)
    assert raw.recv(16) == b""
    raw.close()
    # TLS, then nothing; and idle after an answer.
    c = Client(daemon)
    assert c.closed() and c.buf == b""
    c = Client(daemon)
    c.send(get("/healthz"))
    assert c.answer()[0] == 200
    assert c.closed() and c.buf == b""


def test_per_source_rate_limit_429_with_retry_after(daemon):
    start(daemon, rate_limit={"per_source": 5, "window": 60})
    c = Client(daemon)
    # The TLS handshake was the first of the five.
    for _ in range(4):
        c.send(get("/healthz"))
        assert c.answer()[0] == 200
    c.send(get("/healthz"))
    st, h, body = c.answer()
    assert_error((st, h, body), 429, "rate_limited", "per_source")
    assert 1 <= int(h["retry-after"]) <= 120
    # The connection stays usable; another address is not limited.
    c.send(get("/healthz"))
    assert c.answer()[0] == 429
    assert exchange(daemon, get("/healthz"), source="127.0.0.2")[0] == 200


def test_connection_limits_503(daemon):
    start(daemon, limits={"connections_per_source": 3})
    held = [Client(daemon) for _ in range(3)]
    extra = Client(daemon)
    extra.send(get("/healthz"))
    assert_error(extra.answer(), 503, "too_many_connections",
                 "connections_per_source")
    assert extra.closed()
    extra.close()
    # The ones within the limit are served; another address too.
    for c in held:
        c.send(get("/healthz"))
        assert c.answer()[0] == 200
    assert exchange(daemon, get("/healthz"), source="127.0.0.3")[0] == 200
    held[0].close()
    time.sleep(0.5)
    assert exchange(daemon, get("/healthz"))[0] == 200


def test_one_source_cannot_take_every_slot(daemon):
    # Connections over the per-source limit stay out of the total: a
    # source that opens many and says nothing locks nobody else out.
    start(daemon, limits={"connections": 10, "connections_per_source": 2})
    idle = [Client(daemon) for _ in range(12)]
    assert exchange(daemon, get("/healthz"), source="127.0.0.2")[0] == 200
    for c in idle:
        c.close()


def test_bad_keys_ban_the_source_429(daemon):
    start(daemon, rate_limit={"auth_failures": 5, "ban_time": 60})
    good = make_key(daemon, "good", "admin")
    steady = Steady(daemon, good)
    src = "127.0.0.4"
    c = Client(daemon, source=src)
    for i in range(6):
        c.send(get("/v1/status", bearer(f"hk_bad{i}")))
        st, h, body = c.answer()
        if st == 429:
            break
        assert_error((st, h, body), 401, "unauthorized")
    else:
        c.send(get("/v1/status", bearer(good)))
        st, h, body = c.answer()
    assert_error((st, h, body), 429, "source_banned")
    assert 1 <= int(h["retry-after"]) <= 60
    # Even /healthz from that address is refused now, by net itself once
    # the monitor's BAN has arrived.
    st, h, body = wait_for(
        lambda: (lambda a: a if a[0] == 429 else None)(
            exchange(daemon, get("/healthz"), source=src)),
        "net to refuse the banned address")
    assert_error((st, h, body), 429, "source_banned")
    assert int(h["retry-after"]) >= 1
    daemon.wait_log(r"SECURITY")
    # Everyone else is served.
    steady.check()
    assert exchange(daemon, get("/healthz"), source="127.0.0.5")[0] == 200


def test_http10_and_connection_close(daemon):
    start(daemon)
    c = Client(daemon)
    c.send("GET /healthz HTTP/1.0\r\n\r\n")
    st, h, body = c.answer()
    assert st == 200 and body == {"status": "ok"}
    assert h.get("content-length") == "15"
    assert c.closed()
    c = Client(daemon)
    c.send(get("/healthz", "Connection: close"))
    st, h, _ = c.answer()
    assert st == 200 and h.get("connection") == "close"
    assert c.closed()


def test_expect_100_continue(daemon):
    start(daemon)
    key = make_key(daemon, "t", "trader")
    # The order needs the broker, which may connect after net is up.
    wait_for(lambda: daemon.status()["broker"] == "connected",
             "the broker to connect")
    body = json.dumps({"symbol": "EURUSD", "side": "SELL", "volume": 1})
    c = Client(daemon)
    c.send(f"POST /trade HTTP/1.1\r\n{HOST}{bearer(key)}\r\n"
           f"Content-Type: application/json\r\nExpect: 100-continue\r\n"
           f"Content-Length: {len(body)}\r\n\r\n")
    while b"\r\n\r\n" not in c.buf:
        assert c._fill()
    assert c.buf.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    c.buf = b""
    c.send(body)
    st, _, answer = c.answer()
    assert st == 200 and answer["retcode"] == 10009, answer


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_tls_sessions_are_resumed(daemon, version):
    # A connection that ends cleanly leaves its session in net's cache.
    start(daemon)
    ctx = tls_context()
    ctx.minimum_version = ctx.maximum_version = getattr(
        ssl.TLSVersion, version)

    def fetch(session=None):
        raw = socket.create_connection(("127.0.0.1", daemon.port),
                                       timeout=TIMEOUT)
        s = ctx.wrap_socket(raw, session=session)
        s.sendall(get("/healthz", "Connection: close").encode())
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        assert data.startswith(b"HTTP/1.1 200 ")
        sess, reused = s.session, s.session_reused
        s.close()
        return sess, reused

    sess, reused = fetch()
    assert not reused
    _, reused = fetch(sess)
    assert reused, "the session was not resumed"

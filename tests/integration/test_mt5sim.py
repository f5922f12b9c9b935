"""
herald-mt5sim: the Expert Advisor's own source (broker/mql5/), built on
the MQL5 shim, driven from a Python peer speaking the broker's side of
the bridge protocol (mt5peer.py).  Real sockets, real files in the
simulated terminal's Files folder, the paper engine as trade server.

Each fault switch is exercised; after each, the order was executed
exactly once (one position, one deal with its command id) and a repeat
or a QUERY answers without executing again.
"""
import os
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, TIMEOUT, wait_for
from mt5peer import Broker, Closed, hm

MT5SIM = os.path.abspath(os.environ.get(
    "HERALD_MT5SIM", REPO / "build" / "herald-mt5sim"))
LOGIN, SERVER = 51234, "Demo-Server"


class Sim:
    """One herald-mt5sim process with its own Files folder."""

    def __init__(self, tmp, faults=(), key=None, host="127.0.0.1", tls=None,
                 pin=None, state=False):
        self.tmp = Path(tmp)
        self.state = self.tmp / "server.state" if state else None
        self.host = host
        self.pin = pin
        self.key = key or os.urandom(32)
        self.keyfile = self.tmp / "bridge.key"
        self.keyfile.write_text(self.key.hex() + "\n")
        self.files = self.tmp / "Files"
        self.logpath = self.tmp / "mt5sim.log"
        self.broker = Broker(self.key, host, tls)
        self.faults = list(faults)
        self.proc = None

    def start(self, ea_key=None, in_files=None):
        """in_files: no BridgeKey input; the EA reads K from
        herald_bridge.key in its Files folder, which holds in_files
        (None there: no such file)."""
        if ea_key is not None:
            self.keyfile.write_text(ea_key.hex() + "\n")
        args = [MT5SIM, "--connect", f"{self.host}:{self.broker.port}",
                "--key-file", str(self.keyfile), "--login", str(LOGIN),
                "--server", SERVER, "--files", str(self.files)]
        if in_files is not None:
            del args[3:5]
            self.files.mkdir(exist_ok=True)
            if in_files:
                (self.files / "herald_bridge.key").write_text(in_files)
        for f in self.faults:
            args += ["--fault", f]
        if self.pin:
            args += ["--cert-sha256", self.pin]
        if self.state:
            args += ["--state", str(self.state)]
        self.proc = subprocess.Popen(args, stderr=open(self.logpath, "ab"))
        return self

    def log(self):
        return self.logpath.read_text(errors="replace")

    def wait_log(self, text):
        wait_for(lambda: text in self.log(), f"{text!r} in the log")

    def journal(self):
        p = self.files / f"herald_journal_{LOGIN}.txt"
        return p.read_text().splitlines() if p.exists() else []

    def kill(self):
        """kill -9: no OnDeinit, nothing flushed that was not already."""
        self.proc.kill()
        self.proc.wait(TIMEOUT)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            assert self.proc.wait(TIMEOUT) == 0
        self.broker.close()


@pytest.fixture
def sim():
    made = []
    tmp = tempfile.TemporaryDirectory(prefix="mt5sim-")

    def make(*faults, **kw):
        d = Path(tmp.name) / str(len(made))
        d.mkdir()
        s = Sim(d, faults, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.stop()
        print(f"--- herald-mt5sim log {s.logpath}:\n{s.log()}")
        if "Sanitizer" in s.log() or "runtime error" in s.log():
            pytest.fail("sanitizer report in herald-mt5sim's log")
    tmp.cleanup()


def positions(c):
    _, f = c.request("POSITIONS", **{"from": "0"})
    return [{k.split(".")[0]: v for k, v in f.items() if k.endswith(f".{i}")}
            for i in range(int(f["count"]))]


def deals_of(c, cmd, want=1):
    """Deals pushed for cmd's magic, once want of them have come (or
    TIMEOUT passed): OnTradeTransaction runs after the timer event in
    which the EA answered, and it may answer more requests in that one."""
    magic = str(4857000000000000000 + cmd)
    end = time.monotonic() + TIMEOUT
    while True:
        c.request("PING", t="1")        # reads what came meanwhile
        got = [e for e in c.events
               if e["kind"] == "deal" and e["magic"] == magic]
        if len(got) >= want or time.monotonic() > end:
            return got
        time.sleep(0.05)


# --- the handshake, both ways ---------------------------------------------

def test_handshake_and_reads(sim):
    s = sim().start()
    c = s.broker.connect()
    assert c.hello["login"] == str(LOGIN) and c.hello["server"] == SERVER
    assert c.hello["ea"].startswith("HeraldBridge")
    t, f = c.request("PING", t="42")
    assert t == "PONG" and f["t"] == "42" and f["trade_allowed"] == "1"
    assert f["connected"] == "1"
    t, f = c.request("ACCOUNT")
    assert (t, f["login"], f["server"], f["currency"]) == \
        ("ACCOUNT", str(LOGIN), SERVER, "USD")
    assert f["margin_mode"] == "2" and f["trade_allowed"] == "1"
    t, f = c.request("SYMBOL", name="EURUSD")
    assert (t, f["digits"], f["filling"], f["trade_mode"]) == \
        ("SYMBOL", "5", "3", "4")
    assert float(f["ask"]) > float(f["bid"]) > 0
    t, f = c.request("TICK", name="XAUUSD")
    assert t == "TICK" and f["name"] == "XAUUSD"
    assert c.request("TICK", name="NOSUCH") == \
        ("ERROR", {"req": str(c.req), "reason": "unknown_symbol"})
    assert positions(c) == []
    t, f = c.request("ORDERS", **{"from": "0"})
    assert (t, f["count"], f["more"]) == ("ORDERS", "0", "0")


def test_key_from_the_files_folder(sim):
    """No BridgeKey input: the EA reads K from herald_bridge.key in its
    Files folder (upper case and a CRLF as Notepad leaves them)."""
    s = sim()
    s.start(in_files=s.key.hex().upper() + "\r\n")
    c = s.broker.connect()
    assert c.request("PING", t="7")[0] == "PONG"


@pytest.mark.parametrize("content", ["", "not a key\n"])
def test_no_key_anywhere_no_ea(sim, content):
    """Neither the input nor a usable file: OnInit fails, the EA is
    removed, and it says where K goes."""
    s = sim()
    s.start(in_files=content)
    assert s.proc.wait(TIMEOUT) == 1
    s.wait_log("OnInit failed")
    s.wait_log("herald_bridge.key" if content == "" else "64 hex digits")


def test_ea_source_is_pure_mql5():
    """No DLL imports, no library of the terminal: the EA's source
    includes only its own files (what the shim builds is all it runs)."""
    src = Path(REPO) / "broker" / "mql5"
    own = {p.name for p in src.iterdir()}
    for p in src.iterdir():
        for line in p.read_text().splitlines():
            word = line.strip().split()
            if not word or not word[0].startswith("#"):
                continue
            assert word[0] != "#import", (p.name, line)
            if word[0] == "#include":
                assert word[1].strip('"') in own, (p.name, line)
                assert word[1].startswith('"'), (p.name, line)


def test_broker_not_genuine(sim):
    s = sim().start()
    c = s.broker.accept()
    c.handshake(tamper_challenge=True)
    assert c.closed()
    s.wait_log("bridge: broker not genuine")


def test_ea_with_another_key(sim):
    """The EA holds another K: neither side's tag checks; nothing runs."""
    s = sim().start(ea_key=os.urandom(32))
    c = s.broker.accept()
    t, f = c.recv()
    assert t == "HELLO"
    # The broker's CHALLENGE made with the real K does not check in the EA.
    ne, nb = bytes.fromhex(f["nonce"]), os.urandom(32)
    c.send("CHALLENGE", [("nonce", nb.hex()),
                         ("tag", hm(s.key, b"broker", ne, nb).hex())])
    assert c.closed()
    s.wait_log("bridge: broker not genuine")


def test_reconnects_after_error(sim):
    s = sim().start()
    c = s.broker.accept()
    c.recv()
    c.send("ERROR", [("reason", "account_mismatch")])
    assert c.closed()
    s.wait_log("heraldd refused: account_mismatch")
    c = s.broker.connect()
    assert c.request("PING", t="1")[0] == "PONG"


# --- orders ----------------------------------------------------------------

def test_order_journal_and_repeat(sim):
    s = sim().start()
    c = s.broker.connect()
    t, r = c.order(7)
    assert (t, r["retcode"], r["journaled"]) == ("RESULT", "10009", "1")
    assert r["cmd"] == "7" and r["deal"] != "0"
    t, again = c.order(7)
    assert again["deal"] == r["deal"] and again["journaled"] == "1"
    assert c.request("QUERY", cmd="7")[1]["deal"] == r["deal"]
    p = positions(c)
    assert len(p) == 1 and p[0]["comment"] == "hd:7"
    assert p[0]["magic"] == str(4857000000000000007)
    assert len(deals_of(c, 7)) == 1
    assert len(s.journal()) == 1 and s.journal()[0].startswith("7|10009|")
    assert c.request("QUERY", cmd="8")[0] == "UNKNOWN"


def test_deals_since(sim):
    """DEALS: the history's deals above a ticket, from a time on, 32 a
    page in ticket order with more=1, each with an EVENT's keys."""
    s = sim().start()
    c = s.broker.connect()
    for cmd in range(1, 36):
        assert c.order(cmd, volume="0.01")[1]["retcode"] == "10009"
    ev = deals_of(c, 35)[0]
    t, f = c.request("DEALS", after="0", since="0")
    assert (t, f["count"], f["more"]) == ("DEALS", "32", "1")
    ticks = [int(f[f"ticket.{i}"]) for i in range(32)]
    assert ticks == sorted(ticks) and len(set(ticks)) == 32
    t, g = c.request("DEALS", after=str(ticks[-1]), since="0")
    assert (g["count"], g["more"]) == ("3", "0")
    last = {k[:-2]: v for k, v in g.items() if k.endswith(".2")}
    assert {**last, "kind": "deal"} == {k: v for k, v in ev.items()
                                        if k in last or k == "kind"}
    assert set(last) | {"kind"} == set(ev), (last, ev)
    assert c.request("DEALS", after=last["ticket"], since="0")[1][
        "count"] == "0"
    # From a time after the newest deal on: nothing.
    later = str(int(last["time_msc"]) + 2000)
    assert c.request("DEALS", after="0", since=later)[1]["count"] == "0"
    assert int(f["time_msc.0"]) <= int(last["time_msc"])


def test_filling_from_symbol(sim):
    """FOK (EURUSD), IOC only (GBPUSD), RETURN only (XAUUSD): all fill."""
    s = sim().start()
    c = s.broker.connect()
    for cmd, sym in ((1, "EURUSD"), (2, "GBPUSD"), (3, "XAUUSD")):
        assert c.order(cmd, symbol=sym, volume="0.10")[1]["retcode"] == "10009"



def test_order_check_before_send(sim):
    """OrderCheck runs first: an order it refuses (no money) never
    reaches OrderSend, whose armed requote is still there for the next."""
    s = sim("requote").start()
    c = s.broker.connect()
    assert c.order(21, volume="50.00")[1]["retcode"] == "10019"
    assert "OrderSend answers 10004" not in s.log()
    assert c.order(22)[1]["retcode"] == "10004"
    assert c.order(22)[1]["retcode"] == "10009"

def test_pending_modify_remove_close(sim):
    """Every request as heraldd's monitor fills it: prices with 8
    decimals, and a close, SL/TP change or removal naming only the
    position or order (the EA takes the rest from the terminal)."""
    s = sim().start()
    c = s.broker.connect()
    ask = float(c.request("TICK", name="EURUSD")[1]["ask"])
    t, r = c.order(1, action=5, type=2, price=f"{ask - 0.005:.8f}")
    assert r["retcode"] == "10008" and r["order"] != "0"
    t, f = c.request("ORDERS", **{"from": "0"})
    assert f["count"] == "1" and f["comment.0"] == "hd:1"
    r2 = c.order(2, action=7, order=r["order"], symbol="", type=0,
                 price=f"{ask - 0.006:.8f}", volume="0.10")[1]
    assert r2["retcode"] == "10009", r2
    t, f = c.request("ORDERS", **{"from": "0"})
    assert float(f["price_open.0"]) == pytest.approx(ask - 0.006)
    assert c.order(3, action=8, order=r["order"], symbol="")[1]["retcode"] == "10009"
    assert c.request("ORDERS", **{"from": "0"})[1]["count"] == "0"
    pos = c.order(4, volume="0.30")[1]
    ticket = positions(c)[0]["ticket"]
    sltp = c.order(5, action=6, position=ticket, symbol="",
                   sl=f"{ask - 0.01:.8f}", tp=f"{ask + 0.01:.8f}")[1]
    assert sltp["retcode"] == "10009", sltp
    p = positions(c)[0]
    assert float(p["sl"]) == pytest.approx(ask - 0.01)
    part = c.order(6, position=ticket, symbol="", volume="0.10")[1]
    assert part["retcode"] == "10009" and float(part["volume"]) == pytest.approx(0.1)
    assert float(positions(c)[0]["volume"]) == pytest.approx(0.2)
    close = c.order(7, position=ticket, symbol="", volume="0")[1]
    assert close["retcode"] == "10009" and pos["deal"] != close["deal"]
    assert float(close["volume"]) == pytest.approx(0.2)
    assert positions(c) == []
    gone = c.order(8, position=ticket, symbol="", volume="0")[1]
    assert (gone["retcode"], gone["journaled"]) == ("10036", "1")


def test_tampered_tag_refused(sim):
    s = sim().start()
    c = s.broker.connect()
    t, r = c.order(9, tamper=True)
    assert (t, r["retcode"], r["comment"], r["journaled"]) == \
        ("RESULT", "10013", "auth_failed", "0")
    s.wait_log("refused order cmd=9: authorisation tag does not check")
    assert positions(c) == [] and s.journal() == []


def test_bad_mac_refused(sim):
    s = sim().start()
    c = s.broker.connect()
    c.send_text("PING\nreq=1\nt=1\n", mac=os.urandom(32))
    assert c.closed()
    s.wait_log("bad MAC")


def test_sequence_gap_refused(sim):
    s = sim().start()
    c = s.broker.connect()
    c.send_text("PING\nreq=1\nt=1\n", seq=c.seq_out + 1)
    assert c.closed()
    s.wait_log("replayed or lost frame")


@pytest.mark.parametrize("text,why", [
    ("PING\nreq=1\nt=1\nt=2\n", "key t twice"),
    ("PING\nreq=1\nT=1\n", "malformed key"),
    ("PING\nreq=1\n", "missing key t"),
    ("PING\nreq=01\nt=1\n", "without a valid req"),
    ("FROB\nreq=1\n", "unknown request type FROB"),
    ("DEALS\nreq=1\nafter=0\n", "malformed DEALS"),
    ("DEALS\nreq=1\nafter=-1\nsince=0\n", "malformed DEALS"),
])
def test_malformed_refused(sim, text, why):
    s = sim().start()
    c = s.broker.connect()
    c.send_text(text)
    try:
        t, f = c.recv()
        assert t == "ERROR" and f["reason"] == "bad_request"
    except Closed:
        pass
    assert c.closed()
    s.wait_log(why)


def test_oversized_frame_refused(sim):
    s = sim().start()
    c = s.broker.connect()
    c.sock.sendall((70000).to_bytes(4, "big") + b"\0" * 64)
    assert c.closed()
    s.wait_log("frame length 70000 out of range")


# --- faults -----------------------------------------------------------------

def reconnect_and_query(s, cmd):
    c = s.broker.connect()
    return c, c.request("QUERY", cmd=str(cmd))


@pytest.mark.parametrize("fault", ["reply_lost", "restart"])
def test_lost_reply_answered_from_journal(sim, fault):
    s = sim(fault).start()
    c = s.broker.connect()
    with pytest.raises(Closed):
        c.order(11)
    s.wait_log("fault:")
    c, (t, r) = reconnect_and_query(s, 11)
    assert (t, r["retcode"], r["journaled"]) == ("RESULT", "10009", "1")
    assert c.order(11)[1]["deal"] == r["deal"]
    assert len(positions(c)) == 1
    if fault == "restart":
        assert "terminal restarted" in s.log()
        assert f"herald_journal_{LOGIN}.txt: 1 results" in s.log()


def test_no_journal_no_execution(sim):
    """A Files folder where the journal cannot be opened: nothing runs."""
    s = sim()
    (s.files / f"herald_journal_{LOGIN}.txt").mkdir(parents=True)
    s.start()
    c = s.broker.connect()
    t, f = c.order(21)
    assert (t, f["reason"]) == ("ERROR", "not_allowed")
    assert c.request("PING", t="1")[0] == "PONG" and positions(c) == []
    s.wait_log("cannot open the journal")


def test_restart_without_files_answers_from_history(sim):
    s = sim("restart_wipe").start()
    c = s.broker.connect()
    with pytest.raises(Closed):
        c.order(12, volume="0.30")
    s.wait_log("without its Files folder")
    c, (t, r) = reconnect_and_query(s, 12)
    assert (t, r["retcode"], r["comment"]) == ("RESULT", "10009", "from history")
    assert r["volume"].startswith("0.30")
    assert c.order(12)[1]["deal"] == r["deal"]
    assert len(positions(c)) == 1
    assert [l.split("|")[0] for l in s.journal()] == ["12"]


def test_duplicated_frame(sim):
    """The second copy has a used seq: refused, connection closed."""
    s = sim("duplicate").start()
    c = s.broker.connect()
    t, r = c.order(13)
    assert r["retcode"] == "10009"
    assert c.closed()
    s.wait_log("replayed or lost frame")
    c, (t, q) = reconnect_and_query(s, 13)
    assert q["deal"] == r["deal"]
    assert len(positions(c)) == 1


def test_disconnect_mid_request(sim):
    s = sim("disconnect").start()
    c = s.broker.connect()
    with pytest.raises(Closed):
        c.order(14)
    c, (t, q) = reconnect_and_query(s, 14)
    assert t == "UNKNOWN" and positions(c) == []
    assert c.order(14)[1]["retcode"] == "10009"
    assert len(positions(c)) == 1


@pytest.mark.parametrize("fault,rc", [("requote", "10004"),
                                      ("throttle", "10024")])
def test_retryable_not_journaled(sim, fault, rc):
    s = sim(fault).start()
    c = s.broker.connect()
    t, r = c.order(15)
    assert (r["retcode"], r["journaled"]) == (rc, "0")
    assert s.journal() == [] and positions(c) == []
    assert c.request("QUERY", cmd="15")[0] == "UNKNOWN"
    assert c.order(15)[1]["retcode"] == "10009"
    assert len(positions(c)) == 1


def test_partial_fill(sim):
    s = sim("partial").start()
    c = s.broker.connect()
    t, r = c.order(16, volume="0.20")
    assert (r["retcode"], r["journaled"]) == ("10010", "1")
    assert float(r["volume"]) == pytest.approx(0.10)
    assert c.order(16)[1]["deal"] == r["deal"]
    assert float(positions(c)[0]["volume"]) == pytest.approx(0.10)


def test_market_closed(sim):
    s = sim("market_closed").start()
    c = s.broker.connect()
    t, r = c.order(17)
    assert (r["retcode"], r["journaled"]) == ("10018", "1")
    assert c.order(17)[1]["retcode"] == "10018" and positions(c) == []


def test_autotrading_off(sim):
    s = sim("autotrading_off").start()
    c = s.broker.connect()
    assert c.request("PING", t="1")[1]["trade_allowed"] == "0"
    t, r = c.order(18)
    assert (r["retcode"], r["journaled"]) == ("10027", "0")
    assert r["comment"].startswith("autotrading_disabled")
    assert s.journal() == [] and positions(c) == []


def test_latency(sim):
    s = sim("latency=300").start()
    c = s.broker.connect()
    assert c.order(19)[1]["retcode"] == "10009"
    assert c.request("PING", t="2")[0] == "PONG"


def test_clock_skew(sim):
    s = sim("clock_skew=7200").start()
    c = s.broker.connect()
    t, f = c.request("PING", t="1")
    assert int(f["time"]) > time.time() + 3600
    assert c.order(20)[1]["retcode"] == "10009"
    assert c.request("QUERY", cmd="20")[1]["journaled"] == "1"


def test_unknown_fault_refused():
    r = subprocess.run([MT5SIM, "--fault", "gremlins", "--connect",
                        "127.0.0.1:1", "--login", "1", "--server", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown fault gremlins" in r.stderr



# --- TLS to a terminal on another host ---------------------------------------

def outside_address():
    """This host's address on its default route (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.connect(("192.0.2.1", 9))
            a = u.getsockname()[0]
    except OSError:
        return None
    return None if a.startswith("127.") else a


@pytest.fixture
def tls_cert(tmp_path):
    key, crt = tmp_path / "bridge.key", tmp_path / "bridge.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "1", "-subj", "/CN=herald-bridge"],
                   check=True, capture_output=True)
    fp = subprocess.run(["openssl", "x509", "-noout", "-fingerprint",
                         "-sha256", "-in", str(crt)], check=True,
                        capture_output=True, text=True).stdout
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(crt), str(key))
    return ctx, fp.strip().split("=", 1)[1]


@pytest.mark.parametrize("pinned", [True, False])
def test_tls_with_pinned_certificate(sim, tls_cert, pinned):
    """A non-loopback address: TLS, and only the pinned certificate."""
    addr = outside_address()
    if addr is None:
        pytest.skip("no non-loopback address on this host")
    ctx, fp = tls_cert
    s = sim(host=addr, tls=ctx, pin=fp if pinned else "AB" * 32).start()
    c = s.broker.accept()
    if pinned:
        c.handshake()
        assert c.request("PING", t="3")[0] == "PONG"
        assert c.order(30)[1]["retcode"] == "10009"
    else:
        assert c.closed()
        s.wait_log("is not the pinned one")


def test_tls_needs_a_pin(sim):
    addr = outside_address()
    if addr is None:
        pytest.skip("no non-loopback address on this host")
    s = sim(host=addr).start()
    s.wait_log("is not loopback: set CertSha256")


# --- kill -9 of the simulator -------------------------------------------------

@pytest.mark.parametrize("wipe", [False, True])
def test_kill9_then_reconcile(sim, wipe):
    """The terminal dies hard after executing; the trade server (--state)
    keeps the position; the journal, or without it the history, answers."""
    s = sim(state=True).start()
    c = s.broker.connect()
    r = c.order(40, volume="0.20")[1]
    assert c.order(41, symbol="GBPUSD")[1]["retcode"] == "10009"
    s.kill()
    assert c.closed()
    if wipe:
        for f in s.files.iterdir():
            f.unlink()
    s.start()
    c = s.broker.connect()
    t, q = c.request("QUERY", cmd="40")
    assert (t, q["deal"], q["journaled"]) == ("RESULT", r["deal"], "1")
    assert q["comment"] == ("from history" if wipe else r["comment"])
    assert c.order(40)[1]["deal"] == r["deal"]
    assert len(positions(c)) == 2
    n = c.order(42)[1]
    assert n["retcode"] == "10009" and int(n["deal"]) > int(r["deal"])
    assert len(positions(c)) == 3
    assert "records replayed" in s.log()

"""
The MT5 bridge, heraldd's side (issue 10): the real daemon with
mt5.backend bridge, and a Python EA (bridge_peer.py, written from
BRIDGE-PROTOCOL.md) on its listener.  The handshake and its refusals
(wrong key, wrong account with its SECURITY line, a second EA), orders
end to end with the monitor's authorisation tag checked by the peer,
an answer lost after execution settled by QUERY and never resent, a
reconnect, PINGs unanswered taking the backend down, concurrent
orders, and a restart with an order in flight.

If build/herald-mt5sim (the EA's own source on the shim, from the
bridge-ea branch), or $HERALD_MT5SIM, exists, the handshake and orders
run against it too.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from bridge_peer import Peer, ProtocolError
from conftest import TIMEOUT, free_port, wait_for, write_file
from test_http import make_key
from test_trading import Desk, call, trading_conf, yaml_text

LOGIN = 12345678
SERVER = "Bridge-Test"
KEY = bytes(range(32))
MT5SIM = os.environ.get("HERALD_MT5SIM") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
    "herald-mt5sim")


def bridge_conf(port, key_file, request_timeout=10):
    return {"backend": "bridge", "login": LOGIN, "server": SERVER,
            "request_timeout": request_timeout, "start_timeout": 5,
            "paper": {"tick_interval": 50},
            "bridge": {"address": "127.0.0.1", "port": port,
                       "key_file": str(key_file)}}


class Bridge:
    """A started heraldd with the bridge backend and a trader key."""

    def __init__(self, daemon, request_timeout=10, key=KEY, bridge=None,
                 **trading):
        self.d = daemon
        self.port = free_port()
        self.key_file = daemon.dir / "bridge.key"
        if key is not None:
            write_file(self.key_file, key.hex() + "\n")
        mt5 = bridge_conf(self.port, self.key_file, request_timeout)
        mt5["bridge"].update(bridge or {})     # test_bridge_tls.py's TLS
        settings = daemon.settings(
            mt5=mt5,
            trading=trading_conf(allowed_symbols=["EURUSD"], **trading),
            rate_limit={"per_source": 1000000, "per_key": 1000000})
        daemon.write_config(text=yaml_text(settings))
        daemon.start()
        self.desk = Desk(daemon, make_key(daemon, "trader", "trader"))
        self.peers = []

    def peer(self, key=KEY, login=LOGIN, server=SERVER):
        p = Peer(self.port, key, login, server)
        self.peers.append(p)
        return p

    def ea(self):
        """A well-behaved EA, connected and serving."""
        p = self.peer()
        wait_for(lambda: _try_connect(p), "the EA to be accepted")
        p.start()
        self.wait_up()
        return p

    def account_status(self):
        return self.desk.call("GET", "/v1/account")[0]

    def wait_up(self):
        wait_for(lambda: self.account_status() == 200,
                 "the bridge backend to answer GET /v1/account")

    def wait_down(self, timeout=TIMEOUT):
        wait_for(lambda: self.account_status() == 503,
                 "the bridge backend to be down", timeout)

    def close(self):
        for p in self.peers:
            p.close()


def _try_connect(p):
    try:
        p.connect()
        return True
    except (ConnectionRefusedError, ProtocolError, OSError):
        p.close()
        return False


@pytest.fixture
def bridge(daemons):
    b = Bridge(daemons())
    yield b
    b.close()


def journal_rows(daemon):
    db = sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True)
    try:
        return db.execute("SELECT id, state FROM orders ORDER BY id"
                          ).fetchall()
    finally:
        db.close()


_coid = [0]


def buy(desk, volume=0.1, **extra):
    """A market BUY, each with its own client_order_id (not a repeat)."""
    _coid[0] += 1
    extra.setdefault("client_order_id", f"bridge-{os.getpid()}-{_coid[0]}")
    return desk.trade(symbol="EURUSD", side="BUY", volume=volume, **extra)


# --- handshake ---------------------------------------------------------------

def test_handshake_and_reads(bridge):
    p = bridge.ea()
    assert p.broker_genuine
    st, _, body = bridge.desk.call("GET", "/v1/account")
    assert st == 200, body
    assert body["balance"] == 10000 and body["currency"] == "USD"
    st, _, body = bridge.desk.call("GET", "/v1/symbols/EURUSD")
    assert st == 200 and body["digits"] == 5, body
    st, _, body = bridge.desk.call("GET", "/v1/symbols/XAUUSD")
    assert st == 404, body
    bridge.d.wait_log("bridge: EA ready")


def test_wrong_key_refused(bridge):
    p = bridge.peer(key=bytes(32))
    assert p.refused_with() == "auth_failed"
    assert not p.broker_genuine     # the peer could tell, too
    bridge.d.wait_log("AUTH tag does not check")
    assert bridge.account_status() == 503
    # The right EA still gets in afterwards.
    bridge.ea()


def test_wrong_account_refused_with_security_line(bridge):
    p = bridge.peer(login=87654321)
    assert p.refused_with() == "account_mismatch"
    bridge.d.wait_log("SECURITY: bridge: the EA reports account 87654321")
    p = bridge.peer(server="Other-Server")
    assert p.refused_with() == "account_mismatch"
    assert bridge.account_status() == 503


def test_second_ea_busy(bridge):
    bridge.ea()
    p = bridge.peer()
    assert p.refused_with() == "busy"
    assert bridge.account_status() == 200


def test_no_key_file_bridge_down(daemons):
    b = Bridge(daemons(), key=None)
    try:
        b.d.wait_log("does not exist yet; create it with heraldctl "
                     "bridge key create")
        p = b.peer()
        assert p.refused_with() == "no_key"
        st, _, body = b.desk.call("GET", "/v1/account")
        assert st == 503 and "heraldctl bridge key create" in \
            body["error"], body
        st = b.d.ctl("-j", "status")
        assert "down: bridge: the bridge key" in st.stdout, st.stdout
        st, _, body = call(b.d, "GET", "/readyz")
        assert st == 503 and "heraldctl bridge key create" in \
            body["error"], body
        # The order of setting up: heraldd runs, the key, then the EA.
        r = b.d.ctl("bridge", "key", "create")
        assert r.returncode == 0, r.stderr
        q = b.peer(key=bytes.fromhex(r.stdout.strip()))
        wait_for(lambda: _try_connect(q), "the EA with the new key")
        q.start()
        b.wait_up()
        wait_for(lambda: call(b.d, "GET", "/readyz")[0] == 200,
                 "/readyz ready once the EA is in")
    finally:
        b.close()


# --- orders ------------------------------------------------------------------

def test_order_end_to_end_with_tag(bridge):
    p = bridge.ea()
    st, _, body = buy(bridge.desk, comment="hello")
    assert st == 200, body
    assert body["retcode"] == 10009 and body["status"] == "filled", body
    sends = [f for t, f in p.seen if t == "ORDER_SEND"]
    assert len(sends) == 1
    f = sends[0]
    assert f["action"] == "1" and f["symbol"] == "EURUSD" and \
        f["type"] == "0" and float(f["volume"]) == 0.1, f
    assert f["comment"] == "hello" and int(f["cmd"]) > 0, f
    assert p.refused == []
    # The open position comes from the terminal.
    st, _, body = bridge.desk.call("GET", "/v1/positions")
    assert st == 200, body
    rows = body["positions"] if isinstance(body, dict) else body
    assert len(rows) == 1 and rows[0]["symbol"] == "EURUSD", body
    # The journal row is done.
    assert journal_rows(bridge.d)[-1][1] == "done"


def test_tampered_order_tag_refused_by_the_ea(bridge):
    """A broker that alters an order cannot make its tag check."""
    p = bridge.ea()
    text = []
    orig = p.order_send

    def spy(f, t):
        text.append(t)
        orig(f, t)
    p.order_send = spy
    assert buy(bridge.desk)[0] == 200
    t = text[0]
    auth = t.split("auth=")[1].split("\n")[0]
    assert p.tag_checks(t, auth)
    for a, b in (("volume=0.10000000", "volume=9.00000000"),
                 ("type=0", "type=1"), ("symbol=EURUSD", "symbol=GBPUSD")):
        assert a in t, t
        assert not p.tag_checks(t.replace(a, b), auth)
    # Resent verbatim with another req, the stored result comes back.
    assert p.count("ORDER_SEND") == 1


def test_answer_lost_then_query_not_resend(daemons):
    b = Bridge(daemons(), request_timeout=3)
    try:
        p = b.ea()
        p.hold_orders = True
        st, _, body = buy(b.desk)
        assert st == 503 and body["code"] == "broker_timeout", body
        cmd = int([f for t, f in p.seen if t == "ORDER_SEND"][0]["cmd"])
        # The broker gives up after 10 s, drops the EA and never resends.
        b.d.wait_log("a request unanswered for 10 s", timeout=30)
        p.close()
        q = b.ea()
        wait_for(lambda: q.count("QUERY", cmd) == 1, "a QUERY for the "
                 "order in doubt", 30)
        p.journal.update(q.journal)
        assert q.count("ORDER_SEND") == 0 and p.count("ORDER_SEND") == 1
    finally:
        b.close()



@pytest.mark.parametrize("rc,sends,queries", [
    (10011, 1, 1), (10012, 1, 1), (10031, 1, 1),    # in doubt: QUERY
    (10004, 3, 0), (10020, 3, 0), (10021, 3, 0),    # sent again, same id
    (10024, 1, 0), (10019, 1, 0)])                  # final
def test_retcode_rules(bridge, rc, sends, queries):
    """BRIDGE-PROTOCOL's retry rules, from the broker's side: after
    10011, 10012 or 10031 the EA is asked (QUERY) and never sent the
    order again; 10004, 10020 and 10021 are resent with the same command
    id and tag (twice at most); anything else is the answer."""
    p = bridge.ea()
    p.retcode = rc
    st, _, body = buy(bridge.desk)
    assert st == 422 and body["retcode"] == rc, body
    sent = [f for t, f in p.seen if t == "ORDER_SEND"]
    assert len(sent) == sends, p.seen
    assert len({(f["cmd"], f["auth"]) for f in sent}) == 1, sent
    assert p.count("QUERY", int(sent[0]["cmd"])) == queries
    assert positions(bridge.desk) == []
    # Bound: the same id again is the stored answer, nothing sent.
    st, _, again = buy(bridge.desk, client_order_id=body["client_order_id"])
    assert st == 422 and again["duplicate"] is True, again
    assert p.count("ORDER_SEND") == sends

def test_reconnect(bridge):
    p = bridge.ea()
    assert buy(bridge.desk)[0] == 200
    p.close()
    bridge.wait_down()
    q = bridge.ea()
    assert buy(bridge.desk)[0] == 200
    assert q.count("ORDER_SEND") == 1


def test_unanswered_pings_take_the_backend_down(bridge):
    p = bridge.ea()
    p.answer_pings = False
    bridge.d.wait_log("3 PINGs unanswered", timeout=30)
    bridge.wait_down()
    st, _, body = bridge.desk.call("GET", "/v1/status")
    assert st == 200 and "PING" in json.dumps(body), body


def test_concurrent_orders(bridge):
    p = bridge.ea()
    results = []

    def one():
        results.append(buy(bridge.desk))
    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r[0] for r in results] == [200] * 6, results
    cmds = [f["cmd"] for t, f in p.seen if t == "ORDER_SEND"]
    assert len(cmds) == 6 and len(set(cmds)) == 6


def test_restart_with_an_order_in_flight(bridge):
    p = bridge.ea()
    p.hold_orders = True
    done = []
    t = threading.Thread(target=lambda: done.append(buy(bridge.desk)))
    t.start()
    wait_for(lambda: p.count("ORDER_SEND") == 1, "the order at the EA")
    bridge.d.send_signal(signal.SIGKILL)
    bridge.d.expect_exit = None
    bridge.d.wait_exit()
    t.join()
    cmd = int([f for t_, f in p.seen if t_ == "ORDER_SEND"][0]["cmd"])
    p.close()
    bridge.d._log.close()
    bridge.d.proc = None
    bridge.d.expect_exit = 0
    bridge.d.start()
    q = bridge.peer()
    q.journal.update(p.journal)
    wait_for(lambda: _try_connect(q), "the EA to be accepted again")
    q.start()
    wait_for(lambda: q.count("QUERY", cmd) == 1, "the QUERY after the "
             "restart", 30)
    wait_for(lambda: journal_rows(bridge.d)[-1][1] == "done",
             "the order resolved from the EA's journal")
    assert q.count("ORDER_SEND") == 0


# --- against herald-mt5sim, when the bridge-ea branch built it -----------------

needs_mt5sim = pytest.mark.skipif(not os.path.exists(MT5SIM),
                                  reason="herald-mt5sim not built here")


class Sim:
    """herald-mt5sim connected to a Bridge, with its Files folder; with
    manual=True, hand() does in the terminal what a trader does by hand
    (herald-mt5sim --manual, a command a line on its standard input)."""

    def __init__(self, bridge, workdir, *faults, manual=False, state=None,
                 wait=True):
        kf = workdir / "ea.key"
        kf.write_text(KEY.hex() + "\n")
        # Its own Files folder: restart_wipe empties it.
        self.files = workdir / "mt5-files"
        self.files.mkdir(exist_ok=True)
        args = [MT5SIM, "--connect", f"127.0.0.1:{bridge.port}",
                "--key-file", str(kf), "--login", str(LOGIN), "--server",
                SERVER, "--files", str(self.files)]
        for f in faults:
            args += ["--fault", f]
        if manual:
            args.append("--manual")
        if state is not None:
            args += ["--state", str(state)]
        self.logpath = workdir / "mt5sim.log"
        self.log = open(self.logpath, "ab")
        self.p = subprocess.Popen(
            args, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if manual else subprocess.DEVNULL)
        if wait:
            bridge.wait_up()

    def hand(self, line):
        """One command of herald-mt5sim --manual; waits for its outcome."""
        before = self.logpath.read_text(errors="replace").count("manual: ")
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        wait_for(lambda: self.logpath.read_text(errors="replace").count(
            "manual: ") > before, f"herald-mt5sim to do {line!r}")
        return self.logpath.read_text(errors="replace").rsplit(
            "manual: ", 1)[1].split("\n")[0]

    def kill(self):
        self.p.kill()
        self.p.wait(TIMEOUT)

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(TIMEOUT)
        if self.p.stdin is not None:
            self.p.stdin.close()
        self.log.close()


@pytest.fixture
def sim(bridge, workdir):
    made = []

    def start(*faults, **kw):
        made.append(Sim(bridge, workdir, *faults, **kw))
        return made[-1]
    yield start
    for s in made:
        s.stop()


def positions(desk):
    st, _, body = desk.call("GET", "/v1/positions")
    assert st == 200, body
    return body["positions"] if isinstance(body, dict) else body


@needs_mt5sim
def test_mt5sim_order_lifecycle(bridge, sim):
    sim()
    st, _, body = bridge.desk.call("GET", "/v1/account")
    assert st == 200, body
    st, _, body = buy(bridge.desk)
    assert st == 200 and body["retcode"] == 10009, body
    pos = positions(bridge.desk)
    assert len(pos) == 1, pos
    st, _, body = bridge.desk.modify(pos[0]["ticket"], sl=0.5)
    assert st == 200 and body["retcode"] == 10009, body



@needs_mt5sim
def test_mt5sim_account_and_symbol_from_the_terminal(bridge, sim):
    """GET /v1/account and /v1/symbols answer what the terminal reports
    (the EA's ACCOUNT and SYMBOL): its filling modes, volume limits,
    stops level, trade mode and quote, not heraldd's paper symbols."""
    sim()
    st, _, a = bridge.desk.call("GET", "/v1/account")
    assert st == 200, a
    assert (a["currency"], a["balance"], a["leverage"]) == \
        ("USD", 10000.0, 100), a
    st, _, q = bridge.desk.call("GET", "/v1/symbols/EURUSD")
    assert st == 200, q
    assert (q["digits"], q["filling"], q["trade_mode"]) == \
        (5, ["FOK", "IOC"], "FULL"), q
    assert (q["volume_min"], q["volume_step"], q["contract_size"]) == \
        (0.01, 0.01, 100000.0), q
    assert q["session_open"] is True and q["ask"] > q["bid"] > 0, q

@needs_mt5sim
def test_mt5sim_pending_order_model(bridge, sim):
    """MT5's order model through the EA's own code: a stop-limit with an
    expiration placed as asked, then a modify that names only the SL, the
    EA keeping the order's prices and expiration (price 0, stoplimit 0,
    tp -1, type_time 255 in the authorised text)."""
    sim()
    st, _, q = bridge.desk.call("GET", "/v1/symbols/EURUSD")
    assert st == 200, q
    stop = round(q["ask"] + 0.005, 5)
    limit = round(stop - 0.001, 5)
    st, _, body = buy(bridge.desk, type="stop_limit", price=stop,
                      stop_limit=limit, expiration="2099-01-01T00:00:00Z")
    assert st == 200 and body["retcode"] == 10008, body
    ticket = body["order_id"]
    st, _, body = bridge.desk.call("POST", f"/v1/orders/{ticket}/modify",
                                   {"sl": round(limit - 0.002, 5)})
    assert st == 200 and body["retcode"] == 10009, body
    st, _, body = bridge.desk.call("GET", "/v1/orders")
    assert st == 200, body
    [o] = [o for o in body["orders"] if o["ticket"] == ticket]
    assert o["type"] == "BUY_STOP_LIMIT", o
    assert abs(o["price"] - stop) < 1e-9, o
    assert abs(o["stop_limit"] - limit) < 1e-9, o
    assert abs(o["sl"] - (limit - 0.002)) < 1e-9 and o["tp"] == 0, o
    assert o["expiration"] == "specified", o
    assert o["expires_at"] == "2099-01-01T00:00:00.000Z", o


@needs_mt5sim
def test_mt5sim_position_modify_keeps_the_other_stop(bridge, sim):
    """A position modify that names only the TP keeps the SL (and the
    other way round): the authorised text carries sl -1 (keep), and the
    EA fills it from PositionGetDouble(POSITION_SL), since a real MT5's
    TRADE_ACTION_SLTP with sl 0 removes the stop loss."""
    sim()
    st, _, q = bridge.desk.call("GET", "/v1/symbols/EURUSD")
    assert st == 200, q
    sl = round(q["bid"] - 0.01, 5)
    tp = round(q["ask"] + 0.01, 5)
    st, _, body = buy(bridge.desk, sl=sl, tp=tp)
    assert st == 200 and body["retcode"] == 10009, body
    [p] = positions(bridge.desk)
    assert abs(p["sl"] - sl) < 1e-9 and abs(p["tp"] - tp) < 1e-9, p
    tp2 = round(tp + 0.005, 5)
    st, _, body = bridge.desk.modify(p["ticket"], tp=tp2)
    assert st == 200 and body["retcode"] == 10009, body
    [p] = positions(bridge.desk)
    assert abs(p["sl"] - sl) < 1e-9, p
    assert abs(p["tp"] - tp2) < 1e-9, p
    sl2 = round(sl - 0.005, 5)
    st, _, body = bridge.desk.modify(p["ticket"], sl=sl2)
    assert st == 200 and body["retcode"] == 10009, body
    [p] = positions(bridge.desk)
    assert abs(p["sl"] - sl2) < 1e-9, p
    assert abs(p["tp"] - tp2) < 1e-9, p
    # Naming 0 still removes it, as on MT5.
    st, _, body = bridge.desk.modify(p["ticket"], sl=0)
    assert st == 200 and body["retcode"] == 10009, body
    [p] = positions(bridge.desk)
    assert p["sl"] == 0 and abs(p["tp"] - tp2) < 1e-9, p


@needs_mt5sim
def test_mt5sim_close(bridge, sim):
    sim()
    assert buy(bridge.desk)[0] == 200
    pos = positions(bridge.desk)
    st, _, body = bridge.desk.close(pos[0]["ticket"])
    assert st == 200 and body["retcode"] == 10009, body
    assert positions(bridge.desk) == []


@needs_mt5sim
def test_mt5sim_requote_resent_once_executed(bridge, sim):
    sim("requote")
    st, _, body = buy(bridge.desk)
    assert st in (200, 422), body
    n = 1 if body.get("retcode") == 10009 else 0
    assert len(positions(bridge.desk)) == n


@needs_mt5sim
def test_mt5sim_reply_lost_settled_by_query(daemons, workdir):
    b = Bridge(daemons(), request_timeout=3)
    s = None
    try:
        s = Sim(b, workdir, "reply_lost")
        # The EA executes, loses the answer and drops; back, it is asked
        # (QUERY), and the client gets that answer or, if its wait ran
        # out first, 503 broker_timeout.  Either way: executed once.
        st, _, body = buy(b.desk)
        assert (st, body.get("retcode")) == (200, 10009) or \
            (st, body.get("code")) == (503, "broker_timeout"), body
        wait_for(lambda: journal_rows(b.d)[-1][1] == "done",
                 "the order settled by QUERY after the EA is back", 60)
        b.wait_up()
        assert len(positions(b.desk)) == 1
        b.d.wait_log("journal: order 1 was executed")
    finally:
        if s is not None:
            s.stop()
        b.close()


# --- heraldctl bridge --------------------------------------------------------

def test_heraldctl_bridge_key_create_rotate_status(daemons):
    b = Bridge(daemons(), key=None)
    try:
        r = b.d.ctl("bridge", "status")
        assert r.returncode == 0 and "bridge down" in r.stdout and \
            "heraldctl bridge key create" in r.stdout, r.stdout
        r = b.d.ctl("bridge", "key", "create")
        assert r.returncode == 0, r.stderr
        hexkey = r.stdout.strip()
        assert len(hexkey) == 64 and int(hexkey, 16) >= 0, r.stdout
        assert "will not be shown again" in r.stderr
        st = os.stat(b.key_file)
        assert st.st_uid == 0 and (st.st_mode & 0o777) == 0o600
        assert b.key_file.read_text() == hexkey + "\n"
        b.d.wait_log("SECURITY: control: bridge key create by uid 0")
        # create refuses to overwrite
        r = b.d.ctl("bridge", "key", "create")
        assert r.returncode == 1 and "use heraldctl bridge key rotate" in \
            r.stderr, r.stderr
        assert b.key_file.read_text() == hexkey + "\n"
        # the EA with the printed key gets in
        p = b.peer(key=bytes.fromhex(hexkey))
        wait_for(lambda: _try_connect(p), "the EA with the new key")
        p.start()
        b.wait_up()
        wait_for(lambda: "last ping answered 20" in
                 b.d.ctl("bridge", "status").stdout, "a PONG in status")
        r = b.d.ctl("bridge", "status")
        assert "round trip" in r.stdout, r.stdout
        assert "bridge connected since" in r.stdout and \
            "account 12345678" in r.stdout and \
            "pytest-peer 1, Bridge-Test" in r.stdout, r.stdout
        j = json.loads(b.d.ctl("-j", "bridge", "status").stdout)
        assert j["connected"] and j["trade_allowed"] and \
            j["login"] == LOGIN, j
        # rotate: a new key, the session of the old one ends
        r = b.d.ctl("bridge", "key", "rotate")
        assert r.returncode == 0, r.stderr
        newkey = r.stdout.strip()
        assert len(newkey) == 64 and newkey != hexkey
        b.d.wait_log("dropped: the bridge key was rotated")
        b.wait_down()
        old = b.peer(key=bytes.fromhex(hexkey))
        assert old.refused_with() == "auth_failed"
        b.peer(key=bytes.fromhex(newkey))
        q = b.peers[-1]
        wait_for(lambda: _try_connect(q), "the EA with the rotated key")
        q.start()
        b.wait_up()
    finally:
        b.close()


def test_heraldctl_bridge_on_paper_refused(running):
    r = running.ctl("bridge", "status")
    assert r.returncode == 1 and "mt5.backend is not bridge" in r.stderr
    r = running.ctl("bridge", "key", "create")
    assert r.returncode == 1 and "mt5.backend is not bridge" in r.stderr

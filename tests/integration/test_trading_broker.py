"""
The trading path when the broker fails (issue 4): a SIGKILL of the broker
while orders stream in, a broker that times out or is stuck inside a
change, its stored state damaged or oversized, and the ticks file.  The
orders journal is read straight from the SQLite file, read-only.  The
daemon and its test symbols are test_trading.py's.
"""
import hashlib
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import threading
import time

import pytest

from conftest import SYSPATH, TIMEOUT, proc_gone, wait_for
from test_http import assert_error
from test_trading import (call, filled, mt5_conf, near, order_ok,
                          position_of, same_answer, start_again,
                          start_trading, trading_conf, yaml_text)

# The IPC catalogue's message names, in order (type = index + 1).
NAMES = re.findall(r"^M\((\w+),", open(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "privsep",
    "msg.h")).read(), re.M)


def journal(daemon, ids=False):
    """{client_order_id: (state, result)} of the orders table, read-only
    (with ids: {client_order_id: row id})."""
    db = sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True,
                         timeout=TIMEOUT)
    try:
        rows = db.execute("SELECT client_order_id, state, result, id "
                          "FROM orders").fetchall()
    finally:
        db.close()
    if ids:
        return {c: i for c, _, _, i in rows}
    return {c: (s, r) for c, s, r, _ in rows}


def result_matches(blob, answer):
    """The stored typed result (common/trade.h, wire.h little-endian)
    carries the answer's retcode and order ticket."""
    if blob is None:
        return False
    blob = bytes(blob)
    if struct.pack("<I", answer["retcode"]) not in blob:
        return False
    return answer["order_id"] == 0 or \
        struct.pack("<Q", answer["order_id"]) in blob


class Stream:
    """Threads placing orders with distinct client_order_ids until the
    daemon stops answering."""

    def __init__(self, desk, threads=4, per_thread=25):
        self.desk = desk
        self.lock = threading.Lock()
        self.sent = []                  # every client_order_id tried
        self.answers = {}               # client_order_id -> 200 body
        self.others = {}                # client_order_id -> what else
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run,
                                         args=(t, per_thread), daemon=True)
                        for t in range(threads)]

    def run(self, t, n):
        for i in range(n):
            if self.stop.is_set():
                return
            coid = f"stream-{t}-{i}"
            with self.lock:
                self.sent.append(coid)
            try:
                ans = call(self.desk.d, "POST", "/trade", self.desk.key,
                           {"symbol": "EURUSD", "side": "BUY",
                            "volume": 0.01, "client_order_id": coid},
                           timeout=30)
            except Exception as e:      # the daemon went away
                with self.lock:
                    self.others[coid] = repr(e)
                return
            with self.lock:
                if ans[0] == 200 and isinstance(ans[2], dict) and \
                        "retcode" in ans[2]:
                    self.answers[coid] = ans[2]
                else:
                    self.others[coid] = ans

    def start(self):
        for th in self.threads:
            th.start()

    def count(self):
        with self.lock:
            return len(self.answers)

    def join(self):
        self.stop.set()
        for th in self.threads:
            th.join(40)
            assert not th.is_alive(), "a client thread hangs"


@pytest.mark.parametrize("freeze", [False, True],
                         ids=["streaming", "frozen-in-flight"])
def test_broker_sigkill_fails_closed_and_loses_nothing(daemons, freeze):
    d = daemons()
    desk = start_trading(d, mt5=dict(mt5_conf(), request_timeout=30))
    broker = d.pids()["broker"]
    s = Stream(desk)
    s.start()
    wait_for(lambda: s.count() >= 20, "20 answered orders", 20, 0.01)
    if freeze:
        # Stop the broker first, so that orders are certainly journaled
        # and handed to it but never answered when it dies.
        os.kill(broker, signal.SIGSTOP)
        wait_for(lambda: any(st in ("pending", "sent")
                             for st, _ in journal(d).values()),
                 "an order in flight in the journal", TIMEOUT, 0.05)
        time.sleep(0.2)
    os.kill(broker, signal.SIGKILL)
    d.expect_exit = None
    rc = d.wait_exit()
    assert rc != 0, "heraldd went on without its broker"
    assert proc_gone(broker)
    # Failing closed stops net as well, before the monitor exits (as
    # test_lifecycle checks; net holds the listening socket the restart
    # needs).  Checked at the end; the restart waits for it.
    net = d.children["net"]
    net_outlived = not proc_gone(net)
    wait_for(lambda: proc_gone(net), "net to exit", 5)
    # The spine: the monitor logs which child died and how (checked at
    # the end, so that a vaguer line does not hide the rest).
    first_log = d.log()
    s.join()
    answered = dict(s.answers)
    assert len(answered) >= 20, s.others

    # The file as the killed daemon left it: every answered order done,
    # with its answer.
    rows = journal(d)
    for coid, ans in answered.items():
        assert coid in rows, f"answered order {coid} not in the journal"
        state, result = rows[coid]
        assert state == "done", f"{coid}: state {state}, answered {ans}"
        assert result_matches(result, ans), \
            f"{coid}: the journal's result is not the answer {ans}"
    in_flight = [c for c, (st, _) in rows.items()
                 if st in ("pending", "sent", "unknown")]
    if freeze:
        assert in_flight, "no order was in flight when the broker died"

    # Restart on the same database: in-flight orders are resolved by
    # asking the backend, never by sending them again.
    logged = len(d.log())
    start_again(d, desk)
    wait_for(lambda: not any(st in ("pending", "sent")
                             for st, _ in journal(d).values()),
             "the orders in flight to be resolved", TIMEOUT, 0.05)
    if in_flight:
        # One line per order in flight, by its journal id (the command
        # id), saying what became of it.
        rowid = journal(d, ids=True)
        for coid in in_flight:
            rx = re.compile(rf"(?im)^monitor: .*\border {rowid[coid]}\b.*"
                            rf"(execut|resolv|fill|done|fail|unknown)")
            wait_for(lambda: rx.search(d.log()[logged:]),
                     f"a log line resolving order {rowid[coid]} ({coid})")
    rows = journal(d)
    for coid, ans in answered.items():
        state, result = rows[coid]
        assert state == "done" and result_matches(result, ans), \
            f"{coid} changed after the restart: {state}"
    for coid in in_flight:
        assert rows[coid][0] in ("done", "failed", "unknown"), \
            (coid, rows[coid][0])

    positions = desk.positions("EURUSD")
    tickets = [p["ticket"] for p in positions]
    assert len(set(tickets)) == len(tickets), tickets

    # Every journaled id again: the first answer, nothing new traded.
    fills = 0
    for coid in sorted(rows):
        ans = desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                         client_order_id=coid)
        if coid in answered:
            same_answer(answered[coid], ans)
        st, _, b = ans
        if st == 200:
            assert b.get("duplicate") is True, \
                f"{coid} ({rows[coid][0]}) executed again: {b}"
            if b.get("retcode") == 10009:
                fills += 1
                assert position_of(b) in tickets, (coid, b, tickets)
    after = [p["ticket"] for p in desk.positions("EURUSD")]
    assert sorted(after) == sorted(tickets), \
        "retrying journaled orders changed the positions"
    assert len(tickets) == fills, \
        f"{len(tickets)} positions for {fills} filled orders"
    assert set(position_of(a) for a in answered.values()
               if a["retcode"] == 10009) <= set(tickets)

    problems = []
    if "broker process killed by signal 9 (KILL); stopping heraldd" \
            not in first_log:
        problems.append("the monitor did not log how the broker died")
    if net_outlived:
        problems.append(f"net (pid {net}) outlived the monitor, which "
                        f"exited {rc}")
    tail = "\n".join(first_log.splitlines()[-3:])
    assert not problems, "; ".join(problems) + f"; the log ends:\n{tail}"


# --- a broker that does not answer ----------------------------------------------

def test_broker_timeout_answers_503_and_the_late_answer_counts(daemons):
    """mt5.request_timeout bounds every wait: with the broker stopped, an
    order and a read answer 503 broker_timeout; the order's row is
    unknown until the broker, resumed, answers; a retry then gets that
    answer, and there is one position."""
    d = daemons()
    desk = start_trading(d, mt5=dict(mt5_conf(), request_timeout=1))
    broker = d.pids()["broker"]
    body = {"symbol": "EURUSD", "side": "BUY", "volume": 0.01,
            "client_order_id": "slow-1"}
    os.kill(broker, signal.SIGSTOP)
    try:
        assert_error(desk.trade(**body), 503, "broker_timeout",
                     "mt5.request_timeout")
        assert_error(desk.call("GET", "/v1/account"), 503,
                     "broker_timeout")
        state, _ = journal(d)["slow-1"]
        assert state == "unknown", state
    finally:
        os.kill(broker, signal.SIGCONT)

    def done():
        return journal(d)["slow-1"][0] == "done"
    wait_for(done, "the late answer to complete the journal row", TIMEOUT,
             0.05)
    again = order_ok(desk.trade(**body), 10009, "filled")
    assert again["duplicate"] is True, again
    assert len(desk.positions()) == 1
    assert d.proc.poll() is None, d.log()


# --- a replayed price feed -------------------------------------------------------

def test_ticks_file_is_replayed(daemons):
    """mt5.paper.ticks_file: the monitor reads it, the broker replays it
    (one line per tick after start_bid), and orders fill at its prices."""
    d = daemons()
    ticks = d.dir / "ticks.csv"
    lines = ["# symbol,bid,ask,time_ms"]
    lines += [f"EURUSD,1.23450,1.23460,{1700000000000 + i}"
              for i in range(300)]
    ticks.write_text("\n".join(lines) + "\n")
    desk = start_trading(d, mt5=mt5_conf(tick_interval=100,
                                         ticks_file=str(ticks)))

    def replayed():
        bid, ask, _, _ = desk.quote("EURUSD")
        return near(bid, 1.2345) and near(ask, 1.2346)
    wait_for(replayed, "the replayed quote", TIMEOUT, 0.05)
    b = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.1))
    assert near(b["fill_price"], 1.2346), b


def test_ticks_file_missing_stops_start(daemons):
    """A replay file that cannot be read is refused by heraldd -n and by
    the start, before the daemon detaches, naming the key and the file."""
    d = daemons()
    missing = d.dir / "no-such-ticks.csv"
    settings = d.settings(mt5=mt5_conf(ticks_file=str(missing)),
                          trading=trading_conf())
    d.write_config(text=yaml_text(settings))
    want = f"mt5.paper.ticks_file {missing}: No such file or directory"
    rc, _, err = d.run_n()
    assert rc == 1 and want in err, err
    d.start(wait=False)
    d.expect_exit = 1
    assert d.wait_exit() == 1
    assert want in d.log(), d.log()
    assert not d.socket.exists()


def test_oversized_stored_broker_state_stops_start(daemons):
    """A stored broker record longer than any the broker sends (a damaged
    database) stops heraldd when it hands the state over, naming the
    record and why, instead of printing an undefined reason."""
    d = daemons()
    start_trading(d)
    assert d.stop() == 0, d.log()
    db = sqlite3.connect(str(d.database), timeout=TIMEOUT)
    try:
        with db:
            db.execute("INSERT INTO broker_state (type, key, time, profit, "
                       "body) VALUES (3, 'oversized', 0, 0.0, "
                       "zeroblob(1025))")
    finally:
        db.close()
    d._log.close()
    d.proc = None
    d.expect_exit = 1
    d.start(wait=False)
    assert d.wait_exit() == 1, d.log()
    assert "stored broker state 3/oversized does not decode: longer than " \
        "a broker record" in d.log(), d.log()


def old_order(o, ticket):
    """A pending order's stored record as the first build wrote it
    (common/record.c before the order grew stop_limit, type_time,
    expiration and state): little-endian, strings u16 length + bytes."""
    def s(v):
        v = v.encode()
        return struct.pack("<H", len(v)) + v
    types = {"BUY_LIMIT": 2, "SELL_LIMIT": 3, "BUY_STOP": 4, "SELL_STOP": 5}
    return (struct.pack("<Q", ticket) + s(o["symbol"]) +
            bytes([types[o["type"]], 2]) +
            struct.pack("<dddd", o["volume"], o["price"], o["sl"], o["tp"]) +
            struct.pack("<qQ", 1700000000000, o["magic"]) + s(o["comment"]))


def test_pending_order_of_an_older_build_survives_start(daemons):
    """The upgrade path: a database whose pending order was written by
    an older build, in the shorter record layout, starts; the order is
    listed with the defaults of what the old layout lacks (GTC), and can
    still be cancelled."""
    d = daemons()
    desk = start_trading(d)
    b = order_ok(desk.pending("BUY", 500, volume=0.1, comment="old one")[0],
                 10008)
    t = b["order_id"]
    o = desk.order(t)
    assert d.stop() == 0, d.log()
    db = sqlite3.connect(str(d.database), timeout=TIMEOUT)
    try:
        with db:
            n = db.execute("UPDATE broker_state SET body = ? WHERE type = 4 "
                           "AND key = ?", (old_order(o, t), str(t))).rowcount
    finally:
        db.close()
    assert n == 1
    start_again(d, desk)
    again = desk.order(t)
    assert again is not None, d.log()
    for k in ("symbol", "type", "volume", "price", "sl", "tp", "comment"):
        assert again[k] == o[k], (k, o, again)
    assert again["expiration"] == "gtc", again
    assert "does not decode" not in d.log()
    assert desk.cancel(t)[0] == 200
    assert desk.order(t) is None


# u8 oflags, u8 type, d stop_limit, u32 deviation, u8 type_time,
# u64 expiration: what a TRADE request grew (common/params.h).
ORDER_BLOCK = 1 + 1 + 8 + 4 + 1 + 8


def test_retry_of_an_order_journaled_by_an_older_build(daemons):
    """The upgrade path of the journal: orders an older build journaled
    hold their request without the order block.  The same body sent
    again after the upgrade is a retry, answered from the journal, both
    with a client_order_id and with an id heraldd derived (the hash of
    the older request, in the same duplicate_window)."""
    window = 3600
    d = daemons()
    desk = start_trading(d, trading_conf(duplicate_window=window))
    named = {"symbol": "EURUSD", "side": "BUY", "volume": 0.1,
             "client_order_id": "before-upgrade"}
    plain = {"symbol": "EURUSD", "side": "SELL", "volume": 0.02,
             "comment": "no id"}
    first = filled(desk.trade(**named))
    second = filled(desk.trade(**plain))
    assert d.stop() == 0, d.log()
    db = sqlite3.connect(str(d.database), timeout=TIMEOUT)
    try:
        with db:
            rows = db.execute("SELECT id, key_id, client_order_id, derived, "
                              "request, created FROM orders").fetchall()
            assert len(rows) == 2, rows
            for rid, key, coid, derived, req, created in rows:
                req = bytes(req)[:-ORDER_BLOCK]
                if derived:
                    coid = "auto-" + hashlib.sha256(
                        struct.pack(">Q", key) + req +
                        struct.pack(">Q", created // window)).hexdigest()
                db.execute("UPDATE orders SET request = ?, "
                           "client_order_id = ? WHERE id = ?",
                           (req, coid, rid))
    finally:
        db.close()
    start_again(d, desk)
    same_answer(first, desk.trade(**named))
    again = desk.trade(**plain)
    assert again[0] == 200 and again[2]["duplicate"] is True, again
    assert again[2]["order_id"] == second["order_id"], (second, again)
    assert len(desk.positions()) == 2
    # Another order under the old id is still refused, never traded.
    assert_error(desk.trade(**dict(named, volume=0.3)), 409,
                 "duplicate_client_order_id", "client_order_id")
    assert len(desk.positions()) == 2


def test_broker_stuck_inside_a_change_fails_closed(daemons):
    """The broker stops after sending an order's records but before its
    answer: half a group is never committed, so nothing could be
    answered; at mt5.request_timeout heraldd stops (exit 1), saying why,
    instead of letting clients wait.  A group goes as one BROKER_BATCH
    and is split only when it outgrows a message: gdb makes the batch
    look full when the answer is added (the records go alone), then
    holds the broker stopped at the answer for a few seconds.  (The
    monitor's SIGKILL of a traced process is only reaped once gdb lets
    go.)"""
    if shutil.which("gdb", path=SYSPATH) is None:
        pytest.fail("gdb is not installed (make deps installs it)")
    d = daemons()
    desk = start_trading(d, mt5=dict(mt5_conf(), request_timeout=1))
    broker = d.pids()["broker"]
    res_type = NAMES.index("BROKER_RES") + 1
    gdb = subprocess.Popen(
        ["gdb", "-p", str(broker), "-batch", "-nx",
         "-ex", "set pagination off", "-ex", "set confirm off",
         "-ex", f"break msg_batch_add_msg if type == {res_type}",
         "-ex", "continue", "-ex", "return -1", "-ex", "continue",
         "-ex", "shell sleep 5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={"PATH": SYSPATH})
    try:
        # Only once gdb has set its breakpoint may the order go (the
        # broker reads it when gdb lets it run on): attaching takes
        # longer than any fixed wait on a loaded machine or with the
        # larger make check-sanitize binary.
        seen = b""
        deadline = time.monotonic() + 60
        while b"Breakpoint 1 at" not in seen:
            ready, _, _ = select.select([gdb.stdout], [], [],
                                        max(0, deadline - time.monotonic()))
            chunk = os.read(gdb.stdout.fileno(), 4096) if ready else b""
            assert chunk, f"gdb did not attach to the broker: {seen!r}"
            seen += chunk
        try:
            st, _, b = call(d, "POST", "/trade", desk.key,
                            {"symbol": "EURUSD", "side": "BUY",
                             "volume": 0.01}, timeout=15)
            assert st != 200, b     # never an answer that is not durable
        except Exception:
            pass                    # the daemon went away: fine
        d.expect_exit = 1
        assert d.wait_exit() == 1, d.log()
        assert "the broker stopped answering in the middle of a change " \
            "of the account; stopping heraldd" in d.log(), d.log()
    finally:
        gdb.kill()
        gdb.wait()

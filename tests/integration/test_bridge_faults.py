"""
Exactly once across faults (issue 10, "Tests and proof"): heraldd with
mt5.backend bridge and herald-mt5sim, the EA's own source on the shim,
with orders streaming from several clients while each fault of the
simulator strikes (herald-bridge(7), --fault) and while the broker,
heraldd and the simulator are killed with SIGKILL in turn.  Afterwards:

* no journal row is left unresolved;
* every order answered 200 is in the journal, done, with that answer;
* every order the terminal executed holds one position with its command
  id ("hd:<id>"), and no command id holds two;
* an order answered as executed has its position; one answered as not
  executed has none;
* sending every client_order_id again adds nothing: the answers are the
  journal's and the terminal's positions stay as they were.

Not timed: the waits are generous bounds, never the measurement.
"""
import os
import signal
import threading
import time

import pytest

from conftest import wait_for
from test_bridge import Bridge, Sim, needs_mt5sim
from test_trading import call, listing, start_again
from test_trading_broker import journal, result_matches

OPEN = ("pending", "sent", "unknown")
# Answers a client repeats with the same client_order_id (herald-api(7)).
RETRY = ("broker_timeout", "broker_busy", "order_in_flight",
         "broker_unavailable")


class Clients:
    """Threads placing market orders, each with its own client_order_id,
    as a careful client does: a 503 (the bridge down, an answer late) or
    a dropped connection (heraldd killed) is retried with the same
    client_order_id until the order has a final answer, 200 or 422."""

    def __init__(self, desk, threads=3, per_thread=6, volume=0.01,
                 name="c"):
        self.desk = desk
        self.volume = volume
        self.lock = threading.Lock()
        self.sent = []                  # client_order_ids, in order
        self.final = {}                 # client_order_id -> (status, body)
        self.tries = {}                 # client_order_id -> attempts
        self.threads = [threading.Thread(target=self.run,
                                         args=(f"{name}{t}", per_thread),
                                         daemon=True)
                        for t in range(threads)]
        for th in self.threads:
            th.start()

    def body(self, coid):
        return {"symbol": "EURUSD", "side": "BUY", "volume": self.volume,
                "client_order_id": coid}

    def run(self, name, n):
        for i in range(n):
            coid = f"{name}-{i}"
            with self.lock:
                self.sent.append(coid)
            for attempt in range(200):
                try:
                    ans = call(self.desk.d, "POST", "/trade",
                               self.desk.key, self.body(coid), timeout=30)
                except Exception:       # heraldd is away
                    ans = (None, None, None)
                with self.lock:
                    self.tries[coid] = attempt + 1
                if self.is_final(coid, ans):
                    with self.lock:
                        self.final[coid] = (ans[0], ans[2])
                    break
                time.sleep(0.25)

    def is_final(self, coid, ans):
        """Not an answer to wait out.  broker_unavailable never is, also
        once the order was journaled (it reached the broker while the
        terminal was away): it binds no client_order_id, so the retry
        with the same id is a new attempt (herald-api(7), Idempotency)."""
        if ans[0] is None:
            return False
        return ans[2].get("code") not in RETRY

    def count(self):
        with self.lock:
            return len(self.final)

    def done(self, timeout=180):
        wait_for(lambda: not any(t.is_alive() for t in self.threads),
                 "the clients to finish", timeout, 0.1)
        missing = [c for c in self.sent if c not in self.final]
        assert not missing, f"orders without a final answer: {missing}"


def settle(b, timeout=90):
    """The bridge up again and nothing open in the journal."""
    b.wait_up()
    wait_for(lambda: not any(st in OPEN for st, _ in journal(b.d).values()),
             "every journal row resolved", timeout, 0.2)


def terminal_positions(b):
    st, _, body = b.desk.call("GET", "/v1/positions")
    assert st == 200, body
    ps = listing(body, "positions")
    assert len(ps) < 128, "more positions than one list holds"
    return ps


def check_exactly_once(b, c, extra=None):
    """The invariants of the module docstring, for the clients' final
    answers and extra ones ({client_order_id: (status, body)}); the
    positions by command id."""
    answers = dict(c.final, **(extra or {}))
    rows = journal(b.d)
    ids = journal(b.d, ids=True)
    open_rows = [k for k, (st, _) in rows.items() if st in OPEN]
    assert not open_rows, f"unresolved journal rows: {open_rows}"
    held = {}
    for p in terminal_positions(b):
        k = p["comment"]
        assert k.startswith("hd:"), f"a position heraldd did not make: {p}"
        cmd = int(k[3:])
        assert cmd not in held, f"command {cmd} executed twice: {p}"
        held[cmd] = p
    by_id = {i: k for k, i in ids.items()}
    for cmd in held:
        assert cmd in by_id, f"position of no journal row: {held[cmd]}"
        assert rows[by_id[cmd]][0] == "done", (cmd, rows[by_id[cmd]])
    for coid, (st, ans) in answers.items():
        if "retcode" not in ans:
            # Refused (autotrading_disabled, before the journal) or
            # settled as never sent (not_executed): nothing ran.
            assert coid not in ids or ids[coid] not in held, (coid, ans)
            continue
        assert coid in rows, f"answered order {coid} not in the journal"
        state, result = rows[coid]
        assert state == ("done" if st == 200 else "failed"), \
            (coid, state, st, ans)
        assert result_matches(result, ans), (coid, ans)
        executed = ids[coid] in held
        if ans["retcode"] in (10009, 10010):
            assert executed, f"{coid} answered {ans} but holds nothing"
        else:
            assert not executed, f"{coid} answered {ans} but executed"
    return held


def retry_all(b, c, held):
    """Every client_order_id again, twice: each gets its final answer
    again, marked a duplicate, and nothing more is executed."""
    for _ in range(2):
        for coid in c.sent:
            st, ans = c.final[coid]
            again = call(b.d, "POST", "/trade", b.desk.key, c.body(coid),
                         timeout=30)
            assert again[0] == st, (coid, ans, again)
            if "retcode" not in ans:
                assert again[2].get("code") == ans.get("code"), (ans, again)
                continue
            assert again[2]["duplicate"] is True, (coid, ans, again)
            for f in ("order_id", "retcode", "deal"):
                assert again[2].get(f) == ans.get(f), (f, ans, again)
        now = check_exactly_once(b, c)
        assert sorted(now) == sorted(held), "a retry executed something"


def outcomes(c):
    """The retcodes and error codes of the final answers."""
    return {a.get("retcode", a.get("code")) for _, a in c.final.values()}


def run_fault(daemons, workdir, fault, threads=3, per_thread=6):
    b = Bridge(daemons(), request_timeout=3)
    t = Sim(b, workdir, fault, state=workdir / "server.state")
    try:
        c = Clients(b.desk, threads, per_thread)
        c.done()
        settle(b)
        held = check_exactly_once(b, c)
        retry_all(b, c, held)
        return c, held, t.logpath.read_text(errors="replace")
    finally:
        t.stop()
        b.close()


# --- each fault of the simulator, with orders streaming -----------------------

@needs_mt5sim
@pytest.mark.parametrize("fault", [
    "reply_lost=2", "duplicate=2", "disconnect=2", "restart",
    "restart_wipe", "requote=2", "throttle=2", "latency=150",
    "clock_skew=7200"])
def test_fault_with_orders_streaming(daemons, workdir, fault):
    c, held, log = run_fault(daemons, workdir, fault)
    assert held, f"nothing executed under {fault}: {c.final}"
    name = fault.split("=")[0]
    if name not in ("latency", "clock_skew"):
        assert "fault: " in log or "terminal restarted" in log, log
    retcodes = outcomes(c)
    if name == "throttle":
        assert 10024 in retcodes, retcodes
        retcodes.discard(10024)
    assert retcodes <= {10009, "broker_unavailable", "not_executed"}, \
        c.final


@needs_mt5sim
def test_partial_fill_with_orders_streaming(daemons, workdir):
    """Orders of 0.04 lots among the stream: two fill 0.02 (10010)."""
    b = Bridge(daemons(), request_timeout=3)
    t = Sim(b, workdir, "partial=2", state=workdir / "server.state")
    try:
        c = Clients(b.desk, 3, 4, volume=0.04)
        c.done()
        settle(b)
        held = check_exactly_once(b, c)
        half = [a for _, a in c.final.values()
                if a.get("retcode") == 10010]
        assert len(half) == 2 and all(a["filled_volume"] == 0.02
                                      for a in half), c.final
        assert sorted(p["volume"] for p in held.values()) == \
            [0.02, 0.02] + [0.04] * 10
        retry_all(b, c, held)
    finally:
        t.stop()
        b.close()


@needs_mt5sim
def test_market_closed_with_orders_streaming(daemons, workdir):
    c, held, _ = run_fault(daemons, workdir, "market_closed")
    assert held == {}
    assert outcomes(c) == {10018}, c.final


@needs_mt5sim
def test_autotrading_off_with_orders_streaming(daemons, workdir):
    c, held, _ = run_fault(daemons, workdir, "autotrading_off")
    assert held == {}
    assert {a.get("code") or a.get("retcode") for _, a in
            c.final.values()} <= {"autotrading_disabled", 10027}, c.final


# --- SIGKILL of the broker, heraldd and the simulator under load -------------

@needs_mt5sim
@pytest.mark.parametrize("victim", ["broker", "heraldd", "simulator"])
def test_sigkill_under_load_then_reconcile(daemons, workdir, victim):
    """Orders stream from four clients; one of the three dies by SIGKILL
    with orders in flight, comes back (heraldd restarted on its
    database, the simulator on its trade server's state and Files
    folder), and the journal is reconciled with the terminal by QUERY."""
    b = Bridge(daemons(), request_timeout=3)
    state = workdir / "server.state"
    sims = [Sim(b, workdir, state=state)]
    try:
        c = Clients(b.desk, 4, 8)
        wait_for(lambda: c.count() >= 6, "orders answered", 60, 0.05)
        if victim == "simulator":
            sims[0].kill()
            sims.append(Sim(b, workdir, state=state, wait=False))
        else:
            pid = b.d.pids()["broker"] if victim == "broker" else b.d.pid
            os.kill(pid, signal.SIGKILL)
            b.d.expect_exit = None
            b.d.wait_exit()
            start_again(b.d)
        c.done()
        settle(b)
        held = check_exactly_once(b, c)
        assert len(held) >= 6 and outcomes(c) <= {
            10009, "broker_unavailable", "not_executed"}, c.final
        retry_all(b, c, held)
    finally:
        for x in sims:
            x.stop()
        b.close()

"""
A refusal that proves an order never reached the MT5 terminal binds no
client_order_id (herald-api(7), Idempotency): heraldd with the bridge and
herald-mt5sim, whose trade server refuses experts' orders (10026, 503
autotrading_disabled) while --manual says "experts off".  The order was
journaled and sent, and refused without executing: the same
client_order_id, sent again once the server allows experts, is a new
order that executes once, also when several copies come at once and
across a restart of heraldd; what executed stays bound.

Fixtures are test_bridge.py's.
"""
import sqlite3
import threading
import time

from test_bridge import (Bridge, Sim, buy, needs_mt5sim, positions,  # noqa
                         sim, bridge)
from test_http import assert_error
from test_trading import restart


def rows(daemon, coid):
    """(id, client_order_id, state) of the orders rows of coid, the
    released ones among them."""
    db = sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT id, client_order_id, state FROM orders WHERE "
            "client_order_id = ?1 OR client_order_id LIKE 'auto-%-' || ?1 "
            "ORDER BY id", (coid,)).fetchall()
    finally:
        db.close()


def refused(desk, t, coid):
    """The server refuses experts: coid's order is journaled, sent to
    the terminal and answered 503 autotrading_disabled (10026)."""
    assert "experts off" in t.hand("experts off")
    ans = buy(desk, client_order_id=coid)
    assert_error(ans, 503, "autotrading_disabled", "ACCOUNT_TRADE_EXPERT")
    assert [r[2] for r in rows(desk.d, coid)] == ["failed"]
    assert "experts on" in t.hand("experts on")


def at_once(desk, coid, n):
    """n copies of one order at the same time: their answers."""
    out = [None] * n

    def one(i):
        for _ in range(100):        # "repeat it a little later"
            out[i] = buy(desk, client_order_id=coid)
            if out[i][2].get("code") != "order_in_flight":
                return
            time.sleep(0.1)
    th = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for x in th:
        x.start()
    for x in th:
        x.join(60)
    return out


@needs_mt5sim
def test_refused_before_the_terminal_binds_nothing(bridge, sim):
    t = sim(manual=True)
    refused(bridge.desk, t, "nb-1")
    got = at_once(bridge.desk, "nb-1", 4)
    assert all(a[0] == 200 and a[2]["retcode"] == 10009 for a in got), got
    assert len({a[2]["order_id"] for a in got}) == 1, got
    assert sum(a[2]["duplicate"] is False for a in got) == 1, got
    [p] = positions(bridge.desk)
    first, again = rows(bridge.d, "nb-1")
    assert first[1] == f"auto-{first[0]}-nb-1" and first[2] == "failed"
    assert again[1] == "nb-1" and again[2] == "done", again
    assert p["comment"] == f"hd:{again[0]}", p
    # Executed: bound for good, the first answer again.
    st, _, body = buy(bridge.desk, client_order_id="nb-1")
    assert st == 200 and body["duplicate"] is True, body
    assert body["order_id"] == got[0][2]["order_id"], body
    assert len(positions(bridge.desk)) == 1


@needs_mt5sim
def test_refusal_binds_nothing_across_a_restart(daemons, workdir):
    b = Bridge(daemons())
    t = Sim(b, workdir, manual=True)
    try:
        refused(b.desk, t, "nb-2")
        restart(b.d)
        b.wait_up()
        st, _, body = buy(b.desk, client_order_id="nb-2")
        assert st == 200 and body["retcode"] == 10009, body
        assert body["duplicate"] is False, body
        restart(b.d)
        b.wait_up()
        st, _, again = buy(b.desk, client_order_id="nb-2")
        assert st == 200 and again["duplicate"] is True, again
        assert again["order_id"] == body["order_id"], again
        assert len(positions(b.desk)) == 1
        assert [r[2] for r in rows(b.d, "nb-2")] == ["failed", "done"]
    finally:
        t.stop()
        b.close()

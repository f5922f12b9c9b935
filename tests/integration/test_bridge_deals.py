"""
Deals the terminal made while heraldd or the EA was away (issue 10
item 4): an SL hit and a deal by hand in herald-mt5sim (--manual) while
heraldd is stopped reach GET /v1/deals, the events ("sl", "fill") and
the daily-loss ledger (trading.max_daily_loss) once the EA is back,
through the bridge's DEALS request; each exactly once, also across a
restart of heraldd and two reconnections of the EA.

Fixtures are test_bridge.py's.
"""
import sqlite3

from conftest import wait_for
from test_bridge import Bridge, Sim, buy, needs_mt5sim, positions
from test_http import assert_error
from test_trading import restart, start_again

LIMIT = 50.0          # trading.max_daily_loss, USD


def db_rows(daemon, sql, *args):
    db = sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def deals(desk):
    st, _, body = desk.call("GET", "/v1/deals")
    assert st == 200, body
    return body["deals"]


def events(daemon, name):
    """The stored events of name: their data, as JSON text."""
    return [r[0] for r in db_rows(
        daemon, "SELECT data FROM events WHERE name = ?1 ORDER BY id", name)]


def ready_count(daemon):
    return daemon.log().count("bridge: EA ready")


def reconnect(b, t, workdir, state):
    """The EA goes and comes back: the terminal restarts on the same
    trade server (its state and Files folder)."""
    before = ready_count(b.d)
    t.stop()
    t = Sim(b, workdir, manual=True, state=state, wait=False)
    wait_for(lambda: ready_count(b.d) > before, "the EA back")
    b.wait_up()
    return t


def the_same(b, want_deals, sl_deal):
    """Nothing was added: the deals, one "sl" event, one ledger row of
    the SL's deal, and the daily loss still refusing orders."""
    assert deals(b.desk) == want_deals
    assert len([e for e in events(b.d, "sl")
                if f'"deal":{sl_deal}' in e]) == 1
    assert db_rows(b.d, "SELECT count(*) FROM ledger WHERE deal = ?1",
                   sl_deal) == [(1,)]
    assert_error(buy(b.desk, volume=0.01), 403, "risk_refused",
                 "trading.max_daily_loss")


@needs_mt5sim
def test_deals_made_while_heraldd_was_away(daemons, workdir):
    b = Bridge(daemons(), max_daily_loss=LIMIT)
    state = workdir / "server.state"
    t = Sim(b, workdir, manual=True, state=state)
    try:
        st, _, q = b.desk.call("GET", "/v1/symbols/EURUSD")
        assert st == 200, q
        sl = round(q["bid"] - 0.005, 5)
        st, _, o = buy(b.desk, volume=1.0, sl=sl)
        assert st == 200 and o["retcode"] == 10009, o
        [p] = positions(b.desk)
        known = deals(b.desk)
        assert [d["entry"] for d in known] == ["in"], known

        # heraldd stops; the market falls through the SL, and a trader
        # buys by hand: the terminal tells no one.
        assert b.d.stop() == 0, b.d.log()
        low = round(sl - 0.005, 5)
        assert "quote EURUSD" in t.hand(f"quote EURUSD {low} "
                                        f"{round(low + 0.0001, 5)}")
        assert "retcode 10009" in t.hand("deal EURUSD buy 0.1")
        start_again(b.d)
        b.wait_up()

        now = deals(b.desk)
        assert now[:1] == known, now
        new = now[1:]
        [hit] = [d for d in new if d["reason"] == "sl"]
        assert hit["position"] == p["ticket"] and hit["entry"] == "out"
        assert hit["profit"] < -LIMIT, hit
        [by_hand] = [d for d in new if d is not hit]
        assert by_hand["entry"] == "in" and by_hand["magic"] == 0, by_hand
        assert [d["deal"] for d in new] == sorted(d["deal"] for d in new)
        fills = [e for e in events(b.d, "fill")
                 if f'"deal":{by_hand["deal"]}' in e]
        assert len(fills) == 1, fills
        [left] = positions(b.desk)
        assert left["volume"] == 0.1 and left["magic"] == 0, left
        the_same(b, now, hit["deal"])

        # heraldd again, and the EA twice: nothing more.
        restart(b.d)
        b.wait_up()
        the_same(b, now, hit["deal"])
        for _ in range(2):
            t = reconnect(b, t, workdir, state)
            the_same(b, now, hit["deal"])
        assert "refused DEALS" not in b.d.log()
    finally:
        t.stop()
        b.close()


@needs_mt5sim
def test_deals_while_connected_are_not_asked_again(daemons, workdir):
    """Deals reported as they happen (EVENT) and then a new session:
    the session's DEALS starts after them, so none is reported twice."""
    b = Bridge(daemons())
    state = workdir / "server.state"
    t = Sim(b, workdir, manual=True, state=state)
    try:
        st, _, o = buy(b.desk)
        assert st == 200 and o["retcode"] == 10009, o
        assert "retcode 10009" in t.hand("deal EURUSD sell 0.2")
        wait_for(lambda: len(deals(b.desk)) == 2, "the deal by hand")
        known = deals(b.desk)
        for _ in range(2):
            t = reconnect(b, t, workdir, state)
            assert deals(b.desk) == known
        assert len(events(b.d, "fill")) == 2
    finally:
        t.stop()
        b.close()

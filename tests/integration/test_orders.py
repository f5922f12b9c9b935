"""
Orders a trading client can rely on (issue 9): a retry gets the first
answer whatever changed since, and limits hold under concurrent orders.

The daemon, its paper backend and its clients are test_trading.py's.
"""
import re
import threading

import pytest

from test_http import assert_error, make_key
from test_trading import (filled, mt5_conf, order_ok, restart,
                          risk_refused, same_answer, start_trading, symbols,
                          trading_conf)

ORDER = {"symbol": "EURUSD", "side": "BUY", "volume": 0.01}


def lockdown(desk, state):
    r = desk.d.ctl("lockdown", state)
    assert r.returncode == 0, r.stderr


def at_open_positions(desk):
    return ("trading.max_open_positions", 1), dict(ORDER, symbol="EURUSD.FOK")


def at_per_symbol(desk):
    return ("trading.max_positions_per_symbol", 1), ORDER


def at_daily_loss(desk):
    # Closing the first order's position at once loses the spread.
    order_ok(desk.close(desk.positions()[0]["ticket"]), 10009)
    return ("trading.max_daily_loss", 0.01), ORDER


def at_rate(desk):
    return ("trading.orders_per_minute", 1), ORDER


# limit: (trading, EURUSD's settings, reach it, the first order's id)
LIMITS = {
    "max_open_positions": (dict(max_open_positions=1), {},
                           at_open_positions, "first"),
    "max_positions_per_symbol": (dict(max_positions_per_symbol=1), {},
                                 at_per_symbol, "first"),
    # The first order's id derived (trading.duplicate_window).
    "max_daily_loss": (dict(max_daily_loss=0.01), {"spread": 200},
                       at_daily_loss, None),
    "orders_per_minute": (dict(orders_per_minute=1), {}, at_rate, None),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_retry_gets_the_first_answer(daemons, limit):
    """At each limit, in lockdown, after a restart: a retry of a filled
    order is answered from the journal, never refused and never traded;
    another key's order with the same id is that key's own."""
    trading, eurusd, reach, coid = LIMITS[limit]
    desk = start_trading(daemons(),
                         trading_conf(duplicate_window=3600, **trading),
                         mt5_conf(symbols(**eurusd)))
    body = dict(ORDER, client_order_id=coid) if coid else dict(ORDER)
    first = filled(desk.trade(**body))
    (rule, value), new = reach(desk)
    ans = desk.trade(**dict(new, volume=0.02))
    if rule == "trading.orders_per_minute":
        assert_error(ans, 429, "rate_limited", rule)
    else:
        risk_refused(ans, rule, value)
    npos = len(desk.positions())

    same_answer(first, desk.trade(**body))
    lockdown(desk, "on")
    same_answer(first, desk.trade(**body))
    assert_error(desk.trade(**dict(ORDER, volume=0.03)), 503, "lockdown")
    # Another key's same request is a new order of that key: refused.
    other = make_key(desk.d, "other", "trader")
    assert_error(desk.trade(key=other, **body), 503, "lockdown")

    restart(desk.d, desk)
    same_answer(first, desk.trade(**body))
    lockdown(desk, "off")
    same_answer(first, desk.trade(**body))
    assert len(desk.positions()) == npos


def test_in_flight_orders_hold_their_slots(daemons):
    """Fifty orders at once, with distinct ids, against
    max_open_positions 4 and max_positions_per_symbol 3: an order on its
    way to the broker counts as open, so no limit is exceeded."""
    desk = start_trading(daemons(), trading_conf(
        max_open_positions=4, max_positions_per_symbol=3))
    names = ["EURUSD", "EURUSD.FOK"]
    answers = [None] * 50
    go = threading.Barrier(len(answers))

    def send(i):
        go.wait()
        answers[i] = desk.trade(symbol=names[i % 2], side="BUY",
                                volume=0.01, client_order_id=f"burst-{i}")
    threads = [threading.Thread(target=send, args=(i,))
               for i in range(len(answers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [a for a in answers if a[0] == 200]
    for a in answers:
        if a[0] != 200:
            assert a[0] == 403 and a[2]["code"] == "risk_refused", a
            assert re.search(r"trading\.max_(open_positions|positions_"
                             r"per_symbol)", a[2]["error"]), a
    for a in ok:
        filled(a)
    pos = desk.positions()
    per = {n: sum(p["symbol"] == n for p in pos) for n in names}
    assert len(pos) <= 4 and all(v <= 3 for v in per.values()), (pos, per)
    assert len(ok) == len(pos), (len(ok), pos)
    # The slots of answered orders are the positions': still full.
    risk_refused(desk.trade(symbol="EURUSD.MAX", side="BUY", volume=0.01),
                 "trading.max_open_positions", 4)


def burst(desk, n, make):
    """n requests sent at once; make(i) is the i-th one's (args, kw) for
    desk.trade.  The answers, in order."""
    answers = [None] * n
    go = threading.Barrier(n)

    def send(i):
        go.wait()
        answers[i] = desk.trade(**make(i))
    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def refused_by(answers, rule):
    """The answers are fills or 403s naming rule; the fills."""
    ok = [a for a in answers if a[0] == 200]
    for a in answers:
        if a[0] != 200:
            assert a[0] == 403 and a[2]["code"] == "risk_refused", a
            assert rule in a[2]["error"], a
    for a in ok:
        filled(a)
    return ok


def net_lots(desk, name):
    return round(sum(p["volume"] if p["type"] in ("BUY", "buy", 0)
                     else -p["volume"] for p in desk.positions(name)), 8)


@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_max_exposure_holds_under_concurrent_orders(daemons, mode):
    """Fifty 0.1-lot buys at once against max_exposure 1: in flight
    counts, so the net position never passes 1 lot; sells bring it
    back, and are held to the same limit short."""
    desk = start_trading(daemons(), trading_conf(max_exposure=1),
                         mt5_conf(margin_mode=mode))
    ok = refused_by(burst(desk, 50, lambda i: dict(
        symbol="EURUSD", side="BUY", volume=0.1,
        client_order_id=f"exp-{i}")), "trading.max_exposure")
    assert len(ok) == 10, len(ok)
    assert net_lots(desk, "EURUSD") == 1.0
    risk_refused(desk.trade(symbol="EURUSD", side="BUY", volume=0.01),
                 "trading.max_exposure", 1)
    # Another symbol has its own exposure.
    filled(desk.trade(symbol="EURUSD.FOK", side="BUY", volume=1))
    # Selling reduces it, down to 1 lot short and no further.
    ok = refused_by(burst(desk, 30, lambda i: dict(
        symbol="EURUSD", side="SELL", volume=0.1,
        client_order_id=f"exs-{i}")), "trading.max_exposure")
    assert len(ok) == 20, len(ok)
    assert net_lots(desk, "EURUSD") == -1.0
    ans = desk.trade(symbol="EURUSD", side="SELL", volume=0.5)
    risk_refused(ans, "trading.max_exposure", 1)
    assert "short" in ans[2]["error"], ans
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=2))


def test_min_margin_level_holds_under_concurrent_orders(daemons):
    """Fifty 1-lot orders at once against min_margin_level 200 on a
    10000 USD account at 1:100 (about 1100 USD of margin a lot): no
    order takes the margin level below 200%, the in-flight orders'
    margin counted."""
    desk = start_trading(daemons(), trading_conf(min_margin_level=200))
    ok = refused_by(burst(desk, 50, lambda i: dict(
        symbol="EURUSD", side="BUY", volume=1,
        client_order_id=f"ml-{i}")), "trading.min_margin_level")
    acct = desk.account()
    assert acct["margin_level"] >= 200, acct
    assert 1 <= len(ok) <= 4, len(ok)
    ans = desk.trade(symbol="EURUSD", side="BUY", volume=1)
    risk_refused(ans, "trading.min_margin_level", 200)
    assert "margin level would be" in ans[2]["error"], ans
    # A small order still fits.
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01))

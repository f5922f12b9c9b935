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

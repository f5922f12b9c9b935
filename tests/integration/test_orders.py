"""
Orders a trading client can rely on (issue 9): a retry gets the first
answer whatever changed since, and limits hold under concurrent orders.

The daemon, its paper backend and its clients are test_trading.py's.
"""
import re
import threading

import pytest

from test_http import assert_error, make_key
from test_trading import (FAR, filled, mt5_conf, order_ok, position_of,
                          restart, risk_refused, same_answer, start_trading,
                          symbols, trading_conf)

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


def at_exposure(desk):
    return ("trading.max_exposure", "0.01"), ORDER


def at_margin_level(desk):
    # 0.01 lots of EURUSD hold 11 USD of 10000 (90909%); 0.03, 30303%.
    return ("trading.min_margin_level", 50000), ORDER


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
    "max_exposure": (dict(max_exposure=0.01), {}, at_exposure, "first"),
    "min_margin_level": (dict(min_margin_level=50000), {},
                         at_margin_level, None),
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


def test_orders_per_minute_holds_under_concurrent_orders(daemons):
    """Thirty orders at once against orders_per_minute 5: an order on
    its way counts against the key's rate, so five fill and the rest are
    429 with a Retry-After, as a bot can wait for."""
    desk = start_trading(daemons(), trading_conf(orders_per_minute=5))
    answers = burst(desk, 30, lambda i: dict(
        ORDER, client_order_id=f"rate-{i}"))
    ok = [a for a in answers if a[0] == 200]
    for a in answers:
        if a[0] != 200:
            assert_error(a, 429, "rate_limited",
                         r"trading\.orders_per_minute")
            assert int(a[1]["retry-after"]) >= 1, a
    for a in ok:
        filled(a)
    assert len(ok) == 5, len(ok)
    assert len(desk.positions()) == 5


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


def scope_refused(ans, ticket):
    assert_error(ans, 403, "risk_refused", r"trading\.positions_scope")
    assert str(ticket) in ans[2]["error"], ans


def one_order(desk, key, path):
    return desk.call("GET", path, None, key)


def test_positions_scope_two_traders_and_an_admin(daemons):
    """Under positions_scope key (the default) a trader key closes,
    modifies and cancels only what its own orders opened, and sees only
    its own orders; an admin key acts on and sees everything; the
    owners outlive a restart."""
    desk = start_trading(daemons(), trading_conf())
    a, d = desk.key, desk.d
    b = make_key(d, "trader-b", "trader")
    boss = make_key(d, "boss", "admin")
    fa = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.1,
                           client_order_id="a-1"))
    fb = filled(desk.trade(key=b, symbol="EURUSD", side="SELL", volume=0.1,
                           client_order_id="b-1"))
    pa, pb = position_of(fa), position_of(fb)
    ans, _ = desk.pending("BUY", FAR)
    oa = order_ok(ans, 10008)["order_id"]

    def refused_for_b():
        scope_refused(desk.close(pa, key=b), pa)
        scope_refused(desk.modify(pa, key=b, sl=0.5), pa)
        scope_refused(desk.cancel(oa, key=b), oa)
        # A ticket that is not open is the broker's to refuse.
        order_ok(desk.close(987654, key=b), 10036)
        assert desk.position(pa) is not None and desk.order(oa) is not None

    refused_for_b()
    # One order: its owner and an admin see it, the other key does not.
    for key in (a, boss):
        st, _, o = one_order(desk, key, f"/v1/orders/{pa}")
        assert st == 200, o
        assert o["state"] == "done" and o["client_order_id"] == "a-1", o
        assert o["ticket"] == pa and o["http_status"] == 200, o
        assert o["answer"]["retcode"] == 10009, o
        assert o["answer"]["order_id"] == fa["order_id"], o
        st, _, o = one_order(desk, key, "/v1/orders?client_order_id=a-1")
        assert st == 200 and o["command_id"] > 0, o
        assert o["answer"]["position"] == fa["position"], o
    assert_error(one_order(desk, b, f"/v1/orders/{pa}"), 404, "not_found")
    assert_error(one_order(desk, b, "/v1/orders?client_order_id=a-1"), 404,
                 "not_found")
    st, _, o = one_order(desk, b, "/v1/orders?client_order_id=b-1")
    assert st == 200 and o["answer"]["order_id"] == fb["order_id"], o
    assert_error(one_order(desk, a, "/v1/orders/987654"), 404, "not_found")

    restart(d, desk)
    refused_for_b()
    st, _, o = one_order(desk, a, f"/v1/orders/{oa}")
    assert st == 200 and o["answer"]["retcode"] == 10008, o
    # The owner and an admin act.
    order_ok(desk.modify(pa, sl=0.5), 10009)
    order_ok(desk.close(pb, key=boss), 10009)
    order_ok(desk.cancel(oa, key=boss), 10009)
    order_ok(desk.close(pa), 10009)
    assert desk.positions() == [] and desk.orders() == []


def test_positions_scope_all(daemons):
    """With positions_scope all, any trader key acts on every ticket and
    sees every order."""
    desk = start_trading(daemons(), trading_conf(positions_scope="all"))
    b = make_key(desk.d, "trader-b", "trader")
    fa = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.1,
                           client_order_id="a-1"))
    st, _, o = one_order(desk, b, "/v1/orders?client_order_id=a-1")
    assert st == 200 and o["answer"]["order_id"] == fa["order_id"], o
    order_ok(desk.close(position_of(fa), key=b), 10009)


BAD_LOOKUPS = [
    ("client_order_id=", "client_order_id"),
    ("client_order_id=auto-1", "auto-"),
    ("client_order_id=%zz", "client_order_id"),
    ("client_order_id=%4", "client_order_id"),
    ("client_order_id=" + "x" * 65, "client_order_id"),
    ("client_order_id=a&client_order_id=b", "duplicate"),
    ("symbol=EURUSD", "unknown query parameter"),
]


def test_order_lookup_percent_encoded(daemons):
    """A client_order_id with characters a query must escape is found
    percent-encoded; an order in the journal is shown with its state."""
    desk = start_trading(daemons(), trading_conf())
    f = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                          client_order_id="a&b=c%d"))
    st, _, o = one_order(desk, desk.key,
                         "/v1/orders?client_order_id=a%26b%3Dc%25d")
    assert st == 200 and o["client_order_id"] == "a&b=c%d", o
    assert o["answer"]["order_id"] == f["order_id"], o
    for query, why in BAD_LOOKUPS:
        assert_error(one_order(desk, desk.key, "/v1/orders?" + query), 400,
                     "bad_request", why)
    # Refused orders leave no row: 404.
    assert_error(one_order(desk, desk.key, "/v1/orders?client_order_id=zz"),
                 404, "not_found")

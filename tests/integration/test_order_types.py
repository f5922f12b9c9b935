"""MT5's order model on POST /trade and POST /v1/orders/{ticket}/modify
(issue 9 item 3), on the real daemon with the paper backend: each type
and expiration executed, a market order's price and deviation (10004
beyond it), the modification that keeps the ticket, side in any case.

Triggers wait for the seeded walk (up to 3 points a tick, a tick every
20 ms) to cross a price 2 points away, as test_trading's limit order
does; the engine's arithmetic of each case is tests/broker/
test_paper_orders.c's.
"""

import datetime

from conftest import wait_for
from test_trading import (FAR, filled, mt5_conf, near, order_ok,
                          start_trading, symbol, symbols, trading_conf)


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def order_desk(daemons):
    syms = symbols() + [symbol("EURUSD.INS", exec_mode="instant")]
    allowed = ["EURUSD", "EURUSD.INS"]
    return start_trading(daemons(), trading_conf(allowed_symbols=allowed),
                         mt5_conf(syms))


def place(desk, side, type_, offset, name="EURUSD", **extra):
    """A pending order offset points from the price it triggers against
    (a stop above the ask for a buy, below the bid for a sell), tried
    again if the walk moved it to the wrong side (10015)."""
    for _ in range(10):
        bid, ask, point, digits = desk.quote(name)
        sign = 1 if side.upper() == "BUY" else -1
        ref = ask if side.upper() == "BUY" else bid
        price = round(ref + sign * offset * point, digits)
        body = dict(symbol=name, side=side, volume=0.1, type=type_,
                    price=price, **extra)
        if type_ == "stop_limit":
            body["stop_limit"] = price
        ans = desk.trade(**body)
        if ans[2].get("retcode") != 10015:
            return ans, price
    return ans, price


def becomes_position(desk, ticket):
    def gone():
        if desk.order(ticket) is not None:
            return None
        return desk.position(ticket) or "no position"
    return wait_for(gone, f"order {ticket} to trigger", 20, 0.1)


def test_stop_and_stop_limit_trigger(daemons):
    desk = order_desk(daemons)
    ans, price = place(desk, "buy", "stop", 2)
    b = order_ok(ans, 10008, "placed")
    t = b["order_id"]
    # Two points away, the walk may trigger it before it is read back;
    # its type is checked, far from the price, below.
    o = desk.order(t)
    assert o is None or o["type"] == "BUY_STOP", o
    p = becomes_position(desk, t)
    assert isinstance(p, dict) and p["type"] == "BUY", p
    # A buy stop fills at the market once the ask reached its price.
    assert p["price_open"] >= price - 1e-9, (p, price)

    ans, price = place(desk, "SELL", "stop_limit", 2)
    t = order_ok(ans, 10008, "placed")["order_id"]
    o = desk.order(t)
    if o is not None:
        assert o["type"] in ("SELL_STOP_LIMIT", "SELL_LIMIT"), o
    # The stop places a sell limit at stop_limit, which then fills at
    # that price or better: a position with the order's ticket.
    p = becomes_position(desk, t)
    assert isinstance(p, dict) and p["type"] == "SELL", p
    assert p["price_open"] >= price - 1e-9, (p, price)


def test_stop_limit_shape(daemons):
    desk = order_desk(daemons)
    bid, ask, point, digits = desk.quote()
    stop = round(ask + FAR * point, digits)
    b = order_ok(desk.trade(symbol="EURUSD", side="BUY", volume=0.1,
                            type="stop_limit", price=stop,
                            stop_limit=round(stop - 20 * point, digits)),
                 10008, "placed")
    o = desk.order(b["order_id"])
    assert o["type"] == "BUY_STOP_LIMIT" and near(o["price"], stop), o
    assert near(o["stop_limit"], stop - 20 * point, 1e-9), o
    assert o["expiration"] == "gtc" and o["expires_at"] is None, o
    # A plain stop, far from the price: resting, as a stop.
    ans, _ = place(desk, "BUY", "stop", FAR)
    o = desk.order(order_ok(ans, 10008, "placed")["order_id"])
    assert o["type"] == "BUY_STOP", o
    # A buy's limit above its stop price: 10015.
    order_ok(desk.trade(symbol="EURUSD", side="BUY", volume=0.1,
                        type="stop_limit", price=stop,
                        stop_limit=round(stop + 20 * point, digits)),
             10015, "rejected")


def test_expirations(daemons):
    desk = order_desk(daemons)
    # day: till 24:00 UTC, shown as such.
    ans, _ = place(desk, "BUY", "limit", -FAR, expiration="day")
    o = desk.order(order_ok(ans, 10008)["order_id"])
    today = datetime.datetime.now(datetime.timezone.utc).date()
    midnight = (today + datetime.timedelta(days=1)).isoformat()
    assert o["expiration"] == "day", o
    assert o["expires_at"] == f"{midnight}T00:00:00.000Z", o
    # A time already past: 10022, nothing placed.
    ans, _ = place(desk, "BUY", "limit", -FAR, expiration=rfc3339(-10))
    order_ok(ans, 10022, "rejected")
    # A specified time: the order is removed when it comes.
    ans, _ = place(desk, "SELL", "stop", FAR, expiration=rfc3339(3))
    t = order_ok(ans, 10008)["order_id"]
    o = desk.order(t)
    assert o is None or o["expiration"] == "specified", o
    wait_for(lambda: desk.order(t) is None, "the order to expire", 20, 0.1)
    assert desk.position(t) is None


def test_day_ends_at_the_session_end_and_modes_are_checked(daemons):
    """A symbol whose trading day ends seconds from now: a "day"
    order expires at that session_end (shown as its expires_at), not at
    24:00 UTC.  A symbol that allows only gtc answers 10022 (422
    order_rejected) to a day or timed order, also to a modify asking for
    one, as MT5 does for an expiration SYMBOL_EXPIRATION_MODE lacks."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0)
    # Room for a slow start: the order must be placed before the end.
    end = now + datetime.timedelta(seconds=12)
    syms = symbols() + [
        symbol("EURUSD.EOD", session_end=end.strftime("%H:%M:%S")),
        symbol("EURUSD.GTC", expiration=["gtc"]),
    ]
    desk = start_trading(daemons(), trading_conf(
        allowed_symbols=["EURUSD.EOD", "EURUSD.GTC"]), mt5_conf(syms))
    ans, _ = place(desk, "BUY", "limit", -FAR, name="EURUSD.EOD",
                   expiration="day")
    t = order_ok(ans, 10008)["order_id"]
    o = desk.order(t)
    assert o["expiration"] == "day", o
    assert o["expires_at"] == end.strftime("%Y-%m-%dT%H:%M:%S.000Z"), o
    wait_for(lambda: desk.order(t) is None, "the day to end", 30, 0.1)

    for exp in ("day", rfc3339(600)):
        ans, _ = place(desk, "BUY", "limit", -FAR, name="EURUSD.GTC",
                       expiration=exp)
        b = order_ok(ans, 10022, "rejected")
        assert ans[2]["code"] == "order_rejected", ans
        assert "expiration" in b["message"].lower(), b
    ans, price = place(desk, "BUY", "limit", -FAR, name="EURUSD.GTC")
    t = order_ok(ans, 10008)["order_id"]
    b = order_ok(desk.call("POST", f"/v1/orders/{t}/modify",
                           {"expiration": "day"}), 10022, "rejected")
    o = desk.order(t)
    assert o["expiration"] == "gtc" and near(o["price"], price), o


def test_modify_keeps_the_ticket(daemons):
    desk = order_desk(daemons)
    ans, price = place(desk, "BUY", "limit", -FAR)
    t = order_ok(ans, 10008)["order_id"]
    bid, ask, point, digits = desk.quote()
    new = round(price - 10 * point, digits)
    sl = round(new - 100 * point, digits)
    until = rfc3339(3600)
    b = order_ok(desk.call("POST", f"/v1/orders/{t}/modify",
                           {"price": new, "sl": sl, "expiration": until}),
                 10009, "filled")
    assert b["order_id"] == t, b
    [o] = desk.orders()
    assert o["ticket"] == t and near(o["price"], new), o
    assert near(o["sl"], sl) and o["tp"] == 0, o
    assert o["expiration"] == "specified", o
    assert o["expires_at"].startswith(until[:19]), (o, until)
    # Only the TP: the rest stays.
    tp = round(new + 100 * point, digits)
    order_ok(desk.call("POST", f"/v1/orders/{t}/modify", {"tp": tp}), 10009)
    [o] = desk.orders()
    assert o["ticket"] == t and near(o["price"], new) and \
        near(o["sl"], sl) and near(o["tp"], tp), o
    assert o["expiration"] == "specified", o
    order_ok(desk.call("POST", f"/v1/orders/{t}/modify",
                       {"expiration": "GTC"}), 10009)
    assert desk.orders()[0]["expires_at"] is None
    # Refusals: the same values (another body: the same one again would
    # be a retry, answered from the journal), a stop_limit on a limit, no
    # such order, nothing to change.
    order_ok(desk.call("POST", f"/v1/orders/{t}/modify",
                       {"tp": tp, "sl": sl}), 10025, "rejected")
    order_ok(desk.call("POST", f"/v1/orders/{t}/modify",
                       {"stop_limit": new}), 10015, "rejected")
    order_ok(desk.call("POST", "/v1/orders/99999/modify", {"tp": tp}),
             10013, "rejected")
    st, _, b = desk.call("POST", f"/v1/orders/{t}/modify", {})
    assert st == 400 and "at least one of the fields" in b["error"], b
    assert [o["ticket"] for o in desk.orders()] == [t]


def test_market_price_and_deviation(daemons):
    desk = order_desk(daemons)
    # Instant execution: a price 50 points off is requoted with the
    # default deviation of 10, filled with a deviation of 100.
    bid, ask, point, digits = desk.quote("EURUSD.INS")
    off = round(ask - 50 * point, digits)
    b = order_ok(desk.trade(symbol="EURUSD.INS", side="BUY", volume=0.1,
                            price=off), 10004, "rejected")
    assert b["filled_volume"] == 0 and desk.positions() == [], b
    b = filled(desk.trade(symbol="EURUSD.INS", side="BUY", volume=0.1,
                          price=off, deviation=100))
    assert abs(b["fill_price"] - off) <= 100 * point + 1e-9, b
    # Market execution takes the market price whatever was asked, and
    # a price is no longer a limit order.
    b = filled(desk.trade(symbol="EURUSD", side="sell", volume=0.1,
                          price=round(bid + FAR * point, digits)))
    assert desk.orders() == [], desk.orders()
    assert desk.position(b["order_id"])["type"] == "SELL"

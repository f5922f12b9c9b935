"""
The bridge's events (issue 10 item 4) with herald-mt5sim, the EA's own
source on the shim: the deals the terminal reports from
OnTradeTransaction reach GET /v1/events and GET /v1/deals as the paper
backend's do; an order while AutoTrading is off is answered 503
autotrading_disabled, saying what to switch on, and is not journaled.

Fixtures are test_bridge.py's, the SSE client test_events.py's.
"""
import time

from conftest import wait_for
from test_bridge import (Bridge, Sim, buy, journal_rows,  # noqa
                         needs_mt5sim, positions, sim, bridge)
from test_events import Stream, named
from test_http import assert_error
from test_trading import restart


@needs_mt5sim
def test_fills_and_deals_from_the_terminal(bridge, sim):
    sim()
    s = Stream(bridge.d, bridge.desk.key)
    st, _, b = buy(bridge.desk, client_order_id="ea-1")
    assert st == 200 and b["retcode"] == 10009, b
    got = s.until(named("fill", entry="in"), "the opening fill")
    fill = got[-1]["data"]
    assert fill["order"] == b["order_id"] and fill["volume"] == 0.1, fill
    assert fill["symbol"] == "EURUSD" and fill["position"] > 0, fill
    ticket = positions(bridge.desk)[0]["ticket"]
    st, _, c = bridge.desk.close(ticket)
    assert st == 200 and c["retcode"] == 10009, c
    out = s.until(named("fill", entry="out"), "the closing fill")[-1]
    assert out["data"]["position"] == fill["position"], out
    s.close()
    deals = bridge.desk.call("GET", "/v1/deals")[2]["deals"]
    assert [d["deal"] for d in deals] == [fill["deal"],
                                          out["data"]["deal"]], deals
    assert [d["entry"] for d in deals] == ["in", "out"]


@needs_mt5sim
def test_autotrading_off(bridge, sim):
    sim("autotrading_off")

    def refused():
        ans = buy(bridge.desk, client_order_id="at-1")
        assert ans[0] == 503, ans
        return ans[2]["code"] == "autotrading_disabled"
    wait_for(refused, "503 autotrading_disabled")
    ans = buy(bridge.desk, client_order_id="at-2")
    assert_error(ans, 503, "autotrading_disabled", "Algo Trading")
    assert "TERMINAL_TRADE_ALLOWED" in ans[2]["error"]
    # Refused before the journal: nothing to repeat, nothing executed.
    assert all(r[1] != "done" for r in journal_rows(bridge.d))
    assert positions(bridge.desk) == []


# --- positions and pending orders from the terminal --------------------------
#
# The EA's EVENT kind=order/position (and every deal) makes the broker
# read the terminal's lists again and report the difference, so the
# "position" and "pending" events, and the monitor's risk counts, follow
# the terminal as they follow the paper engine, also for changes made
# by hand there (herald-mt5sim --manual).

def quote(desk):
    st, _, q = desk.call("GET", "/v1/symbols/EURUSD")
    assert st == 200, q
    return q


@needs_mt5sim
def test_position_events_from_the_terminal(bridge, sim):
    """An order's position, then an SL/TP change and a close made by hand
    in the terminal: "position" events with paper's fields and states."""
    t = sim(manual=True)
    s = Stream(bridge.desk.d, bridge.desk.key)
    st, _, b = buy(bridge.desk, client_order_id="pos-1")
    assert st == 200 and b["retcode"] == 10009, b
    got = s.until(named("order", client_order_id="pos-1"), "the answer")
    [opened] = [e["data"] for e in got if e["event"] == "position"]
    assert opened["state"] == "open" and opened["volume"] == 0.1, opened
    assert opened["symbol"] == "EURUSD" and opened["type"] == "BUY", opened
    assert opened["comment"].startswith("hd:") and opened["magic"] > 0
    assert set(opened) == {"state", "ticket", "symbol", "type", "volume",
                           "price_open", "sl", "tp", "time", "magic",
                           "comment"}, opened
    ticket = opened["ticket"]
    q = quote(bridge.desk)
    sl, tp = round(q["bid"] - 0.02, 5), round(q["ask"] + 0.02, 5)
    assert "retcode 10009" in t.hand(f"sltp {ticket} {sl} {tp}")
    moved = s.until(named("position", ticket=ticket, state="open"),
                    "the SL/TP set by hand")[-1]["data"]
    assert moved["sl"] == sl and moved["tp"] == tp, moved
    assert "retcode 10009" in t.hand(f"close {ticket}")
    got = s.until(named("position", ticket=ticket, state="closed"),
                  "the close made by hand")
    out = [e["data"] for e in got if e["event"] == "fill"]
    assert out and out[-1]["entry"] == "out", got
    s.close()
    assert positions(bridge.desk) == []


@needs_mt5sim
def test_pending_events_from_the_terminal(bridge, sim):
    """A pending order placed, moved and cancelled by hand in the
    terminal: "pending" events placed, placed (the new price), removed."""
    t = sim(manual=True)
    s = Stream(bridge.desk.d, bridge.desk.key)
    price = round(quote(bridge.desk)["bid"] - 0.01, 5)
    assert "retcode 10008" in t.hand(f"place EURUSD 2 0.2 {price}")
    placed = s.until(named("pending", state="placed"),
                     "the order placed by hand")[-1]["data"]
    assert placed["type"] == "BUY_LIMIT" and placed["volume"] == 0.2
    assert placed["price"] == price and placed["magic"] == 0, placed
    assert set(placed) == {"state", "ticket", "symbol", "type", "volume",
                           "price", "sl", "tp", "time_setup", "magic",
                           "comment"}, placed
    ticket = placed["ticket"]
    lower = round(price - 0.001, 5)
    assert "retcode 10009" in t.hand(f"modify {ticket} {lower} 0 0")
    moved = s.until(named("pending", ticket=ticket, price=lower),
                    "the order moved by hand")[-1]["data"]
    assert moved["state"] == "placed", moved
    assert "retcode 10009" in t.hand(f"cancel {ticket}")
    s.until(named("pending", ticket=ticket, state="removed"),
            "the order cancelled by hand")
    s.close()
    st, _, body = bridge.desk.call("GET", "/v1/orders")
    assert st == 200 and body["orders"] == [], body


@needs_mt5sim
def test_sl_hit_and_expiry_in_the_terminal(bridge, sim):
    """The market reaches a position's SL ("sl", then the position
    closed); a pending order's expiration passes ("expired")."""
    t = sim(manual=True)
    s = Stream(bridge.desk.d, bridge.desk.key)
    q = quote(bridge.desk)
    st, _, b = buy(bridge.desk, sl=round(q["bid"] - 0.005, 5))
    assert st == 200 and b["retcode"] == 10009, b
    ticket = positions(bridge.desk)[0]["ticket"]
    low = round(q["bid"] - 0.01, 5)
    t.hand(f"quote EURUSD {low} {round(low + 0.0001, 5)}")
    hit = s.until(named("sl"), "the SL hit")[-1]["data"]
    assert hit["position"] == ticket and hit["entry"] == "out", hit
    s.until(named("position", ticket=ticket, state="closed"),
            "the position the SL closed")
    far = round(low - 0.01, 5)
    exp = int(time.time()) + 2
    assert "retcode 10008" in t.hand(f"place EURUSD 2 0.1 {far} {exp}")
    order = s.until(named("pending", state="placed"),
                    "the order")[-1]["data"]["ticket"]
    gone = s.until(named("expired", ticket=order, state="expired"),
                   "the order removed at its expiration")
    assert not [e for e in gone if e["event"] == "pending" and
                e["data"]["ticket"] == order and
                e["data"]["state"] == "removed"], gone
    s.close()
    bridge.d.wait_log(f"bridge: order {order} expired")


@needs_mt5sim
def test_terminal_positions_count_against_the_limits(daemons, workdir):
    """trading.max_open_positions counts the terminal's positions, made
    by heraldd or by hand; one closed by hand while heraldd was down does
    not count after the restart (the lists are read again on every
    connection, the stored records are not trusted)."""
    b = Bridge(daemons(), max_open_positions=1)
    t = Sim(b, workdir, manual=True)
    try:
        st, _, body = buy(b.desk)
        assert st == 200 and body["retcode"] == 10009, body
        assert_error(buy(b.desk), 403, "risk_refused",
                     "trading.max_open_positions")
        [p] = positions(b.desk)
        assert "retcode 10009" in t.hand(f"close {p['ticket']}")
        wait_for(lambda: buy(b.desk)[0] == 200,
                 "the slot the close by hand freed")
        # Stale: closed by hand while heraldd is down.
        [p] = positions(b.desk)
        restart(b.d)
        assert "retcode 10009" in t.hand(f"close {p['ticket']}")
        b.wait_up()
        st, _, body = buy(b.desk)
        assert st == 200 and body["retcode"] == 10009, body
        # Opened by hand: counts too.
        assert "retcode 10009" in t.hand("deal EURUSD buy 0.1")
        wait_for(lambda: buy(b.desk)[0] == 403,
                 "the position opened by hand to count")
    finally:
        t.stop()
        b.close()

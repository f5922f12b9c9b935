"""
The bridge's events (issue 10 item 4) with herald-mt5sim, the EA's own
source on the shim: the deals the terminal reports from
OnTradeTransaction reach GET /v1/events and GET /v1/deals as the paper
backend's do; an order while AutoTrading is off is answered 503
autotrading_disabled, saying what to switch on, and is not journaled.

Fixtures are test_bridge.py's, the SSE client test_events.py's.
"""
from conftest import wait_for
from test_bridge import (Bridge, buy, journal_rows, needs_mt5sim,  # noqa
                         positions, sim, bridge)
from test_events import Stream, named
from test_http import assert_error


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

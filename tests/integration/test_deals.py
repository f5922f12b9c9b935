"""
GET /v1/deals?from=&to=&symbol=&cursor=&limit= (issue 9 item 8): the
deal history, from the monitor's own record of the deals (so it outlives
a restart and answers while the broker is down), in pages ordered by
time and deal ticket, followed with an opaque next_cursor.

The daemon, its paper backend and the trading helpers are
test_trading.py's.
"""
import time

import pytest

from test_http import assert_error
from test_trading import filled, restart, start_trading


@pytest.fixture
def desk(daemons):
    return start_trading(daemons())


def deals(desk, query=""):
    st, _, b = desk.call("GET", "/v1/deals" + query)
    assert st == 200, (st, b)
    assert set(b) == {"deals", "next_cursor"}, b
    return b


def all_pages(desk, query="", limit=2):
    got, pages, cursor = [], 0, None
    while True:
        q = f"?limit={limit}" + (f"&{query}" if query else "")
        if cursor:
            q += f"&cursor={cursor}"
        b = deals(desk, q)
        assert len(b["deals"]) <= limit
        got += b["deals"]
        pages += 1
        cursor = b["next_cursor"]
        if cursor is None:
            return got, pages
        assert pages < 100


def trade_some(desk):
    for i in range(5):
        filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                          client_order_id=f"d-{i}"))
    for i in range(2):
        filled(desk.trade(symbol="EURUSD.FOK", side="SELL", volume=0.02,
                          client_order_id=f"g-{i}"))


def test_pages_filters_and_restart(desk):
    assert deals(desk) == {"deals": [], "next_cursor": None}
    trade_some(desk)
    got, pages = all_pages(desk)
    assert len(got) == 7 and pages == 4, got
    keys = [(d["time"], d["deal"]) for d in got]
    assert keys == sorted(keys) and len(set(keys)) == 7
    d = got[0]
    assert d["symbol"] == "EURUSD" and d["type"] == "BUY"
    assert d["entry"] == "in" and d["reason"] in ("client", "expert")
    assert d["volume"] == 0.01 and d["price"] > 0
    # The default page holds them all.
    assert deals(desk)["deals"] == got

    gbp, _ = all_pages(desk, "symbol=EURUSD.FOK")
    assert [d["deal"] for d in gbp] == [d["deal"] for d in got[5:]]
    assert all(d["symbol"] == "EURUSD.FOK" and d["volume"] == 0.02
               for d in gbp)

    # from is inclusive, to exclusive; RFC 3339 or epoch seconds.
    third = got[2]["time"]
    since, _ = all_pages(desk, f"from={third}")
    assert since == got[2:]
    before, _ = all_pages(desk, f"to={third}")
    assert before == got[:2]
    late = deals(desk, f"?from={int(time.time()) + 3600}")
    assert late["deals"] == []
    early = deals(desk, "?from=86400&to=2026-12-31T23:59:59.999+02:00")
    assert len(early["deals"]) <= 7

    # A deal added between two pages does not shift them.
    b = deals(desk, "?limit=3")
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.01))
    rest, _ = all_pages(desk, "", limit=3)
    nxt = deals(desk, f"?limit=10&cursor={b['next_cursor']}")["deals"]
    assert b["deals"] + nxt == rest and len(rest) == 8

    restart(desk.d, desk)
    again, _ = all_pages(desk, "", limit=3)
    assert again == rest


def test_bad_queries(desk):
    for q, name in [("?from=yesterday", "'from'"),
                    ("?to=2026-02-30T00:00:00Z", "'to'"),
                    ("?from=2026-12-03T12:00:00", "'from'"),
                    ("?from=0", "'from'"),
                    ("?cursor=abc", "'cursor'"),
                    ("?cursor=" + "0" * 32, "'cursor'"),
                    ("?limit=0", "'limit'"),
                    ("?limit=1001", "'limit'"),
                    ("?symbol=eur/usd", "symbol"),
                    ("?page=2", "unknown query parameter 'page'"),
                    ("?limit=1&limit=2", "duplicate query parameter 'limit'"),
                    ("?from=2000&to=1000", "'from' must be before 'to'"),
                    ("?from", "needs a value")]:
        assert_error(desk.call("GET", "/v1/deals" + q), 400, "bad_request",
                     name)

"""
A symbol's trade session over the MT5 bridge (herald-bridge(7), SYMBOL's
session_open; herald-api(7), GET /v1/symbols): the EA reports whether
one of today's trade sessions (SymbolInfoSessionTrade) holds the trade
server's time, so a symbol in FULL trade mode whose session is closed
(nights, weekends) says "session_open": false.  herald-mt5sim's market
closes and opens again by hand (--manual "market closed|open").

Fixtures are test_bridge.py's.
"""
from test_bridge import needs_mt5sim, sim, bridge  # noqa
from test_bridge_events import quote as symbol


@needs_mt5sim
def test_session_closed_and_reopened(bridge, sim):
    t = sim(manual=True)
    q = symbol(bridge.desk)
    assert (q["trade_mode"], q["session_open"]) == ("FULL", True), q
    assert "market closed" in t.hand("market closed")
    q = symbol(bridge.desk)
    assert (q["trade_mode"], q["session_open"]) == ("FULL", False), q
    assert "market open" in t.hand("market open")
    assert symbol(bridge.desk)["session_open"] is True


@needs_mt5sim
def test_session_closed_from_the_start(bridge, sim):
    sim("market_closed")
    q = symbol(bridge.desk)
    assert (q["trade_mode"], q["session_open"]) == ("FULL", False), q


def test_ea_without_session_open(bridge):
    """An EA from before session_open (bridge_peer.py sends no such
    key): its SYMBOL still decodes, the session open by the trade mode."""
    bridge.ea()
    q = symbol(bridge.desk)
    assert (q["trade_mode"], q["session_open"]) == ("FULL", True), q

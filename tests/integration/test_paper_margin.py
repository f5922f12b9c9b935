"""The paper account computes like MT5 (issue 9 item 4), on the real
daemon over HTTPS: hedged margin by the symbol's margin_hedged, each
calc mode against hand-computed figures, and volumes the symbol does not
take answered with MT5's 10014.

The prices stand still: spread 0 and a tick interval of a minute, so
that bid = ask = start_bid for the whole test and every figure is exact.
"""

import pytest

from test_trading import (filled, mt5_conf, order_ok, start_trading,
                          symbol, trading_conf)

STILL = 60000           # ms: the walk's first step is after the test


def still(name, start_bid, **kw):
    return symbol(name, start_bid, spread=0, **kw)


def money_desk(daemons, margin_mode="hedging"):
    syms = [
        still("EURUSD", 1.1),
        still("EURUSD.H", 1.1, margin_hedged=50000),
        still("EURUSD.NL", 1.1, calc_mode="forex_no_leverage",
              margin_rate=0.02),
        still("XAUUSD", 2000, currency_base="XAU", digits=2,
              contract_size=100, calc_mode="cfd", margin_rate=0.05),
        still("XAUUSD.L", 2000, currency_base="XAU", digits=2,
              contract_size=100, calc_mode="cfd_leverage"),
        still("US500", 5000, currency_base="USD", digits=2,
              contract_size=1, calc_mode="cfd_index", margin_rate=0.1,
              tick_size=0.25, tick_value=0.5),
        still("ES", 5000, currency_base="USD", digits=2, contract_size=50,
              calc_mode="futures", margin_initial=500, tick_size=0.25,
              tick_value=12.5),
        still("USDJPY", 150, currency_base="USD", currency_profit="JPY",
              digits=3),
    ]
    allowed = [s["name"] for s in syms]
    return start_trading(
        daemons(), trading_conf(allowed_symbols=allowed, max_volume=1000),
        mt5_conf(syms, tick_interval=STILL, margin_mode=margin_mode,
                 balance=1000000))


def margin(desk):
    return desk.account()["margin"]


def test_margin_calc_modes(daemons):
    """Each mode's margin of one order, as MT5's formulas give it at
    leverage 100, in the account's dollars."""
    desk = money_desk(daemons)
    cases = [
        # forex: 1 * 100000 / 100 EUR, at 1.1 dollars
        ("EURUSD", "BUY", 1, 1100.00),
        # forex_no_leverage: 1 * 100000 * 0.02 EUR, at 1.1
        ("EURUSD.NL", "BUY", 1, 2200.00),
        # cfd: 0.1 * 100 * 2000 * 0.05 (no leverage)
        ("XAUUSD", "SELL", 0.1, 1000.00),
        # cfd_leverage: 0.1 * 100 * 2000 / 100
        ("XAUUSD.L", "BUY", 0.1, 200.00),
        # cfd_index: 1 * 1 * 5000 * 0.5 / 0.25 * 0.1
        ("US500", "BUY", 1, 1000.00),
        # futures: 2 * 500
        ("ES", "BUY", 2, 1000.00),
        # forex with the account's currency as its base: no conversion
        ("USDJPY", "SELL", 1, 1000.00),
    ]
    total = 0
    for sym, side, vol, want in cases:
        b = filled(desk.trade(symbol=sym, side=side, volume=vol))
        total += want
        assert margin(desk) == pytest.approx(total, abs=0.005), \
            (sym, want, desk.account())
        [p] = [p for p in desk.positions() if p["ticket"] == b["order_id"]]
        assert p["margin"] == pytest.approx(want, abs=0.005), p


def test_hedged_margin(daemons):
    """BUY 1 + SELL 1 count once (margin_hedged = the contract size);
    half with margin_hedged 50000; the uncovered excess in full."""
    desk = money_desk(daemons)
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=1))
    assert margin(desk) == pytest.approx(1100, abs=0.005)
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=1))
    assert margin(desk) == pytest.approx(1100, abs=0.005)
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.5))
    assert margin(desk) == pytest.approx(1100 + 550, abs=0.005)

    filled(desk.trade(symbol="EURUSD.H", side="BUY", volume=1))
    filled(desk.trade(symbol="EURUSD.H", side="SELL", volume=1))
    assert margin(desk) == pytest.approx(1650 + 550, abs=0.005)


def test_netting_margin(daemons):
    """Netting: one position per symbol, its net volume's margin."""
    desk = money_desk(daemons, "netting")
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=2))
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.5))
    assert margin(desk) == pytest.approx(1650, abs=0.005)


def test_volume_format_is_10014(daemons):
    """Off the step, below volume_min, above volume_max: MT5's 10014
    invalid volume (HTTP 422), not a risk refusal; nothing opens."""
    desk = money_desk(daemons)
    for v in (0.015, 0.001, 150):
        b = order_ok(desk.trade(symbol="EURUSD", side="BUY", volume=v),
                     10014, "rejected")
        assert b["message"] == "Invalid volume in the request", b
    assert desk.positions() == []


def test_min_margin_level_estimates_each_calc_mode(daemons):
    """trading.min_margin_level estimates an order's margin by paper's
    own formula for its calc mode before the broker has reported a
    position on the symbol.  On 10000 USD at 1:100 with a limit of 200%
    (5000 of margin): a cfd lot of gold is 100 * 2000 * 0.05 = 10000, so
    0.6 lots (6000) are refused and 0.4 (4000) fill; a futures lot is
    its margin_initial, 500, so 9 lots (4500) fill, where a forex-style
    estimate (50 * 5000 / 100 = 2500 a lot) would refuse them."""
    syms = [
        still("XAUUSD", 2000, currency_base="XAU", digits=2,
              contract_size=100, calc_mode="cfd", margin_rate=0.05),
        still("ES", 5000, currency_base="USD", digits=2, contract_size=50,
              calc_mode="futures", margin_initial=500, tick_size=0.25,
              tick_value=12.5),
    ]
    desk = start_trading(
        daemons(), trading_conf(allowed_symbols=["XAUUSD", "ES"],
                                max_volume=100, min_margin_level=200),
        mt5_conf(syms, tick_interval=STILL, balance=10000))
    ans = desk.trade(symbol="XAUUSD", side="BUY", volume=0.6)
    assert ans[0] == 403, ans
    assert "trading.min_margin_level" in ans[2]["error"], ans
    assert "about 6000.00 of margin" in ans[2]["error"], ans
    filled(desk.trade(symbol="ES", side="BUY", volume=9))
    assert margin(desk) == pytest.approx(4500, abs=0.005)
    # The broker's own figure now counts for ES; gold is still estimated.
    ans = desk.trade(symbol="XAUUSD", side="SELL", volume=0.06)
    assert ans[0] == 403 and "about 600.00 of margin" in ans[2]["error"], \
        ans
    filled(desk.trade(symbol="XAUUSD", side="SELL", volume=0.04))

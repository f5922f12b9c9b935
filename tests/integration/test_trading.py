"""
The trading path end to end (issue 4): real TLS clients place, modify,
close and cancel trades on heraldd's paper backend; the monitor's risk
rules refuse what they must with a 403 naming the rule; MT5's return
codes come back in the answers; retries never trade twice, also across
restarts.  The broker's faults (SIGKILL, timeouts, its stored state,
the ticks file) are test_trading_broker.py's.

Every test starts its own heraldd on a fresh database with a fast tick
(mt5.paper.tick_interval 20 ms), a fixed seed, and test symbols made to
reach each return code:

	EURUSD		the ordinary one: stops_level 0, filling fok|ioc
	GBPUSD		configured but not in trading.allowed_symbols
	EURUSD.LIQ	liquidity 1 lot, filling ioc: 10010 partial fills
	EURUSD.CLS	session closed: 10018
	EURUSD.FOK	filling fok only: "filling": "IOC" gets 10030
	EURUSD.MAX	volume_max 1 (below trading.max_volume): 10014
	EURUSD.BIG	contract size 10^7: one lot needs more margin than
			the account has, 10019

All of them are EUR/USD clones (the account currency is USD).  The
orders journal is read straight from the SQLite file, read-only.
"""
import json
import re

import pytest

from conftest import TIMEOUT, wait_for
from test_http import HOST, Client, assert_error, bearer, make_key

ACCOUNT_BALANCE = 10000
LEVERAGE = 100
LOGIN = 12345678
FAR = 500               # points: a pending order the walk will not reach


# --- configuration -------------------------------------------------------------

def symbol(name, start_bid=1.1, **kw):
    """A EUR/USD-like paper symbol (mt5.paper.symbols entry)."""
    s = {"name": name, "currency_base": "EUR", "currency_profit": "USD",
         "digits": 5, "contract_size": 100000, "volume_min": 0.01,
         "volume_max": 100, "volume_step": 0.01, "stops_level": 0,
         "filling": ["fok", "ioc"], "trade_mode": "full",
         "exec_mode": "market", "calc_mode": "forex",
         "start_bid": start_bid, "spread": 10, "max_step": 3,
         "session_open": True}
    s.update(kw)
    return s


def symbols(**eurusd):
    return [
        symbol("EURUSD", **eurusd),
        symbol("GBPUSD", 1.25, currency_base="GBP"),
        symbol("EURUSD.LIQ", liquidity=1, filling=["ioc"]),
        symbol("EURUSD.CLS", session_open=False),
        symbol("EURUSD.FOK", filling=["fok"]),
        symbol("EURUSD.MAX", volume_max=1),
        symbol("EURUSD.BIG", contract_size=10000000),
    ]


ALLOWED = ["EURUSD", "EURUSD.LIQ", "EURUSD.CLS", "EURUSD.FOK", "EURUSD.MAX",
           "EURUSD.BIG"]


def trading_conf(**over):
    t = {"allowed_symbols": ALLOWED, "max_volume": 10,
         "max_open_positions": 1000, "max_positions_per_symbol": 1000,
         "max_daily_loss": 0, "orders_per_minute": 10000,
         "duplicate_window": 30}
    t.update(over)
    return t


def mt5_conf(syms=None, **paper):
    p = {"currency": "USD", "balance": ACCOUNT_BALANCE,
         "leverage": LEVERAGE, "margin_mode": "hedging", "seed": 42,
         "tick_interval": 20, "symbols": syms or symbols()}
    p.update(paper)
    return {"backend": "paper", "login": LOGIN, "server": "Paper-Test",
            "request_timeout": 10, "start_timeout": 10, "paper": p}


def _yscalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        s = f"{v:.10f}".rstrip("0")
        return s + "0" if s.endswith(".") else s
    s = str(v)
    if re.fullmatch(r"[A-Za-z_/][A-Za-z0-9_./-]*", s) and \
            s.lower() not in ("true", "false", "yes", "no", "on", "off",
                              "null", "y", "n"):
        return s
    return json.dumps(s)


def yaml_text(d, indent=0):
    """conftest.to_yaml plus floats and flow lists of scalars."""
    pad = " " * indent
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.append(yaml_text(v, indent + 2).rstrip("\n"))
        elif isinstance(v, list) and all(not isinstance(i, dict)
                                         for i in v):
            lines.append(f"{pad}{k}: [" +
                         ", ".join(_yscalar(i) for i in v) + "]")
        elif isinstance(v, list):
            lines.append(f"{pad}{k}:")
            for item in v:
                sub = yaml_text(item, indent + 4).rstrip("\n").splitlines()
                lines.append(f"{pad}  - " + sub[0].lstrip())
                lines.extend(sub[1:])
        else:
            lines.append(f"{pad}{k}: {_yscalar(v)}")
    return "\n".join(lines) + "\n"


# --- HTTPS ----------------------------------------------------------------------

def request(method, path, key=None, body=None):
    hs = [bearer(key) + "\r\n"] if key else []
    if body is None:
        return f"{method} {path} HTTP/1.1\r\n{HOST}" + "".join(hs) + "\r\n"
    text = json.dumps(body)
    hs.append("Content-Type: application/json\r\n")
    return (f"{method} {path} HTTP/1.1\r\n{HOST}" + "".join(hs) +
            f"Content-Length: {len(text.encode())}\r\n\r\n{text}")


def call(daemon, method, path, key=None, body=None, timeout=TIMEOUT):
    """(status, headers, JSON body) of one request on its own connection."""
    c = Client(daemon, timeout=timeout)
    try:
        c.send(request(method, path, key, body))
        return c.answer()
    finally:
        c.close()


def listing(body, name):
    """The list in a GET /v1/positions or /v1/orders answer."""
    if isinstance(body, list):
        return body
    assert isinstance(body, dict) and isinstance(body.get(name), list), \
        f"no list {name!r} in {body}"
    return body[name]


class Desk:
    """A started heraldd on the trading configuration and a trader key."""

    def __init__(self, daemon, key):
        self.d = daemon
        self.key = key

    # raw calls: (status, headers, body)

    def call(self, method, path, body=None, key=None):
        return call(self.d, method, path, key or self.key, body)

    def trade(self, key=None, **fields):
        return self.call("POST", "/trade", fields, key)

    def close(self, ticket, volume=None, key=None):
        body = {} if volume is None else {"volume": volume}
        return self.call("POST", f"/v1/positions/{ticket}/close", body, key)

    def modify(self, ticket, key=None, **fields):
        return self.call("POST", f"/v1/positions/{ticket}/modify", fields,
                         key)

    def cancel(self, ticket, key=None):
        return self.call("DELETE", f"/v1/orders/{ticket}", None, key)

    # reads, checked

    def read(self, path, key=None):
        st, _, body = self.call("GET", path, None, key)
        assert st == 200, f"GET {path}: {st} {body}"
        return body

    def account(self):
        return self.read("/v1/account")

    def positions(self, symbol=None):
        q = f"?symbol={symbol}" if symbol else ""
        return listing(self.read("/v1/positions" + q), "positions")

    def orders(self):
        return listing(self.read("/v1/orders"), "orders")

    def quote(self, name="EURUSD"):
        s = self.read(f"/v1/symbols/{name}")
        digits = s["digits"]
        point = s.get("point") or 10 ** -digits
        return s["bid"], s["ask"], point, digits

    def position(self, ticket):
        for p in self.positions():
            if p["ticket"] == ticket:
                return p
        return None

    def order(self, ticket):
        for o in self.orders():
            if o["ticket"] == ticket:
                return o
        return None

    def pending(self, side, offset, volume=0.1, name="EURUSD", **extra):
        """A limit order `offset' points away on its right side (negative:
        the wrong side).  The quote can move between reading it and
        placing the order, so a near order that lands on the wrong side
        (10015) is tried again at the new price."""
        for _ in range(10):
            bid, ask, point, digits = self.quote(name)
            if side == "BUY":
                price = round(ask - offset * point, digits)
            else:
                price = round(bid + offset * point, digits)
            ans = self.trade(symbol=name, side=side, volume=volume,
                             type="limit", price=price, **extra)
            if offset <= 0 or ans[0] != 422 or \
                    ans[2].get("retcode") != 10015:
                return ans, price
        raise AssertionError(f"pending order never placed: {ans}")


EXECUTED = (10008, 10009, 10010)


def order_ok(ans, retcode, status=None):
    """An order answer: 200 if MT5 executed it, else 422 order_rejected
    with the whole answer."""
    st, _, b = ans
    want = 200 if retcode in EXECUTED else 422
    assert st == want, f"expected {want} with retcode {retcode}, got {ans}"
    assert isinstance(b, dict) and b.get("retcode") == retcode, \
        f"expected retcode {retcode}, got {b}"
    if want == 422:
        assert b["code"] == "order_rejected" and \
            str(retcode) in b["error"], b
    if status is not None:
        assert b["status"] == status, b
    return b


def filled(ans):
    b = order_ok(ans, 10009, "filled")
    assert b["order_id"] > 0 and b["filled_volume"] > 0, b
    assert b["fill_price"] > 0, b
    assert b["duplicate"] is False, b
    return b


def position_of(b):
    """The position a filled market order opened (MT5: the order ticket)."""
    return b.get("position") or b["order_id"]


def risk_refused(ans, rule, limit):
    assert_error(ans, 403, "risk_refused", re.escape(rule))
    assert str(limit) in ans[2]["error"], \
        f"the limit {limit} is not named: {ans[2]}"


def near(a, b, tol=1e-9):
    return abs(a - b) <= tol


def start_trading(daemon, trading=None, mt5=None, **sections):
    """Configure and start daemon, make a trader key, wait for the broker."""
    settings = daemon.settings(
        mt5=mt5 or mt5_conf(), trading=trading or trading_conf(),
        rate_limit={"per_source": 1000000, "per_key": 1000000},
        **sections)
    daemon.write_config(text=yaml_text(settings))
    daemon.start()
    key = make_key(daemon, "trader", "trader")
    desk = Desk(daemon, key)
    wait_broker(desk)
    return desk


def wait_broker(desk, timeout=TIMEOUT):
    """Until the paper backend answers (503 broker_unavailable before)."""
    last = []

    def up():
        last[:] = [desk.call("GET", "/v1/account")]
        return last[0][0] == 200
    try:
        wait_for(up, "the paper backend to answer GET /v1/account",
                 timeout, 0.05)
    except AssertionError as e:
        raise AssertionError(f"{e}; last answer {last}\n{desk.d.log()}") \
            from None


def restart(daemon, desk=None):
    """Stop heraldd (it must exit 0) and start it on the same database."""
    assert daemon.stop() == 0, daemon.log()
    start_again(daemon, desk)


def start_again(daemon, desk=None):
    daemon._log.close()
    daemon.proc = None
    daemon.expect_exit = 0
    daemon.start()
    if desk is not None:
        wait_broker(desk)


@pytest.fixture
def desk(daemons):
    return start_trading(daemons())


# --- open, modify, partial close, close -----------------------------------------

def test_open_modify_partial_close_close(desk):
    a = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.3))
    assert near(a["filled_volume"], 0.3), a
    assert a["duplicate"] is False, a
    assert a["client_order_id"], "no derived client_order_id"
    ticket = position_of(a)

    [p] = desk.positions()
    assert p["ticket"] == ticket and p["symbol"] == "EURUSD", p
    assert p["type"] == "BUY" and near(p["volume"], 0.3), p
    assert near(p["price_open"], a["fill_price"]), (p, a)
    assert [q["ticket"] for q in desk.positions("EURUSD")] == [ticket]
    assert desk.positions("EURUSD.LIQ") == []

    # Modify: SL and TP, visible in the position.
    bid, ask, point, digits = desk.quote()
    sl = round(bid - 300 * point, digits)
    tp = round(bid + 300 * point, digits)
    order_ok(desk.modify(ticket, sl=sl, tp=tp), 10009)
    p = desk.position(ticket)
    assert near(p["sl"], sl) and near(p["tp"], tp), p
    # Only tp given: sl kept.
    tp2 = round(tp + 50 * point, digits)
    order_ok(desk.modify(ticket, tp=tp2), 10009)
    p = desk.position(ticket)
    assert near(p["sl"], sl) and near(p["tp"], tp2), p

    # Partial close, then the rest.
    b = order_ok(desk.close(ticket, 0.1), 10009, "filled")
    assert near(b["filled_volume"], 0.1), b
    p = desk.position(ticket)
    assert p is not None and near(p["volume"], 0.2), p
    b = order_ok(desk.close(ticket), 10009, "filled")
    assert near(b["filled_volume"], 0.2), b
    assert desk.positions() == []
    acct = desk.account()
    assert acct["margin"] == 0, acct
    assert abs(acct["equity"] - acct["balance"]) <= 0.011, acct


# --- pending orders -------------------------------------------------------------

def test_pending_order_triggered_by_the_price(desk):
    # Two points under the ask: the walk (up to 3 points a tick, a tick
    # every 20 ms) crosses it soon.
    ans, price = desk.pending("BUY", 2)
    b = order_ok(ans, 10008, "placed")
    ticket = b["order_id"]
    assert ticket > 0 and near(b["fill_price"], price), (b, price)

    def triggered():
        if desk.order(ticket) is not None:
            return None
        return desk.position(ticket) or [p for p in desk.positions()
                                         if p["type"] == "BUY"]
    got = wait_for(triggered, "the limit order to trigger", 20, 0.1)
    assert isinstance(got, dict), \
        f"the position of a triggered order has the order's ticket " \
        f"{ticket} in MT5; positions: {got}"
    assert got["symbol"] == "EURUSD" and near(got["volume"], 0.1), got
    # A buy limit never fills above its price.
    assert got["price_open"] <= price + 1e-9, (got, price)
    assert desk.orders() == []


def test_pending_order_listed_and_cancelled(desk):
    ans, price = desk.pending("BUY", FAR, volume=0.2)
    b = order_ok(ans, 10008, "placed")
    ticket = b["order_id"]
    o = desk.order(ticket)
    assert o is not None, desk.orders()
    assert o["symbol"] == "EURUSD" and o["type"] == "BUY_LIMIT", o
    assert near(o["price"], price) and near(o["volume"], 0.2), o
    ans2, price2 = desk.pending("SELL", FAR, volume=0.1)
    t2 = order_ok(ans2, 10008, "placed")["order_id"]
    assert desk.order(t2)["type"] == "SELL_LIMIT"

    order_ok(desk.cancel(ticket), 10009)
    assert desk.order(ticket) is None
    assert [o["ticket"] for o in desk.orders()] == [t2]
    order_ok(desk.cancel(t2), 10009)
    assert desk.orders() == [] and desk.positions() == []


# --- every listed return code ---------------------------------------------------

def _rc_market(d):
    return d.trade(symbol="EURUSD", side="BUY", volume=0.01)


def _rc_placed(d):
    return d.pending("SELL", FAR)[0]


def _rc_partial(d):
    return d.trade(symbol="EURUSD.LIQ", side="BUY", volume=2)


def _rc_volume(d):
    return d.trade(symbol="EURUSD.MAX", side="BUY", volume=2)


def _rc_price(d):
    return d.pending("BUY", -100)[0]           # a buy limit above the ask


def _rc_stops(d):
    _, ask, point, digits = d.quote()
    return d.trade(symbol="EURUSD", side="BUY", volume=0.01,
                   sl=round(ask + 100 * point, digits))


def _rc_closed(d):
    return d.trade(symbol="EURUSD.CLS", side="BUY", volume=0.01)


def _rc_money(d):
    return d.trade(symbol="EURUSD.BIG", side="BUY", volume=1)


def _rc_fill(d):
    return d.trade(symbol="EURUSD.FOK", side="BUY", volume=0.01,
                   filling="IOC")


def _rc_gone_close(d):
    return d.close(987654321)


def _rc_gone_modify(d):
    return d.modify(987654321, sl=1.0)


def _rc_close_volume(d):
    t = position_of(filled(d.trade(symbol="EURUSD", side="BUY",
                                   volume=0.1)))
    return d.close(t, 0.5)


RETCODES = [
    (10009, "filled", _rc_market, 1),
    (10008, "placed", _rc_placed, 0),
    (10010, "partial", _rc_partial, 1),
    (10014, "rejected", _rc_volume, 0),
    (10015, "rejected", _rc_price, 0),
    (10016, "rejected", _rc_stops, 0),
    (10018, "rejected", _rc_closed, 0),
    (10019, "rejected", _rc_money, 0),
    (10030, "rejected", _rc_fill, 0),
    (10036, "rejected", _rc_gone_close, 0),
    (10036, "rejected", _rc_gone_modify, 0),
    (10038, "rejected", _rc_close_volume, 1),
]


@pytest.mark.parametrize("retcode,status,make,npos", RETCODES,
                         ids=[f"{r[0]}-{r[2].__name__[4:]}"
                              for r in RETCODES])
def test_return_code_reached(desk, retcode, status, make, npos):
    b = order_ok(make(desk), retcode, status)
    assert b["message"], f"no message with retcode {retcode}: {b}"
    assert b["duplicate"] is False, b
    if retcode == 10010:
        assert near(b["filled_volume"], 1), b
        [p] = desk.positions()
        assert near(p["volume"], 1), p
    assert len(desk.positions()) == npos, desk.positions()
    if retcode != 10008:
        assert desk.orders() == []


# --- roles ----------------------------------------------------------------------

def test_viewer_keys_read_but_never_write(desk):
    viewer = make_key(desk.d, "watcher", "viewer")
    # Something to read, made by the trader.
    t = position_of(filled(desk.trade(symbol="EURUSD", side="BUY",
                                      volume=0.1)))
    o = order_ok(desk.pending("BUY", FAR)[0], 10008)["order_id"]

    writes = [
        desk.trade(key=viewer, symbol="EURUSD", side="BUY", volume=0.1),
        desk.trade(key=viewer, symbol="EURUSD", side="BUY", volume=0.1,
                   type="limit", price=1.0),
        desk.close(t, key=viewer),
        desk.close(t, 0.05, key=viewer),
        desk.modify(t, key=viewer, sl=1.0),
        desk.cancel(o, key=viewer),
    ]
    for ans in writes:
        assert_error(ans, 403, "forbidden", r"write_positions")
    # Nothing changed.
    [p] = desk.positions()
    assert p["ticket"] == t and near(p["volume"], 0.1) and p["sl"] == 0, p
    assert [x["ticket"] for x in desk.orders()] == [o]

    acct = desk.read("/v1/account", viewer)
    assert acct["currency"] == "USD"
    assert [x["ticket"] for x in
            listing(desk.read("/v1/positions", viewer), "positions")] == [t]
    assert [x["ticket"] for x in
            listing(desk.read("/v1/positions?symbol=EURUSD", viewer),
                    "positions")] == [t]
    assert [x["ticket"] for x in
            listing(desk.read("/v1/orders", viewer), "orders")] == [o]
    assert desk.read("/v1/symbols/EURUSD", viewer)["bid"] > 0


def test_account(desk):
    a = desk.account()
    for f in ("balance", "equity", "margin", "free_margin", "margin_level",
              "leverage", "currency", "login"):
        assert f in a, f"GET /v1/account has no {f}: {a}"
    assert a["currency"] == "USD" and a["leverage"] == LEVERAGE, a
    assert near(a["balance"], ACCOUNT_BALANCE) and \
        near(a["equity"], ACCOUNT_BALANCE), a
    assert a["margin"] == 0 and a["margin_level"] == 0, a
    assert near(a["free_margin"], ACCOUNT_BALANCE), a
    # The login is masked: its end only.
    assert str(LOGIN) not in json.dumps(a), a
    assert a["login"].endswith(str(LOGIN)[-4:]) and "*" in a["login"], a

    b = filled(desk.trade(symbol="EURUSD", side="BUY", volume=1))
    a = desk.account()
    # Forex margin: 1 lot * 100000 EUR / 100, in dollars at the current
    # ask, which the walk moves a few points since the fill (exact
    # figures: test_margin_calc_modes, on still prices).
    want = round(100000 / LEVERAGE * b["fill_price"], 2)
    assert abs(a["margin"] - want) <= 1.0, (a, b)
    assert abs(a["free_margin"] - (a["equity"] - a["margin"])) <= 0.011, a
    assert a["margin_level"] == pytest.approx(
        a["equity"] / a["margin"] * 100, rel=1e-4), a
    assert near(a["balance"], ACCOUNT_BALANCE), a


# --- risk rules -----------------------------------------------------------------

def test_risk_symbol_volume_and_step(desk):
    risk_refused(desk.trade(symbol="GBPUSD", side="BUY", volume=0.1),
                 "trading.allowed_symbols", "GBPUSD")
    risk_refused(desk.trade(symbol="EURUSD", side="BUY", volume=12),
                 "trading.max_volume", 10)
    risk_refused(desk.trade(symbol="EURUSD", side="SELL", volume=10.5,
                            type="limit", price=2.0), "trading.max_volume", 10)
    # A volume the symbol does not take is MT5's 10014, not a risk rule:
    # off the step, below volume_min, above volume_max.
    for v in (0.015, 0.004):
        b = order_ok(desk.trade(symbol="EURUSD", side="BUY", volume=v),
                     10014, "rejected")
        assert b["message"] == "Invalid volume in the request", b
    # A symbol the backend does not have is not allowed either.
    risk_refused(desk.trade(symbol="NOSUCH", side="BUY", volume=0.1),
                 "trading.allowed_symbols", "NOSUCH")
    # A close off the step: the backend's 10014 too.
    t = position_of(filled(desk.trade(symbol="EURUSD", side="BUY",
                                      volume=0.1)))
    order_ok(desk.close(t, 0.055), 10014, "rejected")
    assert [p["ticket"] for p in desk.positions()] == [t]
    assert desk.orders() == []


def test_risk_open_positions_and_per_symbol(daemons):
    desk = start_trading(daemons(), trading_conf(
        max_open_positions=3, max_positions_per_symbol=2))
    t1 = position_of(filled(desk.trade(symbol="EURUSD", side="BUY",
                                       volume=0.01)))
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.01))
    # Not the first order's body: an exact repeat would be its retry.
    risk_refused(desk.trade(symbol="EURUSD", side="BUY", volume=0.02),
                 "trading.max_positions_per_symbol", 2)
    filled(desk.trade(symbol="EURUSD.FOK", side="BUY", volume=0.01))
    risk_refused(desk.trade(symbol="EURUSD.MAX", side="BUY", volume=0.01),
                 "trading.max_open_positions", 3)
    # Pending orders count: free one slot, fill it with an order.
    order_ok(desk.close(t1), 10009)
    order_ok(desk.pending("BUY", FAR, 0.01, name="EURUSD.MAX")[0], 10008)
    risk_refused(desk.pending("BUY", FAR, 0.02, name="EURUSD.MAX")[0],
                 "trading.max_open_positions", 3)
    risk_refused(desk.trade(symbol="EURUSD.MAX", side="BUY", volume=0.01),
                 "trading.max_open_positions", 3)
    assert len(desk.positions()) == 2 and len(desk.orders()) == 1


def test_risk_max_daily_loss(daemons):
    # A wide spread: buying and selling back at once loses about
    # 200 points * 0.1 lot = $20, far more than the walk can undo.
    syms = symbols(spread=200)
    desk = start_trading(daemons(), trading_conf(max_daily_loss=0.01),
                         mt5_conf(syms))
    t = position_of(filled(desk.trade(symbol="EURUSD", side="BUY",
                                      volume=0.1)))
    b = order_ok(desk.close(t), 10009)
    acct = desk.account()
    assert acct["balance"] < ACCOUNT_BALANCE - 1, (acct, b)
    risk_refused(desk.trade(symbol="EURUSD", side="BUY", volume=0.01),
                 "trading.max_daily_loss", 0.01)
    risk_refused(desk.pending("SELL", FAR, 0.01)[0],
                 "trading.max_daily_loss", 0.01)
    assert desk.positions() == [] and desk.orders() == []


def test_risk_orders_per_minute(daemons):
    desk = start_trading(daemons(), trading_conf(orders_per_minute=3))
    for i in range(3):
        filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                          client_order_id=f"rate-{i}"))
    # "Wait", not "never": 429 with Retry-After.
    ans = desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                     client_order_id="rate-3")
    assert_error(ans, 429, "rate_limited", r"trading\.orders_per_minute")
    # The sliding window's estimate: may be beyond 60 s.
    assert int(ans[1]["retry-after"]) >= 1, ans
    assert len(desk.positions()) == 3
    # Per key: another trader is not held back by the first one's rate.
    other = make_key(desk.d, "other", "trader")
    filled(desk.trade(key=other, symbol="EURUSD", side="BUY", volume=0.01))
    assert len(desk.positions()) == 4


# --- idempotency and restarts ---------------------------------------------------

SAME = ("status", "order_id", "deal", "fill_price", "filled_volume",
        "retcode", "client_order_id")


def same_answer(first, again):
    st, _, b = again
    assert st == 200, f"a retry got {again}"
    assert b["duplicate"] is True, f"a retry not marked duplicate: {b}"
    for f in SAME:
        assert b.get(f) == first.get(f), f"{f}: first {first}, retry {b}"
    if "position" in first:
        assert b.get("position") == first["position"], (first, b)


def kept(p):
    return {k: p[k] for k in ("ticket", "symbol", "type", "volume",
                              "price_open", "sl", "tp")}


def test_retries_and_restarts_never_trade_twice(desk):
    d = desk.d
    body = {"symbol": "EURUSD", "side": "BUY", "volume": 0.1,
            "client_order_id": "retry-1"}
    first = filled(desk.trade(**body))
    assert first["client_order_id"] == "retry-1" and \
        first["duplicate"] is False, first
    same_answer(first, desk.trade(**body))
    # The same id for another order: never a trade.  Either the first
    # answer again, or a refusal naming the field.
    reused = desk.trade(**dict(body, volume=0.2))
    if reused[0] == 200:
        same_answer(first, reused)
    else:
        assert_error(reused, 409, "duplicate_client_order_id",
                     "client_order_id")
    assert len(desk.positions()) == 1

    # No client_order_id: an exact repeat within trading.duplicate_window
    # is caught by the derived id.
    plain = {"symbol": "EURUSD", "side": "SELL", "volume": 0.05}
    p1 = filled(desk.trade(**plain))
    assert p1["client_order_id"].startswith("auto-"), p1
    same_answer(p1, desk.trade(**plain))
    assert len(desk.positions()) == 2
    # Another body is another order.
    filled(desk.trade(**dict(plain, volume=0.06)))
    assert len(desk.positions()) == 3

    # Another key's client_order_id space is its own.
    other = make_key(d, "other", "trader")
    o = filled(desk.trade(key=other, **body))
    assert o["order_id"] != first["order_id"]
    assert len(desk.positions()) == 4

    # Something pending, some SL/TP, then a restart.
    ans, price = desk.pending("BUY", FAR, 0.3)
    pend = order_ok(ans, 10008)["order_id"]
    bid, _, point, digits = desk.quote()
    order_ok(desk.modify(position_of(first),
                         sl=round(bid - 400 * point, digits)), 10009)
    before_acct = desk.account()
    before_pos = sorted(map(kept, desk.positions()),
                        key=lambda p: p["ticket"])
    before_ord = desk.orders()

    restart(d, desk)

    after_acct = desk.account()
    assert near(after_acct["balance"], before_acct["balance"], 0.001), \
        (before_acct, after_acct)
    assert after_acct["currency"] == "USD"
    assert near(after_acct["margin"], before_acct["margin"], 0.011), \
        (before_acct, after_acct)
    assert sorted(map(kept, desk.positions()),
                  key=lambda p: p["ticket"]) == before_pos
    [o2] = desk.orders()
    assert o2["ticket"] == pend and near(o2["price"], price), \
        (before_ord, o2)

    # The same retries after the restart: first answers, no trades.
    same_answer(first, desk.trade(**body))
    same_answer(p1, desk.trade(**plain))
    assert len(desk.positions()) == 4
    # New orders get new tickets.
    n = filled(desk.trade(**dict(body, client_order_id="retry-2")))
    used = {p["ticket"] for p in before_pos} | {pend}
    assert position_of(n) not in used and n["order_id"] not in used, n
    assert len(desk.positions()) == 5

    # And a second restart keeps it all too.
    restart(d, desk)
    same_answer(first, desk.trade(**body))
    same_answer(n, desk.trade(**dict(body, client_order_id="retry-2")))
    assert len(desk.positions()) == 5


# --- SIGKILL of the broker while orders stream in -------------------------------

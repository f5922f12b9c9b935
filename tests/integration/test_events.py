"""
GET /v1/events (issue 9 item 8): the Server-Sent Events stream of order
answers, fills, SL/TP hits, position and pending-order changes, broker
state and lockdown, each with an id from the monitor's store; a client
that comes back with Last-Event-ID gets what it missed, also across a
restart; the stream limits of herald.yaml's events section.

The client is Python's http.client over ssl, reading the chunked
text/event-stream as it arrives, as a bot would.  The daemon, its paper
backend and the trading helpers are test_trading.py's.
"""
import datetime
import http.client
import json
import socket
import threading
import time

import pytest

from conftest import TIMEOUT, wait_for
from test_http import assert_error, make_key, tls_context
from test_trading import (filled, mt5_conf, order_ok, restart, symbols,
                          start_trading, trading_conf, yaml_text)


class Stream:
    """One GET /v1/events, read event by event."""

    def __init__(self, daemon, key, last=None, timeout=TIMEOUT, rcvbuf=0):
        self.c = http.client.HTTPSConnection(
            "127.0.0.1", daemon.port, context=tls_context(), timeout=timeout)
        if rcvbuf:
            # A small window from the start: the server's writes back up.
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            raw.settimeout(timeout)
            raw.connect(("127.0.0.1", daemon.port))
            self.c.sock = tls_context().wrap_socket(raw)
        hs = {"Authorization": f"Bearer {key}",
              "Accept": "text/event-stream"}
        if last is not None:
            hs["Last-Event-ID"] = str(last)
        self.c.request("GET", "/v1/events", headers=hs)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.comments = 0

    def body(self):
        return json.loads(self.r.read())

    def next(self):
        """The next event: {"id", "event", "data"}; comments are counted."""
        ev = {}
        while True:
            line = self.r.readline()
            if not line:
                raise AssertionError(f"stream ended; so far {ev}")
            line = line.decode().rstrip("\n")
            if line == "":
                if ev:
                    if "data" in ev:
                        ev["data"] = json.loads(ev["data"])
                    return ev
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            k, _, v = line.partition(": ")
            assert k not in ev, f"field {k} twice in one event: {line}"
            ev[k] = v

    def until(self, pred, what, limit=200):
        """Events up to and including the first that pred accepts."""
        seen = []
        for _ in range(limit):
            e = self.next()
            seen.append(e)
            if pred(e):
                return seen
        raise AssertionError(f"no {what} in {seen}")

    def close(self):
        self.c.close()


def named(name, **data):
    def pred(e):
        return e.get("event") == name and all(
            e["data"].get(k) == v for k, v in data.items())
    return pred


def ids(events):
    return [int(e["id"]) for e in events if "id" in e]


@pytest.fixture
def desk(daemons):
    return start_trading(daemons())


def test_fill_and_position_and_order_answer(desk):
    """A market order: its answer (for its key), the deal and the
    position, in id order, as text/event-stream."""
    s = Stream(desk.d, desk.key)
    assert s.status == 200
    assert s.r.getheader("Content-Type") == "text/event-stream"
    b = filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.1,
                          client_order_id="ev-1"))
    got = s.until(named("order", client_order_id="ev-1"), "order answer")
    kinds = [e["event"] for e in got]
    assert "fill" in kinds and "position" in kinds, got
    fill = next(e for e in got if e["event"] == "fill")
    assert fill["data"]["order"] == b["order_id"], fill
    assert fill["data"]["volume"] == 0.1 and fill["data"]["entry"] == "in"
    pos = next(e for e in got if e["event"] == "position")
    assert pos["data"]["state"] == "open" and pos["data"]["volume"] == 0.1
    order = got[-1]["data"]
    assert order["order_id"] == b["order_id"] and order["retcode"] == 10009
    assert order["status"] == "filled" and order["http_status"] == 200
    i = ids(got)
    assert i == sorted(i) and len(set(i)) == len(i), i
    s.close()


def test_answers_are_for_their_key_alone(desk):
    """A viewer sees fills and positions but not another key's order
    answers; an admin sees everything."""
    viewer = make_key(desk.d, "viewer", "viewer")
    admin = make_key(desk.d, "admin", "admin")
    v = Stream(desk.d, viewer)
    a = Stream(desk.d, admin)
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                      client_order_id="mine"))
    desk.d.ctl("lockdown", "on")
    seen = v.until(named("lockdown", active=True), "lockdown")
    assert "order" not in [e["event"] for e in seen], seen
    assert "fill" in [e["event"] for e in seen], seen
    a.until(named("order", client_order_id="mine"), "admin's view")
    v.close()
    a.close()


def test_resume_with_last_event_id_also_after_restart(desk):
    """A client that drops, misses events, and comes back with
    Last-Event-ID gets exactly what it missed; across a restart too."""
    s = Stream(desk.d, desk.key)
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                      client_order_id="r-1"))
    first = s.until(named("order", client_order_id="r-1"), "r-1")
    last = ids(first)[-1]
    s.close()

    # Missed while away: two orders and a lockdown.
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                      client_order_id="r-2"))
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.01,
                      client_order_id="r-3"))
    desk.d.ctl("lockdown", "on")
    s = Stream(desk.d, desk.key, last=last)
    missed = s.until(named("lockdown", active=True), "the lockdown")
    assert ids(missed)[0] == last + 1 or ids(missed)[0] > last, missed
    coids = [e["data"]["client_order_id"] for e in missed
             if e["event"] == "order"]
    assert coids == ["r-2", "r-3"], missed
    s.close()
    before = ids(missed)[-1]

    restart(desk.d, desk)
    desk.d.ctl("lockdown", "off")
    s = Stream(desk.d, desk.key, last=last)
    again = s.until(named("lockdown", active=False), "the lockdown off")
    # The same events with the same ids, then what happened since.
    assert [e for e in again if int(e["id"]) <= before] == missed
    kinds = [e["event"] for e in again if int(e["id"]) > before]
    assert "broker" in kinds, again
    s.close()


def in_seconds(n):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=n)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_expiry_is_its_own_event_also_after_restart(desk):
    """A specified-time order that expires: an "expired" event (not a
    "pending" removal); a cancelled one says "cancelled".  Both come back
    with their ids to a client that resumes after a restart."""
    s = Stream(desk.d, desk.key)
    gone = order_ok(desk.pending("BUY", 500, volume=0.01,
                                 expiration=in_seconds(3))[0],
                    10008)["order_id"]
    kept = order_ok(desk.pending("BUY", 600, volume=0.01)[0],
                    10008)["order_id"]
    assert desk.cancel(kept)[0] == 200
    got = s.until(named("expired", ticket=gone), "the expiry", limit=1000)
    exp = got[-1]
    assert exp["data"]["state"] == "expired", exp
    assert exp["data"]["reason"] == "expired", exp
    assert exp["data"]["expiration"].endswith("Z"), exp
    cancelled = [e for e in got if e["event"] == "pending" and
                 e["data"]["ticket"] == kept and
                 e["data"]["state"] == "removed"]
    assert len(cancelled) == 1, got
    assert cancelled[0]["data"]["reason"] == "cancelled", cancelled
    # Never also reported as a plain removal.
    assert not [e for e in got if e["event"] == "pending" and
                e["data"]["ticket"] == gone and
                e["data"]["state"] != "placed"], got
    first = ids(got)[0]
    s.close()
    assert desk.order(gone) is None

    restart(desk.d, desk)
    s = Stream(desk.d, desk.key, last=first - 1)
    again = s.until(named("expired", ticket=gone), "the expiry again",
                    limit=1000)
    assert again == got, (got, again)
    s.close()


def test_no_last_event_id_starts_now_and_zero_replays_all(desk):
    desk.d.ctl("lockdown", "on")
    desk.d.ctl("lockdown", "off")
    s = Stream(desk.d, desk.key)
    desk.d.ctl("lockdown", "on")
    e = s.next()
    assert e["event"] == "lockdown" and e["data"]["active"] is True, e
    s.close()
    s = Stream(desk.d, desk.key, last=0)
    got = s.until(named("lockdown", active=True), "the first lockdown")
    assert got[0]["event"] == "broker", got
    s.close()


def test_sl_and_tp_hits(daemons):
    """A position's SL and TP, hit by the price: events "sl" and "tp"."""
    desk = start_trading(daemons(), mt5=mt5_conf(symbols(max_step=60)))
    s = Stream(desk.d, desk.key)
    q = desk.quote("EURUSD")
    bid, ask, point = q[0], q[1], q[2]
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                      sl=round(bid - 300 * point, 5),
                      tp=round(bid + 300 * point, 5)))
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.01,
                      sl=round(ask + 300 * point, 5),
                      tp=round(ask - 300 * point, 5)))
    got = s.until(lambda e: e.get("event") in ("sl", "tp"), "an SL or TP",
                  limit=1000)
    hit = got[-1]
    assert hit["data"]["entry"] == "out", hit
    closed = s.until(named("position", state="closed"), "closed position")
    assert closed[-1]["data"]["ticket"] == hit["data"]["position"]
    s.close()


def test_bad_last_event_id(desk):
    for bad in ("abc", "-1", "01", "1.5", "9223372036854775808",
                "1 2", "99999999999999999999"):
        s = Stream(desk.d, desk.key, last=bad)
        assert s.status == 400, bad
        b = s.body()
        assert b["code"] == "bad_request" and "Last-Event-ID" in b["error"]
        s.close()


def test_permission_and_key(desk):
    s = Stream(desk.d, "hk_" + "A" * 43)
    assert s.status == 401
    s.close()


def test_stream_limits(daemons):
    """events.streams_per_key and events.streams, also with streams
    opened at once; a closed stream frees its place."""
    desk = start_trading(daemons(), events={"streams": 3,
                                            "streams_per_key": 2})
    other = make_key(desk.d, "other", "trader")
    results = []
    go = threading.Barrier(4)

    def open_one():
        go.wait()
        results.append(Stream(desk.d, desk.key))
    ts = [threading.Thread(target=open_one) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok = [s for s in results if s.status == 200]
    refused = [s for s in results if s.status != 200]
    assert len(ok) == 2 and len(refused) == 2, [s.status for s in results]
    for s in refused:
        assert s.status == 429
        assert "events.streams_per_key" in s.body()["error"]
    third = Stream(desk.d, other)
    assert third.status == 200
    fourth = Stream(desk.d, other)
    assert fourth.status == 503
    assert "events.streams" in fourth.body()["error"]
    ok[0].close()
    third.close()

    def reopened():
        s = Stream(desk.d, other)
        good = s.status == 200
        s.close()
        return good
    wait_for(reopened, "a stream's place to be free again")


def test_heartbeat_comments(daemons):
    desk = start_trading(daemons(), events={"heartbeat": 1})
    s = Stream(desk.d, desk.key)
    desk.d.ctl("lockdown", "on")
    s.until(named("lockdown"), "lockdown")
    time.sleep(2.5)
    desk.d.ctl("lockdown", "off")
    s.until(named("lockdown", active=False), "lockdown off")
    assert s.comments >= 1
    s.close()


def test_slow_stream_is_dropped(daemons):
    """A client that reads nothing: once more than events.stream_buffer
    is unsent, its stream is dropped with a log line, and a client that
    reads goes on."""
    desk = start_trading(daemons(), events={"stream_buffer": 65536})
    slow = Stream(desk.d, desk.key, rcvbuf=4096)
    fast = Stream(desk.d, desk.key)
    seen = []
    reader = threading.Thread(target=lambda: seen.extend(
        fast.until(named("order", client_order_id="last"), "the last",
                   limit=100000)))
    reader.start()

    def orders(t):
        for i in range(60):
            filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                              client_order_id=f"s-{t}-{i}"))
    ts = [threading.Thread(target=orders, args=(t,)) for t in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01,
                      client_order_id="last"))
    reader.join(TIMEOUT * 3)
    assert not reader.is_alive()
    desk.d.wait_log(r"events stream of key \d+ dropped: \d+ bytes unsent, "
                    r"more than events\.stream_buffer \(65536\)")
    assert sum(e["event"] == "order" for e in seen) == 361
    slow.close()
    fast.close()

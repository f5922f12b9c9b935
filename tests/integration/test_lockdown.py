"""
heraldctl lockdown on|off: the emergency stop for trading.

While a lockdown is on, every trading request is answered at once with
503 and the code "lockdown", reads keep working, GET /v1/status and
heraldctl status show it (and who turned it on, and since when), and it
survives a restart of heraldd.  Only root and the admin group may turn it
on or off, and each use is logged with who did it.

HTTPS requests go through http.client with the session's certificate;
API keys come from `heraldctl -j key create`.
"""
import http.client
import json
import pwd
import re
import ssl
import time

import pytest

from conftest import (ADMIN_GROUP, MEMBER_USER, NOBODY, TIMEOUT, admin_gid,
                      setpriv, tls_files)

TRADE = {"symbol": "EURUSD", "side": "BUY", "volume": 0.01}
REFUSED = (f"heraldctl: permission denied: uid {NOBODY} is not root and "
           f"not in group {ADMIN_GROUP}\n")
UTC_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


# --- helpers ------------------------------------------------------------------

def api(daemon, method, path, key, body=None):
    """One HTTPS request: (status, headers with lower-case names, JSON)."""
    crt, _ = tls_files()
    ctx = ssl.create_default_context(cafile=str(crt))
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", daemon.port,
                                       timeout=TIMEOUT, context=ctx)
    headers = {"Authorization": f"Bearer {key}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        return r.status, hdrs, json.loads(raw) if raw else None
    finally:
        conn.close()


def trade(daemon, key):
    return api(daemon, "POST", "/trade", key, TRADE)


def assert_lockdown_refusal(answer):
    st, h, body = answer
    assert st == 503, f"expected 503 lockdown, got {answer}"
    assert h.get("content-type") == "application/json", h
    assert isinstance(body, dict) and body.get("code") == "lockdown", body
    assert isinstance(body.get("error"), str) and body["error"], body


def make_key(daemon, name, role):
    r = daemon.ctl("-j", "key", "create", name, "--role", role)
    assert r.returncode == 0, f"heraldctl key create: {r.stderr}"
    return json.loads(r.stdout)["key"]


def lockdown(daemon, state, user=None):
    r = daemon.ctl("lockdown", state, user=user)
    assert r.returncode == 0, f"heraldctl lockdown {state}: {r.stderr}"
    assert r.stdout == f"lockdown {state}\n", r.stdout
    assert r.stderr == ""
    return r


def lockdown_json(daemon):
    st = daemon.status()
    assert isinstance(st.get("broker"), str) and st["broker"], st
    return st["lockdown"]


def restart(daemon):
    daemon.stop()
    daemon.proc = None
    daemon.start()


# --- heraldctl alone ------------------------------------------------------------

@pytest.mark.parametrize("args, reason", [
    ((), "lockdown: on or off is required"),
    (("maybe",), "lockdown: expected on or off, not maybe"),
    (("ON",), "lockdown: expected on or off, not ON"),
    (("on", "now"), "lockdown: unexpected argument: now"),
])
def test_usage_errors_are_one_line(daemon, args, reason):
    # Not started: a bad command is refused before any connection.
    r = daemon.ctl("lockdown", *args)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr == f"heraldctl: {reason}\n", r.stderr


def test_status_shows_off_and_the_broker(running):
    assert lockdown_json(running) == {"active": False, "by": None,
                                      "since": None}
    r = running.ctl("status")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^lockdown off$", r.stdout, re.M), r.stdout
    assert re.search(r"^broker  \S", r.stdout, re.M), r.stdout


# --- the whole story ----------------------------------------------------------------

def test_lockdown_stops_trading_and_survives_a_restart(running):
    key = make_key(running, "bot", "trader")
    before = time.time()

    lockdown(running, "on")
    ld = lockdown_json(running)
    assert ld["active"] is True, ld
    assert ld["by"] == "uid 0 (root)", ld
    assert before - 2 <= ld["since"] <= time.time() + 2, ld
    r = running.ctl("status")
    assert r.returncode == 0, r.stderr
    assert re.search(rf"^lockdown on, by uid 0 \(root\) since {UTC_TIME}$",
                     r.stdout, re.M), r.stdout
    since_utc = time.strftime("%Y-%m-%d %H:%M:%S UTC",
                              time.gmtime(ld["since"]))
    assert since_utc in r.stdout, r.stdout
    running.wait_log(r"control: lockdown on by uid 0 \(root\) pid \d+")

    # A client sees it, is refused trading at once, and can still read.
    st, _, body = api(running, "GET", "/v1/status", key)
    assert st == 200, body
    assert body["lockdown"] is True, body
    assert_lockdown_refusal(trade(running, key))
    st, _, body = api(running, "GET", "/v1/account", key)
    assert st == 200, body

    # Turning it on again changes nothing, not even who or since.
    lockdown(running, "on")
    assert lockdown_json(running) == ld

    # A restart keeps it, and who and since with it.
    restart(running)
    assert lockdown_json(running) == ld
    st, _, body = api(running, "GET", "/v1/status", key)
    assert st == 200 and body["lockdown"] is True, body
    assert_lockdown_refusal(trade(running, key))
    st, _, body = api(running, "GET", "/v1/account", key)
    assert st == 200, body

    # Off: trading resumes.
    lockdown(running, "off")
    assert lockdown_json(running) == {"active": False, "by": None,
                                      "since": None}
    running.wait_log(r"control: lockdown off by uid 0 \(root\) pid \d+")
    st, _, body = api(running, "GET", "/v1/status", key)
    assert st == 200 and body["lockdown"] is False, body
    st, _, body = trade(running, key)
    assert st == 200, body
    assert "retcode" in body, body

    # ... and stays resumed after a restart.
    restart(running)
    assert lockdown_json(running)["active"] is False
    st, _, body = trade(running, key)
    assert st == 200, body


def test_every_trading_request_is_refused(running):
    key = make_key(running, "bot", "trader")
    lockdown(running, "on")
    # Refused at once: the tickets need not exist, nothing is looked up.
    for method, path, body in (
            ("POST", "/trade", TRADE),
            ("POST", "/trade", dict(TRADE, side="SELL", type="limit",
                                    price=1.05)),
            ("POST", "/v1/positions/123456/close", {}),
            ("POST", "/v1/positions/123456/close", {"volume": 0.01}),
            ("POST", "/v1/positions/123456/modify", {"sl": 1.0}),
            ("DELETE", "/v1/orders/123456", None)):
        ans = api(running, method, path, key, body)
        assert ans[0] == 503, (method, path, ans)
        assert_lockdown_refusal(ans)
    # The reads keep working.
    for path in ("/v1/account", "/v1/positions", "/v1/orders",
                 "/v1/symbols/EURUSD", "/v1/status"):
        st, _, body = api(running, "GET", path, key)
        assert st == 200, (path, body)


# --- who may ----------------------------------------------------------------------

def test_admin_group_member_is_recorded_by_name(running):
    uid = pwd.getpwnam(MEMBER_USER).pw_uid
    member = setpriv(uid, admin_gid(), groups="init")
    lockdown(running, "on", user=member)
    ld = lockdown_json(running)
    assert ld["active"] is True
    assert ld["by"] == f"uid {uid} ({MEMBER_USER})", ld
    running.wait_log(rf"control: lockdown on by uid {uid} "
                     rf"\({re.escape(MEMBER_USER)}\) pid \d+")
    lockdown(running, "off", user=member)
    assert lockdown_json(running)["active"] is False


def test_outsider_cannot_lock_down(running):
    # dac_override gets past the socket's mode: SO_PEERCRED says no.
    user = setpriv(NOBODY, NOBODY, caps=["dac_override"])
    for state in ("on", "off"):
        r = running.ctl("lockdown", state, user=user)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stdout == ""
        assert r.stderr == REFUSED, r.stderr
    assert lockdown_json(running)["active"] is False
    assert "control: lockdown" not in running.log()

    lockdown(running, "on")
    r = running.ctl("lockdown", "off", user=user)
    assert r.returncode == 1 and r.stderr == REFUSED, r.stderr
    assert lockdown_json(running)["active"] is True

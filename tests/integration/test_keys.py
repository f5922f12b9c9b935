"""
API keys end to end: heraldctl creates, lists, revokes and rotates keys
in the monitor's SQLite database; real TLS clients use them; the monitor
applies each key's role.  Expiry is driven through the real database file
while the daemon is stopped (the monitor reloads its index at start).
"""
import json
import sqlite3
import time

from conftest import TIMEOUT, wait_for
from test_http import (assert_error, bearer, exchange, get, make_key, post,
                       start)

TRADE = {"symbol": "EURUSD", "side": "BUY", "volume": 0.1}


def status_of(daemon, key, header=None):
    h = header if header is not None else bearer(key)
    return exchange(daemon, get("/v1/status", h))


def keys(daemon):
    r = daemon.ctl("-j", "key", "list")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    return doc["keys"] if isinstance(doc, dict) else doc


def test_create_use_list_revoke(daemon):
    start(daemon)
    key = make_key(daemon, "alice", "trader")
    assert key.startswith("hk_") and len(key) >= 40
    st, _, body = status_of(daemon, key)
    assert st == 200 and body["key"] == {"name": "alice", "role": "trader"}
    # Herald's X-Api-Key header works the same.
    st, _, body = status_of(daemon, None, f"X-Api-Key: {key}")
    assert st == 200 and body["key"]["name"] == "alice"

    # The list shows the key, never the key or its hash.
    r = daemon.ctl("key", "list")
    assert r.returncode == 0 and "alice" in r.stdout
    assert key not in r.stdout and key[3:] not in r.stdout
    listed = keys(daemon)
    assert [k["name"] for k in listed] == ["alice"]
    assert key not in json.dumps(listed)

    # The database holds the SHA-256 only.
    raw = daemon.database.read_bytes()
    assert key.encode() not in raw

    # Revoked: refused on the very next request.
    r = daemon.ctl("key", "revoke", "alice")
    assert r.returncode == 0, r.stderr
    assert_error(status_of(daemon, key), 401, "key_revoked")
    daemon.wait_log(r"key alice .*revoked|revoked .*alice")


def test_duplicate_name_and_bad_role_refused(daemon):
    start(daemon)
    make_key(daemon, "bob", "viewer")
    r = daemon.ctl("key", "create", "bob", "--role", "viewer")
    assert r.returncode == 1 and "bob" in r.stderr
    r = daemon.ctl("key", "create", "carol", "--role", "root")
    assert r.returncode == 1 and "role" in r.stderr


def test_roles_are_enforced_by_the_monitor(daemon):
    start(daemon)
    viewer = make_key(daemon, "v", "viewer")
    trader = make_key(daemon, "t", "trader")
    admin = make_key(daemon, "a", "admin")
    # viewer: no write_positions.
    assert_error(exchange(daemon, post("/trade", TRADE, bearer(viewer))),
                 403, "forbidden", r"write_positions.*viewer")
    # trader and admin get through the policy to the broker.
    for k in (trader, admin):
        st, _, body = exchange(daemon, post("/trade", TRADE, bearer(k)))
        assert st == 200 and body["retcode"] == 10009, body
    # view_logs, the audit trail: admin's alone.
    for k in (viewer, trader):
        assert_error(exchange(daemon, get("/v1/audit", bearer(k))),
                     403, "forbidden", r"view_logs")
    st, _, body = exchange(daemon, get("/v1/audit", bearer(admin)))
    assert st == 200 and body["rows"], body
    # No key at all, and a key nobody issued.
    st, h, body = exchange(daemon, get("/v1/status"))
    assert_error((st, h, body), 401, "unauthorized")
    assert h.get("www-authenticate", "").startswith("Bearer")
    assert_error(status_of(daemon, "hk_" + "A" * 43), 401, "unauthorized")


def test_rotate_with_grace_then_without(daemon):
    start(daemon)
    old = make_key(daemon, "svc", "trader")
    r = daemon.ctl("-j", "key", "rotate", "svc", "--grace", "1")
    assert r.returncode == 0, r.stderr
    new = json.loads(r.stdout)["key"]
    assert new != old
    # Both work during the grace.
    assert status_of(daemon, old)[0] == 200
    assert status_of(daemon, new)[0] == 200
    # A rotation with no grace ends the previous key at once.
    r = daemon.ctl("-j", "key", "rotate", "svc", "--grace", "0")
    assert r.returncode == 0, r.stderr
    newest = json.loads(r.stdout)["key"]
    assert status_of(daemon, newest)[0] == 200
    assert_error(status_of(daemon, new), 401, "key_expired")


def test_list_shows_rotating_and_revoked_keys(daemon):
    start(daemon)
    make_key(daemon, "svc", "trader")
    make_key(daemon, "old", "viewer")
    assert daemon.ctl("key", "rotate", "svc", "--grace", "1").returncode == 0
    assert daemon.ctl("key", "revoke", "old").returncode == 0
    states = sorted((k["name"], k["state"]) for k in keys(daemon))
    assert states == [("old", "revoked"), ("svc", "active"),
                      ("svc", "rotating")], states


def test_operator_mistakes_are_named_and_change_nothing(daemon):
    start(daemon)
    key = make_key(daemon, "alice", "trader")
    for args, why in [
            (("key", "revoke", "bob"), "no active key named bob"),
            (("key", "revoke", "99"), "no key with id 99"),
            (("key", "rotate", "bob"), "bob"),
            (("ban", "del", "192.0.2.77"), "192.0.2.77"),
            (("ban", "del", "not-an-address"), "not-an-address")]:
        r = daemon.ctl(*args)
        assert r.returncode == 1, (args, r.stdout)
        assert why in r.stderr, (args, r.stderr)
    daemon.wait_log(r"^monitor: control: key revoke bob by uid 0 "
                    r"refused: no active key named bob$")
    daemon.wait_log(r"^monitor: control: key rotate bob by uid 0 refused: ")
    # Revoked twice: the second time says so.
    assert daemon.ctl("key", "revoke", "1").returncode == 0
    r = daemon.ctl("key", "revoke", "1")
    assert r.returncode == 1 and "already revoked" in r.stderr, r.stderr
    assert_error(status_of(daemon, key), 401, "key_revoked")


def test_keys_and_expiry_survive_a_restart(daemon):
    start(daemon)
    keep = make_key(daemon, "keep", "viewer")
    gone = make_key(daemon, "gone", "viewer")
    daemon.stop()
    # Age one key past its expiry in the real database file.
    db = sqlite3.connect(str(daemon.database))
    with db:
        db.execute("UPDATE api_keys SET expires = ? WHERE name = 'gone'",
                   (int(time.time()) - 10,))
    db.close()
    daemon.proc = None
    daemon.start()
    assert status_of(daemon, keep)[0] == 200
    assert_error(status_of(daemon, gone), 401, "key_expired")
    states = {k["name"]: k["state"] for k in keys(daemon)}
    assert states == {"keep": "active", "gone": "expired"}


def test_ban_list_and_del(daemon):
    start(daemon, rate_limit={"auth_failures": 3, "ban_time": 120})
    good = make_key(daemon, "good", "viewer")
    src = "127.0.0.9"
    for i in range(3):
        exchange(daemon, get("/v1/status", bearer(f"hk_wrong{i}")),
                 source=src)
    assert_error(exchange(daemon, get("/v1/status", bearer(good)),
                          source=src), 429, "source_banned")
    r = daemon.ctl("-j", "ban", "list")
    assert r.returncode == 0 and src in r.stdout, r.stdout
    r = daemon.ctl("ban", "del", src)
    assert r.returncode == 0, r.stderr
    st = wait_for(lambda: (lambda a: a if a[0] == 200 else None)(
        exchange(daemon, get("/v1/status", bearer(good)), source=src)),
        "the lifted ban to reach net", TIMEOUT)
    assert st[0] == 200
    assert src not in daemon.ctl("ban", "list").stdout

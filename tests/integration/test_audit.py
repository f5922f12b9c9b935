"""
The tamper-evident audit trail (herald.yaml "audit:", heraldctl audit).

Each kind of event is performed for real (a bad key and a ban, key
create, rotate and revoke, a reload, lockdown on and off, orders, a risk
refusal) and read back with heraldctl audit show and export.  Then the
database file is edited with python's sqlite3 on a stopped daemon:
a changed row, a deleted row, an inserted row and two rows swapped are
each found by heraldctl audit verify, which names the first bad row, and
by the next start, which logs a SECURITY line and goes on.  Retention
prunes through a checkpoint the chain is still verified across.
"""
import hashlib
import json
import os
import re
import sqlite3
import stat
import time

import pytest

from conftest import TIMEOUT
from test_lockdown import api, lockdown, make_key, trade


# --- helpers ------------------------------------------------------------------

def export(daemon, *filters):
    r = daemon.ctl("audit", "export", *filters)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def verify(daemon):
    return daemon.ctl("audit", "verify")


def types(rows):
    return [r["type"] for r in rows]


def restart(daemon):
    daemon.stop()
    daemon.proc = None
    daemon.start()


def edit(daemon, *sql):
    """Statements on the stopped daemon's database, as an intruder would."""
    assert not daemon.running()
    db = sqlite3.connect(str(daemon.database))
    try:
        for s in sql:
            db.execute(s)
        db.commit()
    finally:
        db.close()


def rows_of(daemon):
    db = sqlite3.connect(str(daemon.database))
    try:
        return db.execute("SELECT id, type FROM audit ORDER BY id").fetchall()
    finally:
        db.close()


# --- events -------------------------------------------------------------------

def test_every_kind_of_event_is_recorded(running):
    d = running
    admin = make_key(d, "boss", "admin")
    trader = make_key(d, "bot", "trader")
    st, _, body = trade(d, trader)
    assert st == 200, body
    st, _, body = api(d, "POST", "/trade", trader,
                      {"symbol": "EURUSD", "side": "SELL", "volume": 99})
    assert st == 403, body
    assert d.ctl("key", "rotate", "bot").returncode == 0
    assert d.ctl("key", "revoke", "boss").returncode == 0
    assert d.ctl("reload").returncode == 0
    lockdown(d, "on")
    lockdown(d, "off")
    for _ in range(6):
        api(d, "GET", "/v1/status", "hk_" + "x" * 43)

    rows = export(d)
    seen = types(rows)
    for t in ("daemon.start", "key.create", "key.rotate", "key.revoke",
              "config.reload", "lockdown.on", "lockdown.off",
              "order.accepted", "order", "order.refused", "auth.failure",
              "auth.ban"):
        assert t in seen, f"no {t} row in {seen}"
    # Ids follow each other; every row has a MAC.
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["mac"]) for r in rows)

    create = next(r for r in rows if r["type"] == "key.create")
    assert create["actor"] == f"uid 0 pid {create['actor'].split()[-1]}"
    assert create["source"] == "control" and create["key"] == "boss"
    assert create["detail"]["role"] == "admin"

    order = next(r for r in rows if r["type"] == "order")
    assert order["actor"] == "key bot" and order["key"] == "bot"
    assert order["source"] == "127.0.0.1"
    det = order["detail"]
    assert det["symbol"] == "EURUSD" and det["side"] == "BUY"
    assert det["volume"] == 0.01 and det["type"] == "market"
    assert det["retcode"] == 10009 and det["order"] > 0
    assert det["client_order_id"].startswith("auto-")
    accepted = next(r for r in rows if r["type"] == "order.accepted")
    assert accepted["id"] < order["id"]
    assert accepted["detail"]["command_id"] == det["command_id"]

    refused = next(r for r in rows if r["type"] == "order.refused")
    assert refused["detail"]["volume"] == 99
    assert "max_volume" in refused["detail"]["reason"]

    reload_ = next(r for r in rows if r["type"] == "config.reload")
    assert reload_["detail"]["result"] == "applied"
    assert reload_["detail"]["sha256"] == hashlib.sha256(
        d.config.read_bytes()).hexdigest()

    ban = next(r for r in rows if r["type"] == "auth.ban")
    assert ban["source"] == "127.0.0.1" and ban["detail"]["failures"] >= 5
    assert verify(d).returncode == 0


def test_every_event_survives_a_restart(running):
    make_key(running, "keep", "viewer")
    before = export(running)
    restart(running)
    after = export(running)
    assert after[:len(before)] == before
    assert types(after)[len(before):][:2] == ["daemon.stop", "daemon.start"]
    assert verify(running).returncode == 0


def test_show_filters_and_pages(running):
    d = running
    for i in range(7):
        make_key(d, f"k{i}", "viewer")
    r = d.ctl("-j", "audit", "show", "--type", "key.create", "--limit", "3")
    assert r.returncode == 0, r.stderr
    page = json.loads(r.stdout)
    assert [x["key"] for x in page["rows"]] == ["k0", "k1", "k2"]
    assert page["next"] == page["rows"][-1]["id"]
    r = d.ctl("-j", "audit", "show", "--type", "key.create", "--limit", "3",
              "--cursor", str(page["next"]))
    page2 = json.loads(r.stdout)
    assert [x["key"] for x in page2["rows"]] == ["k3", "k4", "k5"]
    # More than one reply's worth (40) pages through on one connection.
    for i in range(45):
        make_key(d, f"m{i}", "viewer")
    rows = export(d, "--type", "key.create")
    assert len(rows) == 52
    assert [x["key"] for x in export(d, "--key", "m44")] == ["m44"]
    assert export(d, "--since", "2000-01-01T00:00:00Z")
    assert export(d, "--since", str(int(time.time()) + 3600)) == []
    text = d.ctl("audit", "show", "--limit", "2")
    assert text.returncode == 0 and "more: heraldctl audit show --cursor" \
        in text.stdout
    bad = d.ctl("audit", "show", "--type", "Key")
    assert bad.returncode == 1 and "--type Key" in bad.stderr
    bad = d.ctl("audit", "show", "--limit", "0")
    assert bad.returncode == 1 and "--limit" in bad.stderr


def test_key_file_created_root_only(running):
    st = os.stat(running.audit_key)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0
    assert re.fullmatch(rb"[0-9a-f]{64}\n", running.audit_key.read_bytes())


def test_key_file_with_loose_mode_refused(daemon):
    daemon.audit_key.write_text("ab" * 32 + "\n")
    os.chmod(daemon.audit_key, 0o644)
    daemon.expect_exit = None
    daemon.start(wait=False)
    assert daemon.wait_exit() != 0
    assert "audit.key_file" in daemon.log() and "0600" in daemon.log()


def test_head_logged_at_start_and_shutdown(running):
    d = running
    d.wait_log(r"audit: chain head at start: id \d+ mac [0-9a-f]{64}")
    make_key(d, "x", "viewer")
    d.stop()
    m = re.search(r"audit: chain head at shutdown: id (\d+) mac ([0-9a-f]{64})",
                  d.log())
    assert m, d.log()
    last = rows_of(d)[-1]
    assert int(m.group(1)) == last[0] and last[1] == "daemon.stop"


def test_head_logged_every_interval(daemon):
    daemon.write_config(audit={"key_file": str(daemon.audit_key),
                               "head_interval": 10})
    daemon.start()
    daemon.wait_log(r"audit: chain head now: id \d+", timeout=TIMEOUT + 15)


# --- tampering ----------------------------------------------------------------

@pytest.fixture
def trail(daemon):
    """A daemon with a few rows, stopped: (daemon, rows by id)."""
    daemon.start()
    for i in range(4):
        make_key(daemon, f"t{i}", "viewer")
    daemon.stop()
    daemon.proc = None
    return daemon, rows_of(daemon)


def broken_at(daemon, row, why):
    daemon.start()
    r = verify(daemon)
    assert r.returncode == 1, r.stdout
    assert f"broken at row {row}: " in r.stderr and why in r.stderr, r.stderr
    daemon.wait_log(r"SECURITY: audit: the audit trail in .* does not verify: "
                    rf"row {row}: ")
    # It goes on: new rows chain on, the break stays named.
    make_key(daemon, "after", "viewer")
    assert f"broken at row {row}: " in verify(daemon).stderr


def test_edited_row_is_found(trail):
    d, rows = trail
    victim = next(i for i, t in rows if t == "key.create")
    edit(d, f"UPDATE audit SET detail = replace(detail, 'viewer', 'admin') "
            f"WHERE id = {victim}")
    broken_at(d, victim, "its MAC does not check")


def test_deleted_row_is_found(trail):
    d, rows = trail
    victim = rows[2][0]
    edit(d, f"DELETE FROM audit WHERE id = {victim}")
    broken_at(d, victim + 1, f"rows {victim} to {victim} are missing")


def test_inserted_row_is_found(trail):
    d, rows = trail
    # Make room for it, keeping the MACs: renumber the tail up by one.
    at = rows[2][0]
    edit(d, f"UPDATE audit SET id = id + 1000 WHERE id >= {at}",
         f"UPDATE audit SET id = id - 999 WHERE id >= {at + 1000}",
         f"INSERT INTO audit (id, time, type, actor, key, source, detail, "
         f"mac) SELECT {at}, time, type, actor, key, source, detail, mac "
         f"FROM audit WHERE id = {at - 1}")
    broken_at(d, at, "its MAC does not check")


def test_reordered_rows_are_found(trail):
    d, rows = trail
    a, b = rows[1][0], rows[3][0]
    edit(d, f"UPDATE audit SET id = -1 WHERE id = {a}",
         f"UPDATE audit SET id = {a} WHERE id = {b}",
         f"UPDATE audit SET id = {b} WHERE id = -1")
    broken_at(d, a, "its MAC does not check")


def test_intact_trail_verifies_across_restarts(trail):
    d, rows = trail
    d.start()
    r = verify(d)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"audit trail verified: \d+ rows; head id \d+ mac "
                        r"[0-9a-f]{64}\n", r.stdout)
    assert "SECURITY: audit" not in d.log()


# --- retention ----------------------------------------------------------------

def test_retention_prunes_through_a_checkpoint(trail):
    d, rows = trail
    # Age the first three rows by two days; audit.days 1 prunes them.
    old = int(time.time()) - 2 * 86400
    edit(d, f"UPDATE audit SET time = {old} WHERE id <= 3")
    d.write_config(audit={"key_file": str(d.audit_key), "days": 1})
    d.start()
    d.wait_log(r"audit: pruned 3 rows older than 1 days through a checkpoint")
    # The aged rows fail their MACs, but they are gone: the rest verifies.
    r = verify(d)
    assert r.returncode == 0, r.stderr
    left = export(d)
    assert left[0]["id"] == 4
    cp = next(x for x in left if x["type"] == "audit.checkpoint")
    assert cp["detail"]["through"] == 3 and cp["detail"]["pruned"] == 3
    # Deleting the first row left is still found.
    d.stop()
    d.proc = None
    edit(d, "DELETE FROM audit WHERE id = 4")
    d.start()
    r = verify(d)
    assert r.returncode == 1 and "rows 4 to 4 are missing" in r.stderr


# --- heraldctl ------------------------------------------------------------------

def test_verify_json(running):
    r = running.ctl("-j", "audit", "verify")
    assert r.returncode == 0
    v = json.loads(r.stdout)
    assert v["ok"] is True and v["rows"] >= 1 and v["bad_id"] == 0


# --- GET /v1/audit --------------------------------------------------------------

def test_api_reads_the_trail(running):
    d = running
    admin = make_key(d, "root-api", "admin")
    trader = make_key(d, "bot", "trader")
    viewer = make_key(d, "eye", "viewer")
    assert trade(d, trader)[0] == 200
    st, _, body = api(d, "GET", "/v1/audit", admin)
    assert st == 200, body
    rows = body["rows"]
    assert body["next"] is None
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    # The same rows heraldctl exports, MACs and all.
    want = {r["id"]: r for r in export(d)}
    for r in rows:
        w = want[r["id"]]
        assert (r["type"], r["actor"], r["key"], r["source"], r["detail"],
                r["mac"]) == (w["type"], w["actor"], w["key"], w["source"],
                              w["detail"], w["mac"])
        assert r["time"] == w["time"].replace("Z", ".000Z")
    st, _, body = api(d, "GET", "/v1/audit?type=order&key=bot", admin)
    assert st == 200
    assert [r["type"] for r in body["rows"]] == ["order"]
    assert body["rows"][0]["detail"]["retcode"] == 10009
    # The reading itself is not an event; permission is admin's.
    for key in (trader, viewer):
        st, _, body = api(d, "GET", "/v1/audit", key)
        assert st == 403 and body["code"] == "forbidden", body
        assert "view_logs" in body["error"]


def test_api_pages_with_the_cursor(running):
    d = running
    admin = make_key(d, "pager", "admin")
    for i in range(9):
        make_key(d, f"p{i}", "viewer")
    seen, cursor = [], None
    while True:
        path = "/v1/audit?type=key.create&limit=4"
        if cursor is not None:
            path += f"&cursor={cursor}"
        st, _, body = api(d, "GET", path, admin)
        assert st == 200, body
        assert len(body["rows"]) <= 4
        seen += [r["key"] for r in body["rows"]]
        cursor = body["next"]
        if cursor is None:
            break
        assert cursor == body["rows"][-1]["id"]
    assert seen == ["pager"] + [f"p{i}" for i in range(9)]
    since = int(time.time()) + 3600
    st, _, body = api(d, "GET", f"/v1/audit?since={since}", admin)
    assert st == 200 and body == {"rows": [], "next": None}
    st, _, body = api(d, "GET", "/v1/audit?since=2000-01-01T00:00:00Z&"
                      "limit=1", admin)
    assert st == 200 and len(body["rows"]) == 1 and body["next"] == 1


def test_api_refuses_bad_filters(running):
    admin = make_key(running, "strict", "admin")
    for q, field in (("type=Order", "type"), ("since=soon", "since"),
                     ("cursor=0", "cursor"), ("limit=1001", "limit"),
                     ("key=a%20b", "key"), ("colour=red", "colour")):
        st, _, body = api(running, "GET", f"/v1/audit?{q}", admin)
        assert st == 400 and body["code"] == "bad_request", (q, body)
        assert f"'{field}'" in body["error"], (q, body)


def test_api_pages_concurrently(running):
    """Readers paging while keys are created see rising, unique ids."""
    import threading
    d = running
    admin = make_key(d, "many", "admin")
    errors = []

    def reader():
        try:
            cursor, last = 0, 0
            for _ in range(20):
                path = "/v1/audit?limit=3" + (f"&cursor={cursor}"
                                              if cursor else "")
                st, _, body = api(d, "GET", path, admin)
                assert st == 200, body
                for r in body["rows"]:
                    assert r["id"] > last
                    last = r["id"]
                if body["next"] is None:
                    break
                cursor = body["next"]
        except AssertionError as e:
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(5):
        make_key(d, f"c{i}", "viewer")
    for t in threads:
        t.join()
    assert not errors, errors


# --- the MT5 bridge ---------------------------------------------------------------

def test_bridge_connects_and_refusals(daemons):
    from test_bridge import Bridge
    b = Bridge(daemons())
    try:
        assert b.peer(key=bytes(32)).refused_with() == "auth_failed"
        assert b.peer(login=87654321).refused_with() == "account_mismatch"
        b.ea()
        b.d.wait_log("bridge: EA authenticated")
        rows = export(b.d)
    finally:
        b.close()
    bridge = [r for r in rows if r["type"].startswith("bridge.")]
    assert [(r["type"], r["detail"].get("reason")) for r in bridge] == [
        ("bridge.refused", "auth_failed"),
        ("bridge.refused", "account_mismatch"),
        ("bridge.connect", None)], bridge
    assert all(r["actor"] == "ea" and r["source"] == "bridge"
               for r in bridge)
    assert bridge[1]["detail"]["login"] == 87654321

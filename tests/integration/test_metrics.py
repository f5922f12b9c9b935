"""
GET /metrics (issue 11 item 7, and issue 14's storage metric): the
Prometheus text exposition, read with a real parser (Debian's
python3-prometheus-client), behind the read_metrics permission; the
counters move with requests, orders and failed authentications; the
storage gauge goes to 0 while the database is locked beyond
database.busy_timeout and back to 1 after, counting the fault.

net counts what it answers and its connections, the monitor its own
(authentication, orders, the journal, storage); one renderer in net
puts both into the text.
"""
import http.client
import json
import re
import ssl

from prometheus_client.parser import text_string_to_metric_families

from conftest import TIMEOUT, tls_files, wait_for
from test_http import assert_error, make_key
from test_storage_faults import (BACK_LINE, FAULT_LINE, Holder,
                                 is_refusal, order, start_on)
from test_trading import filled, start_trading

CTYPE = "text/plain; version=0.0.4; charset=utf-8"

# Every family and its type; the bridge's round trip only with a bridge.
FAMILIES = {
    "herald_build_info": "gauge",
    "herald_http_requests": "counter",
    "herald_http_request_duration_seconds": "histogram",
    "herald_http_connections_open": "gauge",
    "herald_http_connections": "counter",
    "herald_auth_failures": "counter",
    "herald_orders": "counter",
    "herald_order_duration_seconds": "histogram",
    "herald_journal_commit_duration_seconds": "histogram",
    "herald_journal_batch_size": "histogram",
    "herald_storage_faults": "counter",
    "herald_bans_active": "gauge",
    "herald_broker_connected": "gauge",
    "herald_lockdown": "gauge",
    "herald_storage_available": "gauge",
    "herald_tls_certificate_expiry_seconds": "gauge",
}


def get(daemon, key=None, path="/metrics"):
    """(status, headers with lower-case names, body text)."""
    crt, _ = tls_files()
    ctx = ssl.create_default_context(cafile=str(crt))
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", daemon.port,
                                       timeout=TIMEOUT, context=ctx)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        raw = r.read().decode()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, raw
    finally:
        conn.close()


def scrape(daemon, key):
    """The families by name, through prometheus_client's parser."""
    st, h, text = get(daemon, key)
    assert st == 200, (st, text)
    assert h["content-type"] == CTYPE, h
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(fams, sample, **labels):
    """A sample's value; 0 when the series is not there yet."""
    fam = re.sub(r"_(total|bucket|sum|count)$", "", sample)
    for s in fams[fam].samples if fam in fams else ():
        if s.name == sample and all(s.labels.get(k) == str(v)
                                    for k, v in labels.items()):
            return s.value
    return 0


def test_metrics_format_and_permission(daemons):
    d = daemons()
    desk = start_trading(d)
    viewer = make_key(d, "watch", "viewer")
    fams = scrape(d, viewer)
    for name, typ in FAMILIES.items():
        assert name in fams, f"{name} missing: {sorted(fams)}"
        assert fams[name].type == typ, (name, fams[name].type)
    assert "herald_bridge_round_trip_seconds" not in fams
    assert value(fams, "herald_build_info", version="0.1.0") == 1
    assert value(fams, "herald_broker_connected") == 1
    assert value(fams, "herald_storage_available") == 1
    assert value(fams, "herald_lockdown") == 0
    # tls_files() makes a 90-day certificate.
    left = value(fams, "herald_tls_certificate_expiry_seconds")
    assert 89 * 86400 < left <= 90 * 86400, left
    # The histograms are whole: cumulative buckets ending at +Inf.
    for name in ("herald_http_request_duration_seconds",
                 "herald_journal_commit_duration_seconds",
                 "herald_journal_batch_size"):
        buckets = [s for s in fams[name].samples
                   if s.name == name + "_bucket"]
        counts = [s.value for s in buckets]
        assert counts == sorted(counts), (name, counts)
        assert buckets[-1].labels["le"] == "+Inf", buckets[-1]
        assert counts[-1] == value(fams, name + "_count"), name
    # At least this scrape's own connection is open.
    assert value(fams, "herald_http_connections_open") >= 1
    # A trader key and an admin key may read them too.
    assert get(d, desk.key)[0] == 200
    assert get(d, make_key(d, "boss", "admin"))[0] == 200

    # No key: 401 with the JSON error and its challenge.
    st, h, text = get(d)
    assert st == 401, (st, text)
    assert h["content-type"] == "application/json", h
    assert h["www-authenticate"].startswith("Bearer"), h
    assert json.loads(text)["code"] == "unauthorized", text
    # A key that is not one: 401 too.
    st, _, text = get(d, "hk_" + "A" * 43)
    assert st == 401 and json.loads(text)["code"] == "unauthorized", text


def test_counters_move(daemons):
    d = daemons()
    desk = start_trading(d)
    viewer = make_key(d, "watch", "viewer")
    before = scrape(d, viewer)

    filled(desk.trade(symbol="EURUSD", side="BUY", volume=0.01))
    filled(desk.trade(symbol="EURUSD", side="SELL", volume=0.01))
    # Refused by the risk rules before MT5: no retcode.
    st, _, b = desk.trade(symbol="GBPUSD", side="BUY", volume=0.01)
    assert st == 403 and b["code"] == "risk_refused", b
    for _ in range(2):
        st, _, text = get(d, "hk_" + "B" * 43)
        assert st == 401, text
    assert get(d, path="/nowhere")[0] == 404

    after = scrape(d, viewer)

    def moved(sample, **labels):
        return value(after, sample, **labels) - \
            value(before, sample, **labels)

    assert moved("herald_orders_total", status=200, retcode=10009) == 2
    assert moved("herald_orders_total", status=403, retcode=0) == 1
    assert moved("herald_order_duration_seconds_count") == 2
    assert moved("herald_auth_failures_total") == 2
    assert moved("herald_http_requests_total", route="/trade",
                 method="POST", status=200) == 2
    assert moved("herald_http_requests_total", route="/trade",
                 method="POST", status=403) == 1
    assert moved("herald_http_requests_total", route="unmatched",
                 method="other", status=404) == 1
    # The scrape before is counted once it was answered.
    assert moved("herald_http_requests_total", route="/metrics",
                 method="GET", status=200) >= 1
    assert moved("herald_http_request_duration_seconds_count") >= 6
    # Each order is journaled, then its answer: two commits at least.
    assert moved("herald_journal_commit_duration_seconds_count") >= 2
    assert moved("herald_journal_batch_size_sum") >= 4
    assert moved("herald_http_connections_total") >= 6


def test_storage_metric_flips(daemons, workdir):
    """A lock held beyond database.busy_timeout (test_storage_faults'
    set-up): the gauge is 0 during the fault, which is counted, and 1
    again once the monitor commits again."""
    d = daemons()
    desk = start_on(d, workdir / "herald.db", busy_timeout=200)
    viewer = make_key(d, "watch", "viewer")
    filled(order(desk, "before"))
    fams = scrape(d, viewer)
    assert value(fams, "herald_storage_available") == 1
    assert value(fams, "herald_storage_faults_total") == 0
    h = Holder(d.database)
    try:
        assert is_refusal(order(desk, "locked"))
        d.wait_log(FAULT_LINE)
        fams = scrape(d, viewer)
        assert value(fams, "herald_storage_available") == 0
        assert value(fams, "herald_storage_faults_total") == 1
        assert value(fams, "herald_orders_total", status=503,
                     retcode=0) >= 1
    finally:
        h.release()
    d.wait_log(BACK_LINE)
    fams = wait_for(lambda: (lambda f: f if value(
        f, "herald_storage_available") == 1 else None)(scrape(d, viewer)),
        "herald_storage_available 1")
    assert value(fams, "herald_storage_faults_total") == 1

"""
Sources (issue 9 item 7) on the real daemon: rate_limit.exempt,
rate_limit.ipv6_prefix and TLS handshakes counted against
rate_limit.per_source.

The IPv6 tests run in a network namespace of their own (unshare(2)
CLONE_NEWNET, undone with setns(2) after the test): its loopback carries
fd00::1 and fd00::2, one /64, and fd01::1, another; heraldd is started
inside it and listens on fd00::1.
"""
import os
import socket
import ssl
import subprocess

import pytest

from conftest import TIMEOUT, network_namespace, wait_for
from test_http import (Client, assert_error, bearer, exchange, get,
                       make_key, tls_context)
from test_trading import yaml_text


@pytest.fixture
def netns():
    """This process in a new network namespace until the test ends."""
    with network_namespace(["addr", "add", "fd00::1/64", "dev", "lo", "nodad"],
                           ["addr", "add", "fd00::2/64", "dev", "lo", "nodad"],
                           ["addr", "add", "fd01::1/64", "dev", "lo",
                            "nodad"]):
        yield


class Client6(Client):
    """A TLS connection to heraldd on fd00::1 from source."""

    def __init__(self, daemon, source, timeout=TIMEOUT):
        raw = socket.create_connection(("fd00::1", daemon.port),
                                       timeout=timeout,
                                       source_address=(source, 0))
        self.sock = tls_context().wrap_socket(raw)
        self.buf = b""


def start(daemon, **sections):
    """With lists of addresses: test_trading's YAML writer."""
    daemon.write_config(text=yaml_text(daemon.settings(**sections)))
    daemon.start()
    return daemon


def exchange6(daemon, data, source):
    c = Client6(daemon, source)
    try:
        c.send(data)
        return c.answer()
    finally:
        c.close()


def handshake(daemon, source):
    """A TLS handshake and nothing else: True if it completed."""
    try:
        Client(daemon, source).close()
        return True
    except (ssl.SSLError, ConnectionError, OSError):
        return False


def bad_keys(daemon, n, send):
    """n requests with wrong keys; their answers."""
    return [send(daemon, get("/v1/status", bearer(f"hk_wrong{i}")))
            for i in range(n)]


def test_exempt_source_with_bad_keys_is_never_banned(daemon):
    """A source in rate_limit.exempt trying bad keys gets its 401s, is
    never banned, and its good key is served; nor is it rate limited.
    A source not in the list is banned as before."""
    start(daemon, rate_limit={"auth_failures": 3, "ban_time": 60,
                              "per_source": 12,
                              "exempt": ["127.0.0.5", "10.0.0.0/8"]})
    good = make_key(daemon, "good", "viewer")

    def from5(d, data):
        return exchange(d, data, source="127.0.0.5")
    for ans in bad_keys(daemon, 10, from5):
        assert_error(ans, 401, "unauthorized")
    assert from5(daemon, get("/v1/status", bearer(good)))[0] == 200
    # Over per_source (12, a handshake and a request each) and served.
    for _ in range(10):
        assert from5(daemon, get("/healthz"))[0] == 200
    r = daemon.ctl("-j", "ban", "list")
    assert r.returncode == 0 and "127.0.0.5" not in r.stdout, r.stdout
    daemon.wait_log(r"auth: refused unauthorized from 127\.0\.0\.5")

    def from6(d, data):
        return exchange(d, data, source="127.0.0.6")
    answers = bad_keys(daemon, 4, from6)
    assert_error(answers[-1], 429, "source_banned")
    assert "127.0.0.6" in daemon.ctl("-j", "ban", "list").stdout


def test_tls_handshakes_count_against_per_source(daemon):
    """Each TLS handshake counts against rate_limit.per_source: past it
    a connection is closed before its handshake; other sources and
    exempt ones are not affected."""
    start(daemon, rate_limit={"per_source": 4, "window": 60,
                              "exempt": ["127.0.0.9"]})
    src = "127.0.0.7"
    for _ in range(4):
        assert handshake(daemon, src)
    assert not handshake(daemon, src)
    daemon.wait_log(r"127\.0\.0\.7: closed before its TLS handshake")
    # Requests count in the same window: one connection, one request,
    # from a fresh source, with room for two more requests.
    c = Client(daemon, source="127.0.0.8")
    for _ in range(3):
        c.send(get("/healthz"))
        assert c.answer()[0] == 200
    c.send(get("/healthz"))
    assert_error(c.answer(), 429, "rate_limited", "per_source")
    c.close()
    for _ in range(10):
        assert exchange(daemon, get("/healthz"), source="127.0.0.9")[0] \
            == 200


def ipv6_conf(daemon, **rate):
    rate.setdefault("auth_failures", 3)
    rate.setdefault("ban_time", 60)
    return dict(listen=[{"address": "127.0.0.1", "port": daemon.port},
                        {"address": "fd00::1", "port": daemon.port}],
                rate_limit=rate)


def test_ipv6_sources_banned_by_prefix(netns, daemon):
    """Bad keys from fd00::2 ban its /64: fd00::1 is refused too, fd01::1
    is not; the ban is listed as fd00::/64 and lifted by any address in
    it."""
    start(daemon, **ipv6_conf(daemon))
    good = make_key(daemon, "good", "viewer")

    def from2(d, data):
        return exchange6(d, data, "fd00::2")
    answers = bad_keys(daemon, 4, from2)
    assert_error(answers[-1], 429, "source_banned")
    banned = wait_for(lambda: (lambda a: a if a[0] == 429 else None)(
        exchange6(daemon, get("/v1/status", bearer(good)), "fd00::1")),
        "net to refuse the whole /64")
    assert_error(banned, 429, "source_banned")
    assert exchange6(daemon, get("/v1/status", bearer(good)),
                     "fd01::1")[0] == 200
    r = daemon.ctl("-j", "ban", "list")
    assert r.returncode == 0 and "fd00::/64" in r.stdout, r.stdout
    r = daemon.ctl("ban", "del", "fd00::1")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: exchange6(daemon, get("/v1/status", bearer(good)),
                               "fd00::2")[0] == 200,
             "the lifted ban to reach net")


def test_ipv6_prefix_128_counts_each_address(netns, daemon):
    """With rate_limit.ipv6_prefix 128, fd00::2's ban is its own."""
    start(daemon, **ipv6_conf(daemon, ipv6_prefix=128))
    good = make_key(daemon, "good", "viewer")
    answers = bad_keys(daemon, 4, lambda d, data: exchange6(d, data,
                                                            "fd00::2"))
    assert_error(answers[-1], 429, "source_banned")
    assert exchange6(daemon, get("/v1/status", bearer(good)),
                     "fd00::1")[0] == 200
    assert "fd00::2" in daemon.ctl("-j", "ban", "list").stdout

"""
The log: under -d each line starts with an RFC 3339 time in UTC (none
when stderr is systemd's journal, which stamps lines itself), and an
order's lines name the key, what it asked (side, volume, symbol) and the
result.
"""
import datetime
import os
import re

from conftest import STAMP
from test_trading import start_trading

RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z "
                     r"(monitor|net|broker): ")


def test_foreground_lines_carry_a_utc_time(daemon):
    before = datetime.datetime.now(datetime.timezone.utc)
    daemon.start()
    daemon.status()
    after = datetime.datetime.now(datetime.timezone.utc)
    lines = daemon.raw_log().splitlines()
    assert lines, "nothing logged"
    for line in lines:
        m = RFC3339.match(line)
        assert m, f"no RFC 3339 time: {line!r}"
        t = datetime.datetime.fromisoformat(m.group(1)).replace(
            tzinfo=datetime.timezone.utc)
        # The wall clock, to the second: UTC, not local time.
        assert before - datetime.timedelta(seconds=1) <= t <= \
            after + datetime.timedelta(seconds=1), line


def test_no_time_when_stderr_is_the_journal(daemon):
    daemon.logpath.touch()
    st = os.stat(daemon.logpath)
    daemon.start(env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
    daemon.status()
    raw = daemon.raw_log()
    assert raw.startswith("monitor: "), raw
    assert not STAMP.search(raw), raw


def test_order_lines_name_key_side_volume_symbol_and_result(daemon):
    desk = start_trading(daemon)
    st, _, b = desk.trade(symbol="EURUSD", side="SELL", volume=0.03,
                          client_order_id="log-1")
    assert st == 200, b
    key_id = r"\(id \d+\)"
    daemon.wait_log(rf"^monitor: order \d+ \(log-1\) key trader {key_id} "
                    rf"TRADE SELL 0\.03 EURUSD: accepted$")
    daemon.wait_log(rf"^monitor: order \d+ \(log-1\) key trader {key_id} "
                    rf"TRADE SELL 0\.03 EURUSD: retcode 10009 ")

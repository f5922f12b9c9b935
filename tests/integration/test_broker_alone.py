"""
The broker process on its own, under its seccomp filter (kill mode),
driven over its socketpair exactly as the monitor drives it: start-up,
orders, reads, records, FIND after a restart from the records, a refused
configuration, and a message out of turn (broker_conversation.py).
"""
import os
import subprocess
import sys

from conftest import HERALDD, check_sanitizer

HERE = os.path.dirname(os.path.abspath(__file__))


def test_broker_conversation():
    r = subprocess.run([sys.executable,
                        os.path.join(HERE, "broker_conversation.py"),
                        HERALDD], capture_output=True, text=True,
                       timeout=120)
    check_sanitizer(r.stderr, "broker")
    assert r.returncode == 0, r.stdout + r.stderr
    for step in ("1.", "2.", "3.", "4."):
        assert any(l.startswith(step) and ": ok" in l
                   for l in r.stdout.splitlines()), r.stdout

"""
heraldctl backup FILE, and restoring from it.

The backup is taken while orders stream in: the copy passes SQLite's
integrity_check and holds every order acknowledged before the backup
began, its audit trail verifies, and it is restored the documented way
(stop, copy, heraldd -n, start).  heraldd -n refuses a damaged copy and
names why: bytes overwritten, an audit row edited, a schema from a newer
heraldd.  heraldctl creates FILE itself and passes it open; the monitor
refuses a descriptor that is not a new regular file, and a descriptor
sent with any other request.
"""
import os
import shutil
import socket
import sqlite3
import stat
import struct
import threading
import time

import pytest

from conftest import TIMEOUT, ctl_frame
from test_lockdown import api, make_key

FAST = {"trading": {"orders_per_minute": 100000,
                    "max_open_positions": 10000,
                    "max_positions_per_symbol": 10000},
        "rate_limit": {"per_key": 1000000, "per_source": 1000000}}
CTL_REQ_STATUS, CTL_REQ_BACKUP = 1, 14
CTL_REP_OK, CTL_REP_ERROR = 64, 65


def order(daemon, key, coid):
    return api(daemon, "POST", "/trade", key,
               {"symbol": "EURUSD", "side": "BUY", "volume": 0.01,
                "client_order_id": coid})


def done_coids(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {r[0] for r in db.execute(
            "SELECT client_order_id FROM orders WHERE state = 'done'")}
    finally:
        db.close()


def altered(src, dst, sql):
    """A copy of the database src at dst with one statement run on it."""
    shutil.copyfile(src, dst)
    db = sqlite3.connect(dst)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()
    return dst


def restore(daemon, copy):
    """The documented way: stop, copy, heraldd -n (then start)."""
    if daemon.proc is not None:
        daemon.stop()
        daemon.proc = None
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(str(daemon.database) + suffix)
        except FileNotFoundError:
            pass
    shutil.copyfile(copy, daemon.database)
    os.chmod(daemon.database, 0o600)
    return daemon.run_n()


@pytest.fixture
def fast(daemon):
    daemon.write_config(**FAST)
    daemon.start()
    return daemon


def test_backup_while_orders_stream(fast, tmp_path):
    d = fast
    key = make_key(d, "stream", "trader")
    acked, stop, errors = [], threading.Event(), []

    def streamer(n):
        i = 0
        while not stop.is_set():
            coid = f"s{n}-{i}"
            st, _, body = order(d, key, coid)
            if st != 200:
                errors.append((st, body))
                stop.set()
                return
            acked.append((time.monotonic(), coid))
            i += 1

    threads = [threading.Thread(target=streamer, args=(n,))
               for n in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + TIMEOUT
    while len(acked) < 30 and not errors and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(acked) >= 30, errors
    copy = tmp_path / "herald.backup"
    began = time.monotonic()
    r = d.ctl("backup", str(copy))
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{copy}: backup written: ")
    assert "integrity ok" in r.stdout and "audit rows verified" in r.stdout
    st = os.stat(copy)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0
    before = {c for t, c in acked if t < began}
    have = done_coids(copy)
    assert before and before <= have, sorted(before - have)[:5]
    # No temporary file is left beside the database.
    assert not [p for p in os.listdir(d.dir) if "backup" in p]
    d.wait_log(r"control: backup written: \d+ bytes")
    rows = d.ctl("audit", "export", "--type", "backup")
    assert '"type":"backup"' in rows.stdout and '"actor":"uid 0 pid ' in \
        rows.stdout, rows.stdout

    # Restore it: heraldd -n passes, the orders are there and answer
    # their repeats from the journal.
    assert restore(d, copy) == (0, "", "")
    d.start()
    coid = sorted(before)[0]
    st, _, body = order(d, key, coid)
    assert st == 200 and body.get("duplicate") is True, body
    # The copy's trail goes on, verified; the backup's own row came
    # after the copy was taken.
    assert d.ctl("audit", "verify").returncode == 0


def test_backup_refuses_an_existing_file(running, tmp_path):
    f = tmp_path / "taken"
    f.write_text("mine\n")
    r = running.ctl("backup", str(f))
    assert r.returncode == 1 and "File exists" in r.stderr, r.stderr
    assert f.read_text() == "mine\n"
    r = running.ctl("backup")
    assert r.returncode == 1 and "backup: expected one argument" in r.stderr


def test_n_names_what_is_wrong_with_a_copy(running, tmp_path):
    d = running
    make_key(d, "k", "viewer")
    good = tmp_path / "good.db"
    assert d.ctl("backup", str(good)).returncode == 0

    # An audit row edited in the copy.
    edited = altered(good, tmp_path / "edited.db",
                     "UPDATE audit SET actor = 'nobody' WHERE id = 2")
    rc, out, err = restore(d, edited)
    assert rc == 1 and "the audit trail does not verify: row 2: its MAC " \
        "does not check" in err, err

    # Bytes overwritten in the middle of the file.
    broken = tmp_path / "broken.db"
    data = bytearray(good.read_bytes())
    page = struct.unpack(">H", data[16:18])[0]
    for i in range(2 * page, min(len(data), 4 * page)):
        data[i] = 0x5a
    broken.write_bytes(bytes(data))
    rc, out, err = restore(d, broken)
    assert rc == 1 and f"database {d.database}: " in err, err
    assert "integrity_check" in err or "malformed" in err, err

    # A schema from a newer heraldd.
    newer = altered(good, tmp_path / "newer.db",
                    "UPDATE schema_version SET version = 99")
    rc, out, err = restore(d, newer)
    assert rc == 1 and "schema version 99 is newer than this heraldd" in err

    # The good copy, restored, starts.
    assert restore(d, good) == (0, "", "")
    d.start()


def test_n_without_the_audit_key(running):
    d = running
    d.stop()
    d.proc = None
    os.unlink(d.audit_key)
    rc, out, err = d.run_n()
    assert rc == 1 and "has an audit trail, but audit.key_file" in err


def read_frame(s):
    """(type, payload) of the next frame."""
    s.settimeout(TIMEOUT)

    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            assert chunk, f"hung up after {data!r}"
            data += chunk
        return data
    _, type_, length = struct.unpack("<HHI", exactly(8))
    return type_, exactly(length)


def _send_with_fd(daemon, type_, fd):
    s = daemon.connect()
    try:
        socket.send_fds(s, [ctl_frame(type_)], [fd])
        return read_frame(s)
    finally:
        s.close()


def test_descriptor_rules(running, tmp_path):
    d = running
    # With a request that takes none: refused, and the file untouched.
    path = tmp_path / "x"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        frames = _send_with_fd(d, CTL_REQ_STATUS, fd)
    finally:
        os.close(fd)
    assert frames[0] == CTL_REP_ERROR, frames
    assert b"does not take a descriptor" in frames[1], frames
    assert path.stat().st_size == 0
    # A pipe, and a file that is not empty, are not backup files.
    rd, wr = os.pipe()
    try:
        frames = _send_with_fd(d, CTL_REQ_BACKUP, wr)
    finally:
        os.close(rd)
        os.close(wr)
    assert frames[0] == CTL_REP_ERROR
    assert b"new, empty regular file" in frames[1], frames
    path.write_text("data")
    fd = os.open(path, os.O_WRONLY)
    try:
        frames = _send_with_fd(d, CTL_REQ_BACKUP, fd)
    finally:
        os.close(fd)
    assert frames[0] == CTL_REP_ERROR and path.read_text() == "data"
    # A backup without its descriptor.
    s = d.connect()
    try:
        s.sendall(ctl_frame(CTL_REQ_BACKUP))
        frames = read_frame(s)
    finally:
        s.close()
    assert frames[0] == CTL_REP_ERROR
    assert b"needs a descriptor" in frames[1], frames
    # heraldd is still serving.
    assert d.ctl("status").returncode == 0


def test_backup_of_a_broken_trail_is_kept_and_says_so(daemon, tmp_path):
    daemon.start()
    make_key(daemon, "k", "viewer")
    daemon.stop()
    daemon.proc = None
    db = sqlite3.connect(daemon.database)
    db.execute("UPDATE audit SET key = 'x' WHERE id = 2")
    db.commit()
    db.close()
    daemon.start()
    copy = tmp_path / "evidence.db"
    r = daemon.ctl("backup", str(copy))
    assert r.returncode == 0, r.stderr
    assert "AUDIT TRAIL BROKEN: the audit trail does not verify: row 2: " \
        in r.stdout, r.stdout
    assert done_coids(copy) == set()        # a good SQLite file all the same
    rc, out, err = restore(daemon, copy)
    assert rc == 1 and "row 2: its MAC does not check" in err

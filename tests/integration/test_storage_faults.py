"""
Storage faults (issue 14): the database on a small tmpfs filled up, a
lock held by sqlite3 beyond database.busy_timeout, the file system
remounted read-only, and a kill -9 in the middle of a fault.  In each,
orders are refused with 503 storage_unavailable before the broker,
reads and heraldctl answer throughout, heraldd never exits, it recovers
by itself, no acknowledged order is lost, and retries of every id
afterwards add nothing.
"""
import os
import signal
import subprocess
import threading

import pytest

from conftest import SYSPATH, TIMEOUT, proc_gone, wait_for
from test_trading import (Desk, call, filled, mt5_conf, position_of,
                          start_again, start_trading, wait_broker)
from test_trading_broker import journal

ORDER = {"symbol": "EURUSD", "side": "BUY", "volume": 0.01}
FAULT_LINE = r"storage: cannot commit: "
BACK_LINE = r"storage: commits again after \d+ s; \d+ held writes are " \
    r"durable; orders are accepted"


# --- set-up -------------------------------------------------------------------

def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True,
                          env={"PATH": SYSPATH}, timeout=TIMEOUT)


@pytest.fixture
def tmpfs(workdir):
    """A 2 MB tmpfs for the database; unmounted lazily, after heraldd."""
    mnt = workdir / "db"
    mnt.mkdir()
    run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "herald-test",
        str(mnt))
    yield mnt
    run("umount", "-l", str(mnt), check=False)


def start_on(daemon, path, busy_timeout=None, **mt5):
    db = {"path": str(path)}
    if busy_timeout is not None:
        db["busy_timeout"] = busy_timeout
    daemon.database = path
    return start_trading(daemon, database=db,
                         mt5=dict(mt5_conf(), **mt5))


def fill(mnt):
    """Fill the file system; the filler's path, to free it again."""
    filler = mnt / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
        # What a full buffer left: byte by byte.
        try:
            while True:
                os.write(f.fileno(), b"\0")
        except OSError:
            pass
    return filler


def order(desk, coid):
    return desk.trade(client_order_id=coid, **ORDER)


def acknowledged(desk, n):
    """n orders filled before any fault: {coid: answer}."""
    answers = {f"before-{i}": order(desk, f"before-{i}") for i in range(n)}
    for a in answers.values():
        filled(a)
    return answers


def until_fault(desk, answers, prefix, most):
    """Orders until one is not acknowledged, which the fault must
    explain: refused before the broker, or its outcome unknown."""
    for i in range(most):
        c = f"{prefix}-{i}"
        answers[c] = order(desk, c)
        if answers[c][0] != 200:
            break
    assert is_refusal(answers[c]) or \
        answers[c][2].get("code") == "outcome_unknown", answers[c]


def is_refusal(ans):
    st, h, b = ans
    return st == 503 and isinstance(b, dict) and \
        b.get("code") == "storage_unavailable" and \
        int(h.get("retry-after", "0")) >= 1


def storage(daemon):
    return daemon.status()["storage"]


def concurrently(desk, coids):
    """One order per id, all at once: {coid: answer}."""
    out = {}
    lock = threading.Lock()

    def one(c):
        a = order(desk, c)
        with lock:
            out[c] = a
    ths = [threading.Thread(target=one, args=(c,)) for c in coids]
    for t in ths:
        t.start()
    for t in ths:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a client hangs"
    return out


def readyz(daemon):
    """GET /readyz, without a key."""
    return call(daemon, "GET", "/readyz")


def still_serving(daemon, desk):
    """Reads, health and heraldctl answer during the fault."""
    assert daemon.running(), daemon.log()
    st, _, b = desk.call("GET", "/v1/account")
    assert st == 200, (st, b)
    assert desk.call("GET", "/v1/positions")[0] == 200
    assert desk.call("GET", "/healthz")[0] == 200
    st, h, b = readyz(daemon)
    assert st == 503 and b["code"] == "not_ready", (st, b)
    assert b["error"].startswith("not ready: storage unavailable: "), b
    assert int(h.get("retry-after", "0")) >= 1, h
    r = daemon.ctl("ban", "list")
    assert r.returncode == 0, r.stderr
    assert storage(daemon).startswith("unavailable: "), daemon.status()


def volume(desk):
    return round(sum(p["volume"] for p in desk.positions()), 2)


def retries_add_nothing(desk, answers):
    """Every id that was acknowledged or whose outcome was unknown,
    repeated: the first answer, a duplicate, and no new trade."""
    before = volume(desk)
    for coid, (st, _, b) in answers.items():
        if st != 200 and b.get("code") != "outcome_unknown":
            continue
        again = order(desk, coid)
        assert again[0] in (200, 503), (coid, again)
        if st == 200:
            assert again[0] == 200, (coid, again)
            assert again[2]["order_id"] == b["order_id"], (coid, again)
        if again[0] == 200:
            assert again[2]["duplicate"] is True, (coid, again)
    assert volume(desk) == before


def acknowledged_kept(daemon, desk, answers):
    rows = journal(daemon)
    tickets = {p["ticket"] for p in desk.positions()}
    for coid, (st, _, b) in answers.items():
        if st != 200:
            continue
        assert rows[coid][0] == "done", (coid, rows[coid])
        assert position_of(b) in tickets, (coid, b)


def one_line_each(daemon):
    log = daemon.log()
    assert log.count("storage: cannot commit: ") == 1, log
    assert log.count("storage: commits again after ") == 1, log


# --- disk full ------------------------------------------------------------------

def test_disk_full_refuses_then_recovers(daemons, tmpfs):
    d = daemons()
    desk = start_on(d, tmpfs / "herald.db")
    answers = acknowledged(desk, 3)
    filler = fill(tmpfs)
    # Orders stream until the journal needs a page the disk has not got.
    until_fault(desk, answers, "full", 300)
    d.wait_log(FAULT_LINE)
    # Concurrent orders during the fault: every one refused, none sent.
    during = concurrently(desk, [f"during-{i}" for i in range(8)])
    for c, a in during.items():
        assert is_refusal(a), (c, a)
    answers.update(during)
    still_serving(d, desk)
    # Lockdown holds at once, in memory, and lifts again.
    assert d.ctl("lockdown", "on").returncode == 0
    assert desk.trade(**ORDER)[2]["code"] == "lockdown"
    assert d.ctl("lockdown", "off").returncode == 0

    filler.unlink()
    d.wait_log(BACK_LINE)
    assert storage(d) == "ok"
    assert readyz(d)[:1] == (200,)
    assert d.running()
    one_line_each(d)
    acknowledged_kept(d, desk, answers)
    retries_add_nothing(desk, answers)
    filled(order(desk, "after"))
    # The lockdown's last state reached the file.
    assert d.ctl("-j", "status").returncode == 0


# --- a lock held by someone else ------------------------------------------------

class Holder:
    """sqlite3(1) holding the database's write lock."""

    def __init__(self, path):
        self.p = subprocess.Popen(
            ["sqlite3", str(path)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={"PATH": SYSPATH})
        self.p.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\n.print locked\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line == "locked\n", line

    def release(self):
        self.p.stdin.write("COMMIT;\n.quit\n")
        self.p.stdin.flush()
        self.p.wait(TIMEOUT)


def test_lock_beyond_busy_timeout(daemons, workdir):
    d = daemons()
    desk = start_on(d, workdir / "herald.db", busy_timeout=200)
    answers = {"before": order(desk, "before")}
    filled(answers["before"])
    h = Holder(d.database)
    try:
        answers["locked"] = order(desk, "locked")
        assert is_refusal(answers["locked"]), answers["locked"]
        d.wait_log(FAULT_LINE + r".*database is locked")
        during = concurrently(desk, [f"during-{i}" for i in range(8)])
        for c, a in during.items():
            assert is_refusal(a), (c, a)
        answers.update(during)
        still_serving(d, desk)
    finally:
        h.release()
    d.wait_log(BACK_LINE)
    assert storage(d) == "ok"
    one_line_each(d)
    acknowledged_kept(d, desk, answers)
    retries_add_nothing(desk, answers)
    filled(order(desk, "after"))


# --- read-only ------------------------------------------------------------------

def test_read_only_remount(daemons, tmpfs):
    d = daemons()
    desk = start_on(d, tmpfs / "herald.db")
    answers = {"before": order(desk, "before")}
    filled(answers["before"])
    r = run("mount", "-o", "remount,ro", str(tmpfs), check=False)
    if r.returncode != 0:
        pytest.skip(f"the kernel refuses to remount a tmpfs with files "
                    f"open for writing read-only: {r.stderr.strip()}")
    try:
        until_fault(desk, answers, "ro", 50)
        still_serving(d, desk)
    finally:
        run("mount", "-o", "remount,rw", str(tmpfs))
    d.wait_log(BACK_LINE)
    acknowledged_kept(d, desk, answers)
    retries_add_nothing(desk, answers)


# --- kill -9 during a fault -----------------------------------------------------

def test_kill_during_fault_then_restart(daemons, workdir):
    """An order the broker executed while the database is locked is
    answered outcome_unknown and stays pending; heraldd is killed before
    the lock goes.  At the restart the order is resolved by its command
    id, and every retry, of it and of the orders acknowledged before,
    adds nothing."""
    d = daemons()
    desk = start_on(d, workdir / "herald.db", busy_timeout=200,
                    request_timeout=30)
    answers = acknowledged(desk, 3)
    broker = d.pids()["broker"]
    os.kill(broker, signal.SIGSTOP)
    box = {}
    t = threading.Thread(target=lambda: box.update(
        a=order(desk, "in-flight")))
    t.start()
    try:
        wait_for(lambda: journal(d).get("in-flight", ("",))[0] == "pending",
                 "the order journaled and sent", TIMEOUT, 0.02)
        holder = Holder(d.database)
    finally:
        os.kill(broker, signal.SIGCONT)
    t.join(TIMEOUT)
    assert not t.is_alive()
    answers["in-flight"] = box["a"]
    st, h, b = box["a"]
    assert st == 503 and b["code"] == "outcome_unknown", box["a"]
    assert int(h.get("retry-after", "0")) >= 1, box["a"]
    d.wait_log(FAULT_LINE)
    assert journal(d)["in-flight"][0] == "pending"
    still_serving(d, desk)

    # kill -9, then the lock goes, then a restart.
    children = dict(d.children)
    d.proc.kill()
    d.proc.wait(TIMEOUT)
    for pid in children.values():
        wait_for(lambda: proc_gone(pid), f"child {pid} to exit", TIMEOUT)
    holder.release()
    start_again(d, desk)
    wait_broker(desk)
    rows = journal(d)
    wait_for(lambda: journal(d)["in-flight"][0] in ("done", "failed"),
             "the order in flight resolved", TIMEOUT, 0.05)
    acknowledged_kept(d, desk, {k: v for k, v in answers.items()
                                if k.startswith("before")})
    before = volume(desk)
    for i in range(3):
        again = order(desk, f"before-{i}")
        assert again[0] == 200 and again[2]["duplicate"] is True, again
    # The paper account's change died with the monitor's memory, so the
    # backend, rebuilt from the database, never executed it: the answer
    # says so, and the account agrees.
    again = order(desk, "in-flight")
    assert again[0] == 503 and again[2]["code"] == "not_executed", again
    assert journal(d)["in-flight"][0] == "failed"
    assert volume(desk) == before
    assert rows


# --- the configuration key ------------------------------------------------------

def test_busy_timeout_key(daemon, workdir):
    for bad, why in (("-1", "busy_timeout"), ("lots", "busy_timeout")):
        text = daemon.config_text().replace(
            f"database: {daemon.database}",
            f"database:\n  path: {daemon.database}\n  busy_timeout: {bad}")
        path = workdir / f"bad-{bad}.yaml"
        path.write_text(text)
        os.chmod(path, 0o600)
        rc, out, err = daemon.run_n(path)
        assert rc == 1, (bad, out, err)
        assert why in err and ":" in err, err
    text = daemon.config_text().replace(
        f"database: {daemon.database}",
        f"database:\n  path: {daemon.database}\n  busy_timeout: 250")
    path = workdir / "good.yaml"
    path.write_text(text)
    os.chmod(path, 0o600)
    rc, out, err = daemon.run_n(path)
    assert rc == 0, (out, err)


def test_plain_database_path(daemons):
    """The plain scalar form of database: still works."""
    d = daemons()
    desk = start_trading(d)
    assert isinstance(desk, Desk)
    assert storage(d) == "ok"


def test_readyz(daemons):
    """GET /readyz needs no key: 200 when orders can be taken, 503
    naming the lockdown while it is on."""
    d = daemons()
    start_trading(d)
    st, h, b = readyz(d)
    assert (st, b) == (200, {"status": "ready"}), (st, b)
    assert d.ctl("lockdown", "on").returncode == 0
    st, h, b = readyz(d)
    assert st == 503 and b["code"] == "not_ready", (st, b)
    assert "trading locked down by uid 0" in b["error"], b
    assert d.ctl("lockdown", "off").returncode == 0
    assert readyz(d)[0] == 200

"""
Integration tests: the real heraldd, run as root.

Every test gets its own scratch directory under /tmp (mode 0755 on the
whole path, so that an unprivileged heraldctl can reach the control
socket), holding an empty chroot, a configuration (mode 0600, root), the
control socket, the pid file and the database.  The daemon runs in the
foreground (-d) with its stderr in a log file that the tests read; at
teardown it gets SIGTERM and must exit with the status the test expected
(0 unless the test said otherwise).  On a failure the log is printed.
A sanitizer report (make check-sanitize) in the log or in heraldctl's
stderr fails the test, naming the process.

The binaries come from $HERALDD and $HERALDCTL (default build/heraldd and
build/heraldctl in the tree).  Only the standard library and pytest.
"""
import atexit
import contextlib
import ctypes
import grp
import json
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERALDD = os.path.abspath(
    os.environ.get("HERALDD", REPO / "build" / "heraldd"))
HERALDCTL = os.path.abspath(
    os.environ.get("HERALDCTL", REPO / "build" / "heraldctl"))

def _sanitized(path):
    """True for the make check-sanitize build (tests/sanitize/options.c)."""
    try:
        with open(path, "rb") as f:
            return b"HERALD-SANITIZER: report in " in f.read()
    except OSError:
        return False


# make check-sanitize: ASan and UBSan in heraldd (all three processes)
# and heraldctl.  A few tests look at what that build changes on purpose.
SANITIZED = _sanitized(HERALDD)

# make coverage: the directory of the profile files.  Each process of
# that build keeps its own open, mapped, from start to exit.
COVERAGE_DIR = os.environ.get("HERALD_COVERAGE_DIR", "")

PRIVSEP_USER = "_herald"
ADMIN_GROUP = "herald-admin"
# Accounts the tests create to stand for administrators.
MEMBER_USER = "herald-test-member"      # herald-admin as a secondary group
PRIMARY_USER = "herald-test-primary"    # herald-admin as the primary group
NOBODY = 65534

# The time heraldd -d puts before each log line (common/log.c).
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", re.M)

TIMEOUT = 10.0                  # every wait; generous for a 2-core CI box
SYSPATH = "/usr/sbin:/usr/bin:/sbin:/bin"

# x86-64 system call numbers, for the gdb injections.
SYS_GETPID = 39
SYS_SOCKET = 41
SYS_OPENAT = 257
AF_UNIX, AF_INET, SOCK_STREAM, AT_FDCWD = 1, 2, 1, -100
EACCES, EINTR = 13, 4

# The control protocol (common/ctlproto.h), for the raw-socket tests.
CTL_VERSION = 1
CTL_REQ_STATUS, CTL_REQ_RELOAD = 1, 2
CTL_REP_OK, CTL_REP_ERROR, CTL_REP_STATUS = 64, 65, 66


# --- small helpers ---------------------------------------------------------

def wait_for(pred, what, timeout=TIMEOUT, interval=0.05):
    """Poll pred() until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting "
                                 f"for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """/proc/PID/status as a dict of strings."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def proc_gone(pid):
    """True once pid has exited (a zombie nobody reaps counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


def is_heraldd(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(argv0) == b"heraldd"


_TLS_FILES = {}


def tls_files(kind="ec"):
    """A self-signed certificate and its key (root, 0600) for this run.

    kind: "ec" (P-256), "p384" or "rsa" (2048 bits).  Made once per
    session and shared by every daemon that does not ask for its own.
    """
    if kind not in _TLS_FILES:
        d = Path(tempfile.mkdtemp(prefix=f"herald-itg-tls-{kind}-"))
        atexit.register(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        key, crt = d / "server.key", d / "server.crt"
        newkey = {"ec": ["-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:P-256"],
                  "p384": ["-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:P-384"],
                  "rsa": ["-newkey", "rsa:2048"]}[kind]
        subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes",
                        "-keyout", str(key), "-out", str(crt), "-days", "90",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        os.chmod(key, 0o600)
        os.chmod(crt, 0o644)
        _TLS_FILES[kind] = (crt, key)
    return _TLS_FILES[kind]


CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def network_namespace(*ip_commands):
    """This process in a new network namespace (unshare(2)
    CLONE_NEWNET), set up with ip(8) commands, until the block ends
    (setns(2) back).  What starts inside, heraldd included, stays in
    it."""
    libc = ctypes.CDLL(None, use_errno=True)
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        os.close(orig)
        pytest.fail(f"unshare(CLONE_NEWNET): {os.strerror(err)}")
    try:
        for cmd in (["link", "set", "lo", "up"], *ip_commands):
            subprocess.run(["ip", *cmd], check=True, env={"PATH": SYSPATH},
                           capture_output=True)
        yield
    finally:
        if libc.setns(orig, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back")
        os.close(orig)


def write_file(path, text, mode=0o600, uid=0, gid=0):
    """Write text to path with exactly this owner and mode (no umask)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def line_of(text, needle):
    """1-based number of the first line of text containing needle."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in the configuration")


def merge(base, over):
    """Nested dict update; a value of None removes the key."""
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if re.fullmatch(r"[A-Za-z_/][A-Za-z0-9_./-]*", s) and \
            s.lower() not in ("true", "false", "yes", "no", "on", "off",
                              "null", "y", "n"):
        return s
    return json.dumps(s)        # a double-quoted YAML scalar


def to_yaml(d, indent=0):
    """The little YAML the configuration needs: maps, lists of maps."""
    pad = " " * indent
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.append(to_yaml(v, indent + 2).rstrip("\n"))
        elif isinstance(v, list):
            lines.append(f"{pad}{k}:")
            for item in v:
                sub = to_yaml(item, indent + 4).rstrip("\n").splitlines()
                lines.append(f"{pad}  - " + sub[0].lstrip())
                lines.extend(sub[1:])
        else:
            lines.append(f"{pad}{k}: {_scalar(v)}")
    return "\n".join(lines) + "\n"


def setpriv(uid, gid, groups=None, caps=()):
    """setpriv arguments: run as uid/gid with these groups and capabilities.

    groups None clears the supplementary groups, "init" takes them from
    the user database, a list sets them."""
    args = ["setpriv", f"--reuid={uid}", f"--regid={gid}"]
    if groups is None:
        args.append("--clear-groups")
    elif groups == "init":
        args.append("--init-groups")
    else:
        args.append("--groups=" + ",".join(str(g) for g in groups))
    for c in caps:
        args += [f"--inh-caps=+{c}", f"--ambient-caps=+{c}"]
    return args


def admin_gid():
    return grp.getgrnam(ADMIN_GROUP).gr_gid


def privsep_ids():
    pw = pwd.getpwnam(PRIVSEP_USER)
    return pw.pw_uid, pw.pw_gid


# --- the control protocol, by hand ------------------------------------------

def ctl_frame(type_, payload=b"", version=CTL_VERSION, length=None):
    if length is None:
        length = len(payload)
    return struct.pack("<HHI", version, type_, length) + payload


def ctl_read_all(sock, timeout=TIMEOUT):
    """Everything the monitor sends until it hangs up."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def ctl_parse(data):
    """(type, payload) of the first frame in data."""
    assert len(data) >= 8, f"short reply: {data!r}"
    version, type_, length = struct.unpack("<HHI", data[:8])
    assert version == CTL_VERSION, f"reply version {version}"
    assert len(data) >= 8 + length, f"truncated reply: {data!r}"
    return type_, data[8:8 + length]


# --- sanitizer reports --------------------------------------------------------

# What starts or ends a report of ASan, UBSan or LeakSanitizer, and the
# line tests/sanitize/options.c adds after each, naming the process.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "ERROR: LeakSanitizer", "AddressSanitizer: CHECK failed",
                   "HERALD-SANITIZER: report in ")
_SANITIZER_NAME = re.compile(r"^HERALD-SANITIZER: report in (\S+) "
                             r"\(pid \d+\): (.*)$", re.M)


def sanitizer_reports(text, who="unknown process"):
    """One line per sanitizer report in text: the process and what.

    who names the process when the report has no naming line (the
    runtime died before it could write one)."""
    named = [f"{m.group(1)}: {m.group(2)}"
             for m in _SANITIZER_NAME.finditer(text)]
    if named:
        return named
    for line in text.splitlines():
        if any(mark in line for mark in SANITIZER_MARKS):
            return [f"{who}: {line.strip()}"]
    return []


def check_sanitizer(text, who):
    """Fail the test, naming the process, if text holds a report."""
    reports = sanitizer_reports(text, who)
    if reports:
        pytest.fail("sanitizer report in " + "; in ".join(reports) +
                    f"\n{text}")


# --- gdb: make a live process run a system call ------------------------------

def gdb_syscall(pid, nr, args=(), restore=False, timeout=60, pre=()):
    """Make process pid itself execute system call nr(args).

    The process is asleep in a system call (libevent's epoll_wait), so the
    two bytes before its pc are a `syscall' instruction: gdb points pc
    back at it with the registers set for our call and single-steps it.
    No inferior function call is used: gdb 13 cannot restore the extended
    register state on recent kernels ("Couldn't write extended state
    status"), which corrupts the process.

    With restore, the process is put back as it was, its interrupted
    epoll_wait returning EINTR (which libevent retries); if the call
    raised a signal (a seccomp trap) it is delivered first, so the
    process's handler runs.  Returns gdb's output; the line
    "HERALD-ITG: syscall returned N" gives the result when the process
    survived.  pre: gdb commands run first, after the registers are saved
    (to put a path below the stack pointer, say)."""
    if platform.machine() != "x86_64":
        pytest.skip("the syscall injection is written for x86-64")
    if shutil.which("gdb", path=SYSPATH) is None:
        pytest.fail("gdb is not installed (make deps installs it)")
    regs = ["rdi", "rsi", "rdx", "r10", "r8", "r9", "rcx", "r11", "rsp",
            "eflags"]
    argregs = ["rdi", "rsi", "rdx", "r10", "r8", "r9"]
    script = [
        "set pagination off",
        "set confirm off",
        "set width 0",
        "if *(unsigned short *)($pc - 2) != 0x050f",
        "  echo HERALD-ITG: not stopped after a syscall instruction\\n",
        "  detach",
        "  quit 3",
        "end",
        "set $itg_pc = $pc",
    ]
    script += [f"set $itg_{r} = ${r}" for r in regs]
    script += list(pre)
    script.append(f"set $rax = {nr}")
    script += [f"set ${argregs[i]} = {a}" for i, a in enumerate(args)]
    script += [
        "set $pc = $itg_pc - 2",
        "stepi",
        'printf "HERALD-ITG: syscall returned %ld\\n", $rax',
    ]
    if restore:
        script += [
            "if $_siginfo.si_signo == 31",
            "  echo HERALD-ITG: SIGSYS raised, delivering it\\n",
            "  break *$itg_pc",
            "  continue",
            "  set $itg_n = 0",
            "  while $pc != $itg_pc && $itg_n < 5",
            "    continue",
            "    set $itg_n = $itg_n + 1",
            "  end",
            "  delete",
            "end",
        ]
        script += [f"set ${r} = $itg_{r}" for r in regs]
        script += [f"set $rax = {-EINTR}", "set $pc = $itg_pc"]
    script.append("detach")
    with tempfile.NamedTemporaryFile("w", prefix="herald-itg-gdb-",
                                     suffix=".gdb") as f:
        f.write("\n".join(script) + "\n")
        f.flush()
        r = subprocess.run(
            ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
             "-p", str(pid), "-x", f.name],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout, env={"PATH": SYSPATH, "DEBUGINFOD_URLS": ""})
    out = r.stdout + r.stderr
    if "ptrace: Operation not permitted" in out:
        pytest.fail(f"gdb cannot attach to pid {pid}: the tests need "
                    f"CAP_SYS_PTRACE (a container may drop it):\n{out}")
    if r.returncode == 3:
        raise AssertionError(f"gdb: pid {pid} was not asleep in a system "
                             f"call:\n{out}")
    return out


def gdb_result(out):
    m = re.search(r"^HERALD-ITG: syscall returned (-?\d+)$", out, re.M)
    assert m, f"gdb did not report the system call's result:\n{out}"
    return int(m.group(1))


# --- the daemon --------------------------------------------------------------

class Daemon:
    """One heraldd and its scratch directory."""

    def __init__(self, workdir, ctl):
        self.dir = workdir
        self.chroot = workdir / "empty"
        self.config = workdir / "herald.yaml"
        self.socket = workdir / "heraldd.sock"
        self.pid_file = workdir / "heraldd.pid"
        self.database = workdir / "herald.db"
        self.audit_key = workdir / "audit.key"
        self.logpath = workdir / "heraldd.log"
        self.ctlbin = ctl
        self.port = free_port()
        self.proc = None
        self.pid = None                 # the monitor
        self.children = {}              # name -> pid, from heraldctl status
        self.expect_exit = 0            # None: any status is fine
        self.detached = []              # monitors started without -d
        self._log = None
        self.write_config()

    # configuration

    def settings(self, **sections):
        crt, key = tls_files()
        base = {
            "listen": [{"address": "127.0.0.1", "port": self.port}],
            "tls": {"certificate": str(crt), "key": str(key)},
            "control": {"socket": str(self.socket), "group": ADMIN_GROUP},
            "privsep": {"user": PRIVSEP_USER, "chroot": str(self.chroot)},
            "database": str(self.database),
            "pid_file": str(self.pid_file),
            "audit": {"key_file": str(self.audit_key)},
            "mt5": {"backend": "paper"},
            "log": {"level": "info"},
        }
        return merge(base, sections)

    def config_text(self, **sections):
        return to_yaml(self.settings(**sections))

    def write_config(self, text=None, mode=0o600, uid=0, **sections):
        if text is None:
            text = self.config_text(**sections)
        write_file(self.config, text, mode, uid)
        return text

    # running

    def start(self, *flags, env=None, wait=True):
        assert self.proc is None, "already started"
        envp = {"PATH": SYSPATH}
        envp.update(env or {})
        self._log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(
            [HERALDD, "-d", *flags, "-f", str(self.config)],
            stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, env=envp, close_fds=True)
        self.pid = self.proc.pid
        if wait:
            return self.wait_ready()
        return None

    def wait_ready(self, timeout=TIMEOUT):
        """Until heraldctl status shows net and broker running."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(f"heraldd exited with status {rc} "
                                     f"while starting:\n{self.log()}")
            last = self.ctl("-j", "status")
            if last.returncode == 0:
                st = json.loads(last.stdout)
                procs = {p["name"]: p for p in st["processes"]}
                if all(procs.get(n, {}).get("state") == "running"
                       for n in ("net", "broker")):
                    self.children = {n: procs[n]["pid"]
                                     for n in ("net", "broker")}
                    return st
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"net and broker not running after {timeout:.0f} s; "
                    f"last heraldctl status: {last.returncode} "
                    f"{last.stdout}{last.stderr}\n{self.log()}")
            time.sleep(0.05)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"heraldd still running after "
                                 f"{timeout:.0f} s:\n{self.log()}")

    def stop(self, sig=signal.SIGTERM, timeout=TIMEOUT):
        if self.running():
            self.send_signal(sig)
        return self.wait_exit(timeout)

    def run_n(self, config=None):
        """heraldd -n: (status, stdout, stderr)."""
        r = subprocess.run([HERALDD, "-n", "-f", str(config or self.config)],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=TIMEOUT,
                           env={"PATH": SYSPATH})
        check_sanitizer(r.stderr, "monitor")
        return r.returncode, r.stdout, r.stderr

    # control

    def ctl(self, *args, user=None, sock=None, timeout=TIMEOUT):
        cmd = [self.ctlbin, "-s", str(sock or self.socket), *args]
        if user is not None:
            cmd = user + cmd
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True,
                           timeout=timeout, env={"PATH": SYSPATH})
        check_sanitizer(r.stderr, "heraldctl")
        return r

    def status(self):
        r = self.ctl("-j", "status")
        assert r.returncode == 0, f"heraldctl status: {r.stderr}"
        return json.loads(r.stdout)

    def pids(self):
        return {p["name"]: p["pid"] for p in self.status()["processes"]}

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(str(self.socket))
        return s

    # the log

    def raw_log(self):
        try:
            return self.logpath.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log(self):
        """The log without the RFC 3339 time that starts each line."""
        return STAMP.sub("", self.raw_log())

    def wait_log(self, pattern, timeout=TIMEOUT):
        """The first match of a regular expression (multiline) in the log."""
        rx = re.compile(pattern, re.M)
        try:
            return wait_for(lambda: rx.search(self.log()),
                            f"log line /{pattern}/", timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}; the log:\n{self.log()}") from None

    # teardown

    def cleanup(self):
        problems = []
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(TIMEOUT)
                except subprocess.TimeoutExpired:
                    problems.append("heraldd did not stop on SIGTERM")
                    self.proc.kill()
                    self.proc.wait()
            rc = self.proc.returncode
            if self.expect_exit is not None and rc != self.expect_exit:
                problems.append(f"heraldd exited with status {rc}, "
                                f"expected {self.expect_exit}")
            self._log.close()
        # The children write theirs to the monitor's stderr, the log.
        problems += ["sanitizer report in " + r
                     for r in sanitizer_reports(self.log())]
        # Whatever we started and is somehow still there: by pid only.
        for pid in self.detached + list(self.children.values()):
            if not proc_gone(pid) and is_heraldd(pid):
                problems.append(f"heraldd pid {pid} was left running")
                os.kill(pid, signal.SIGKILL)
        return problems


# --- fixtures ----------------------------------------------------------------

def _run(*cmd):
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL,
                   env={"PATH": SYSPATH})


def _ensure_accounts():
    try:
        grp.getgrnam(ADMIN_GROUP)
    except KeyError:
        _run("groupadd", "--system", ADMIN_GROUP)
    nologin = ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
    try:
        pwd.getpwnam(PRIVSEP_USER)
    except KeyError:
        _run("useradd", *nologin, PRIVSEP_USER)
    try:
        pwd.getpwnam(MEMBER_USER)
    except KeyError:
        _run("useradd", *nologin, MEMBER_USER)
    if MEMBER_USER not in grp.getgrnam(ADMIN_GROUP).gr_mem:
        _run("usermod", "--append", "--groups", ADMIN_GROUP, MEMBER_USER)
    try:
        pwd.getpwnam(PRIMARY_USER)
    except KeyError:
        _run("useradd", *nologin, "--gid", ADMIN_GROUP, PRIMARY_USER)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session", autouse=True)
def system():
    """Root, the binaries, and the accounts heraldd and the tests need."""
    if os.geteuid() != 0:
        pytest.exit("the integration tests start heraldd and must run as "
                    "root", returncode=1)
    for b in (HERALDD, HERALDCTL):
        if not os.access(b, os.X_OK):
            pytest.exit(f"{b}: not built (make all, or set HERALDD and "
                        f"HERALDCTL)", returncode=1)
    _ensure_accounts()


@pytest.fixture(scope="session")
def ctl_bin():
    """heraldctl where any user can run it, whatever the tree's modes."""
    d = Path(tempfile.mkdtemp(prefix="herald-itg-bin-", dir="/tmp"))
    os.chmod(d, 0o755)
    dst = d / "heraldctl"
    shutil.copy2(HERALDCTL, dst)
    os.chmod(dst, 0o755)
    yield str(dst)
    shutil.rmtree(d, ignore_errors=True)


def new_workdir():
    d = Path(tempfile.mkdtemp(prefix="herald-itg-", dir="/tmp"))
    os.chmod(d, 0o755)
    (d / "empty").mkdir()
    os.chmod(d / "empty", 0o755)
    return d


@pytest.fixture
def workdir():
    d = new_workdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def daemons(request, ctl_bin):
    """A factory: each call gives a new Daemon (configured, not started)."""
    made = []

    def make():
        d = Daemon(new_workdir(), ctl_bin)
        made.append(d)
        return d

    yield make
    problems = []
    for d in made:
        problems += d.cleanup()
    rep = getattr(request.node, "rep_call", None)
    if problems or rep is None or rep.failed:
        for d in made:
            print(f"----- heraldd log {d.logpath} -----\n{d.log()}")
    for d in made:
        shutil.rmtree(d.dir, ignore_errors=True)
    if problems:
        pytest.fail("; ".join(problems))


@pytest.fixture
def daemon(daemons):
    """A configured heraldd, not yet started."""
    return daemons()


@pytest.fixture
def running(daemon):
    """A heraldd whose net and broker are running."""
    daemon.start()
    return daemon

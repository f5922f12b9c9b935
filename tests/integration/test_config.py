"""
heraldd -n and start-up refusals: errors name file:line and the key;
files that hold secrets or steer the daemon must be root's and private
(sshd's StrictModes), or heraldd names the file and does not start.
"""
import os
import re

import pytest

from conftest import NOBODY, REPO, line_of, tls_files, write_file


def error_lines(stderr):
    return [l for l in stderr.splitlines() if l]


def assert_refused_n(daemon, *needles):
    rc, out, err = daemon.run_n()
    assert rc == 1, f"heraldd -n accepted it: {out}{err}"
    assert out == ""
    for n in needles:
        assert n in err, f"{n!r} not in: {err}"
    return err


def assert_refused_start(daemon, *needles):
    """heraldd -d refuses before it forks: nothing is left behind."""
    daemon.start(wait=False)
    daemon.expect_exit = 1
    assert daemon.wait_exit() == 1
    log = daemon.log()
    for n in needles:
        assert n in log, f"{n!r} not in: {log}"
    assert not daemon.socket.exists()
    return log


# --- the configuration's contents -------------------------------------------

def test_valid_config_is_silent(daemon):
    rc, out, err = daemon.run_n()
    assert (rc, out, err) == (0, "", "")


def test_shipped_sample_is_valid(daemon):
    # -n also reads the TLS key: point the sample at this run's pair.
    crt, key = tls_files()
    text = (REPO / "etc" / "herald.yaml").read_text()
    text = text.replace("/etc/herald/server.crt", str(crt))
    text = text.replace("/etc/herald/server.key", str(key))
    # ... and at this run's directories, which -n checks too.
    text = text.replace("/var/empty/heraldd", str(daemon.chroot))
    text = text.replace("/var/lib/herald/herald.db", str(daemon.database))
    write_file(daemon.config, text)
    assert daemon.run_n() == (0, "", "")


def test_every_key_is_accepted(daemon):
    pw = daemon.dir / "mt5.pw"
    write_file(pw, "pw\n", 0o600)
    daemon.write_config(
        tls={"certificate": str(tls_files()[0]),
             "key": str(tls_files()[1]), "client_ca": ""},
        control={"max_clients": 4, "timeout": 30},
        privsep={"seccomp_debug": False},
        mt5={"backend": "paper", "login": "12345678", "server": "Demo",
             "password_file": str(pw)},
        limits={"open_files": 512, "connections": 256},
        log={"level": "debug"})
    assert daemon.run_n() == (0, "", "")


def test_unknown_key_names_file_line_and_key(daemon):
    text = daemon.config_text() + "bogus_section:\n  x: 1\n"
    daemon.write_config(text)
    err = assert_refused_n(daemon, "bogus_section")
    line = line_of(text, "bogus_section")
    assert re.search(rf"^{re.escape(str(daemon.config))}:{line}: "
                     rf"bogus_section: ", err, re.M), err


def test_unknown_nested_key_names_its_line(daemon):
    text = daemon.config_text(control={"colour": "blue"})
    daemon.write_config(text)
    err = assert_refused_n(daemon, "colour")
    line = line_of(text, "colour")
    assert re.search(rf"^{re.escape(str(daemon.config))}:{line}: "
                     rf"control\.colour: ", err, re.M), err


@pytest.mark.parametrize("port", [0, 70000, "http", -1])
def test_bad_port_names_its_line(daemon, port):
    text = daemon.config_text(listen=[{"address": "127.0.0.1",
                                       "port": port}])
    daemon.write_config(text)
    err = assert_refused_n(daemon, "port")
    line = line_of(text, "port:")
    assert len(error_lines(err)) == 1, err
    assert err.startswith(f"{daemon.config}:{line}: "), err


def test_all_errors_are_reported_at_once(daemon):
    text = daemon.config_text(control={"max_clients": "many"},
                              log={"level": "loud"}) + "bogus: 1\n"
    daemon.write_config(text)
    err = assert_refused_n(daemon)
    lines = error_lines(err)
    assert len(lines) == 3, err
    for needle in ("max_clients", "level", "bogus"):
        n = line_of(text, needle)
        assert any(l.startswith(f"{daemon.config}:{n}: ") and needle in l
                   for l in lines), (needle, err)


def test_yaml_syntax_error_names_its_line(daemon):
    text = daemon.config_text() + "control: [unclosed\n"
    daemon.write_config(text)
    err = assert_refused_n(daemon)
    assert re.search(rf"^{re.escape(str(daemon.config))}:\d+: ", err,
                     re.M), err


def test_missing_config_file(daemon):
    daemon.config.unlink()
    assert_refused_n(daemon, str(daemon.config))


def test_bad_config_stops_start_up(daemon):
    daemon.write_config(daemon.config_text() + "bogus: 1\n")
    assert_refused_start(daemon, f"{daemon.config}:", "bogus")


# --- ownership and modes ----------------------------------------------------

def test_group_readable_password_file_is_refused(daemon):
    pw = daemon.dir / "mt5.pw"
    write_file(pw, "s3cret-pw\n", 0o640)
    daemon.write_config(mt5={"password_file": str(pw)})
    assert_refused_n(daemon, str(pw), "0640")
    log = assert_refused_start(daemon, str(pw), "0640")
    assert "s3cret-pw" not in log


def test_private_password_file_is_accepted(daemon):
    pw = daemon.dir / "mt5.pw"
    write_file(pw, "s3cret-pw\n", 0o600)
    daemon.write_config(mt5={"password_file": str(pw)})
    assert daemon.run_n() == (0, "", "")


def test_password_file_owned_by_another_user_is_refused(daemon):
    pw = daemon.dir / "mt5.pw"
    write_file(pw, "s3cret-pw\n", 0o600, uid=NOBODY)
    daemon.write_config(mt5={"password_file": str(pw)})
    assert_refused_n(daemon, str(pw))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_readable_config_holding_the_password_is_refused(daemon, mode):
    daemon.write_config(mode=mode, mt5={"password": "s3cret-pw"})
    err = assert_refused_n(daemon, str(daemon.config), f"{mode:04o}")
    assert "s3cret-pw" not in err
    assert_refused_start(daemon, str(daemon.config))


def test_readable_config_without_a_secret_is_accepted(daemon):
    daemon.write_config(mode=0o644)
    assert daemon.run_n() == (0, "", "")


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o660])
def test_writable_config_is_refused(daemon, mode):
    daemon.write_config(mode=mode)
    assert_refused_n(daemon, str(daemon.config), f"{mode:04o}")


def test_config_owned_by_another_user_is_refused(daemon):
    daemon.write_config(uid=NOBODY)
    assert_refused_n(daemon, str(daemon.config))
    assert_refused_start(daemon, str(daemon.config))


def test_symlinked_config_is_refused(daemon):
    real = daemon.dir / "real.yaml"
    os.rename(daemon.config, real)
    os.symlink(real, daemon.config)
    assert_refused_n(daemon, str(daemon.config))

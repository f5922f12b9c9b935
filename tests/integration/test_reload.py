"""
heraldctl reload tells the truth: each changed key and whether it took
effect or waits for a restart (exit 0 all applied, 3 restart needed),
and every error of a broken file (exit 1, the running one kept).
"""
import json

from conftest import line_of


def test_nothing_changed(running):
    r = running.ctl("reload")
    assert (r.returncode, r.stdout, r.stderr) == (0, "no change\n", "")


def test_applied_keys_are_named(running):
    running.write_config(trading={"max_volume": 2},
                         rate_limit={"per_key": 100})
    r = running.ctl("reload")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "trading.max_volume; rate_limit.per_key\n"
    running.wait_log(r"^monitor: reload: trading\.max_volume changed$")


def test_restart_needed_exits_3_and_names_the_keys(running):
    other = running.dir / "other.db"
    running.write_config(trading={"max_volume": 2},
                         database=str(other),
                         mt5={"backend": "paper",
                              "paper": {"leverage": 50}})
    r = running.ctl("reload")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert r.stdout == ("database (restart needed); mt5.paper (restart "
                        "needed); trading.max_volume\n"), r.stdout
    running.wait_log(r"^monitor: reload: database changed; restart "
                     r"heraldd to apply$")
    # The rest is in force.
    assert running.status()["reloads"] == 1
    j = running.ctl("-j", "reload")
    assert j.returncode == 3
    assert "database (restart needed)" in json.loads(j.stdout)["message"]


def test_every_error_of_a_broken_file_is_shown(running):
    text = running.config_text() + "bogus: 1\nalso_bogus: 2\n"
    running.write_config(text)
    r = running.ctl("reload")
    assert r.returncode == 1
    assert r.stdout == ""
    for key in ("bogus", "also_bogus"):
        assert f"{running.config}:{line_of(text, key + ':')}: {key}: " \
            in r.stderr, r.stderr
    assert running.status()["reloads"] == 0

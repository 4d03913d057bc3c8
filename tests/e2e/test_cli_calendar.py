from gridgov.cli import main as cli


def test_calendar_check_accepts_a_good_file_and_lists_every_problem_of_a_bad_one(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text("holidays: [{from: 2027-02-06, to: 2027-02-12}]\nworkdays: [2027-02-14]\nyears: [2027]\n")
    assert cli(["calendar", "check", str(good)]) == 0
    assert "7 holidays, 1 workdays, years [2027]" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("holidays: [2027-02-30, {from: 2027-03-05, to: 2027-03-01}]\nworkdays: [2027-13-01]\n")
    assert cli(["calendar", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "2027-02-30" in err and "ends" in err and "2027-13-01" in err


def test_calendar_show_flags_provisional_years(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    assert cli(["calendar", "show", "2025"]) == 0
    out = capsys.readouterr().out
    assert "2025-10-01" in out and "2025-09-28" in out and "provisional" not in out
    assert cli(["calendar", "show", "2031"]) == 0
    assert "provisional" in capsys.readouterr().out


def test_calendar_show_has_the_overrides_an_admin_uploaded(capsys, monkeypatch, tmp_path):
    from gridgov.bootstrap import bootstrap
    from tests.conftest import make_settings

    platform = bootstrap(make_settings(tmp_path))
    with platform.engine.begin() as conn:  # what PUT /api/v1/calendar/overrides keeps
        from gridgov.adapters import tables as t

        conn.execute(t.calendar_overrides.insert().values(name="local", text="holidays: [2031-04-02]\nyears: [2031]\n", updated_at=platform.clock.now()))
    platform.engine.dispose()
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path / "var"))
    assert cli(["calendar", "show", "2031"]) == 0
    out = capsys.readouterr().out
    assert "2031-04-02" in out and "provisional" not in out

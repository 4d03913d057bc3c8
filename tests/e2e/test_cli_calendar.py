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

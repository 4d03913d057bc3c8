"""`gridgov routing train/eval` as an admin runs them on a history file, their bad inputs, and the old
`gridgov classifier` name taking the new command's flags."""

from __future__ import annotations

import json

import pytest

from gridgov.cli import main as cli
from tests.unit.test_routing_model import history


def write_history(path, rows, encoding="utf-8", header=("工单编号", "诉求内容", "处置单位")) -> None:
    lines = [",".join(header)] + [",".join(f'"{v}"' for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    base = tmp_path_factory.mktemp("routing")
    texts, labels = history()
    rows = [(f"2018{i:06d}", t, u) for i, (t, u) in enumerate(zip(texts, labels, strict=True))]
    rows[1] = ("2018000001", rows[1][1], "")  # a row without its unit, on line 3
    rows.append(("2018000999", "", "城管局"))  # a row without text, on line 82
    write_history(base / "train.csv", rows)
    write_history(base / "test.csv", [("1", "金盘路红绿灯坏了", "交警支队"), ("2", "国兴大道停水", "水务局"),
                                      ("3", "海秀路占道经营", "城管局"), ("4", "南沙路电线杆倒了", "供电局")], encoding="gbk")  # fmt: skip
    return base


@pytest.fixture(scope="module")
def model(files):
    out = files / "model"
    code = cli(["routing", "train", str(files / "train.csv"), "--text", "诉求内容", "--label", "处置单位", "--out", str(out), "--json"])
    assert code == 0
    return out


def test_train_reports_the_rows_it_left_out_by_line(model, files, capsys):
    code = cli(["routing", "train", str(files / "train.csv"), "--text", "诉求内容", "--label", "处置单位",
                "--out", str(files / "m2"), "--json", "--target-precision", "0.9"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["import"]["rejected"] == [{"line": 3, "reason": "no unit"}, {"line": 82, "reason": "no text"}]
    assert report["import"]["ignored_columns"] == ["工单编号"] and report["import"]["imported"][:2] == [{"line": 2}, {"line": 4}]
    assert report["rows"] == 79 and report["labels"] == 4 and report["too_few_examples"] == {}
    assert report["target_precision"] == 0.9 and set(report["cv_coverage_at_precision"]) == {"0.95", "0.98"}


def test_eval_prints_the_promised_keys_on_a_gbk_file(model, files, capsys):
    code = cli(["routing", "eval", str(files / "test.csv"), "--model", str(model), "--text", "诉求内容", "--label", "处置单位", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"n", "accuracy", "macro_f1", "coverage_at_precision", "messages_per_second"} <= set(result)
    assert result["n"] == 4 and set(result["coverage_at_precision"]) == {"0.95", "0.98"}
    assert result["accuracy"] == 1.0 and result["messages_per_second"] > 0 and result["unknown_labels"] == []


def test_aliases_map_the_historys_names_before_measuring(model, files, capsys):
    write_history(files / "renamed.csv", [("1", "金盘路红绿灯坏了", "公安局交通警察支队"), ("2", "国兴大道停水", "市水务局")])
    (files / "aliases.csv").write_text("alias,target\n公安局交通警察支队,交警支队\n市 水务局,水务局\n", encoding="utf-8")
    code = cli(["routing", "eval", str(files / "renamed.csv"), "--model", str(model), "--text", "诉求内容",
                "--label", "处置单位", "--aliases", str(files / "aliases.csv"), "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["accuracy"] == 1.0 and result["unknown_labels"] == []


def test_an_unknown_column_is_refused_naming_the_files_columns(model, files, capsys):
    code = cli(["routing", "eval", str(files / "test.csv"), "--model", str(model), "--text", "内容", "--label", "处置单位"])
    assert code == 2
    assert "no column text (内容); columns in the file: 处置单位, 工单编号, 诉求内容" in capsys.readouterr().err


def test_a_file_whose_labels_are_all_empty_is_refused(files, capsys):
    write_history(files / "empty.csv", [("1", "停电了", ""), ("2", "停水了", "")])
    code = cli(["routing", "train", str(files / "empty.csv"), "--text", "诉求内容", "--label", "处置单位", "--out", str(files / "x")])
    assert code == 2
    assert "no row has both a text (诉求内容) and a label (处置单位); 2 rows rejected" in capsys.readouterr().err


def test_missing_files_and_models_are_clear_errors(files, capsys):
    assert cli(["routing", "eval", str(files / "nope.csv"), "--model", str(files / "model"), "--text", "a", "--label", "b"]) == 2
    assert cli(["routing", "eval", str(files / "test.csv"), "--model", str(files), "--text", "诉求内容", "--label", "处置单位"]) == 2
    err = capsys.readouterr().err
    assert "nope.csv: no such file" in err and "no routing model here" in err


def test_the_old_classifier_name_runs_the_routing_command(model, files, capsys):
    code = cli(["classifier", "eval", str(files / "test.csv"), "--model", str(model), "--text", "诉求内容", "--label", "处置单位", "--json"])
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["n"] == 4
    assert "gridgov classifier eval is now gridgov routing eval" in captured.err


def test_a_row_with_a_control_character_is_rejected_by_line_and_the_rest_measured(model, files, capsys):
    write_history(files / "ctrl.csv", [("1", "金盘路红绿灯坏了", "交警支队"), ("2", "国兴大道\x08停水", "水务局"), ("3", "南沙路电线杆倒了", "供电局")])
    code = cli(["routing", "eval", str(files / "ctrl.csv"), "--model", str(model), "--text", "诉求内容", "--label", "处置单位", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["n"] == 2
    assert result["rejected"] == [{"line": 3, "reason": "a field contains a control character (U+0008) at position 5"}]


def test_the_alias_table_in_the_database_maps_the_labels(model, files, sqlite_platform, monkeypatch, capsys):
    from gridgov.domain.roles import SYSTEM_ACTOR
    from gridgov.services.routing import put_aliases
    from tests.conftest import populate

    populate(sqlite_platform)
    put_aliases(sqlite_platform.engine, SYSTEM_ACTOR, {"unit": {"交警支队": "dept-chengguan"}}, sqlite_platform.clock.now())
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(sqlite_platform.settings.data_dir))
    write_history(files / "db.csv", [("1", "金盘路红绿灯坏了", "交警支队"), ("2", "国兴大道停水", "水务局")])
    code = cli(["routing", "eval", str(files / "db.csv"), "--model", str(model), "--text", "诉求内容", "--label", "处置单位",
                "--aliases-from-db", "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    # the history's 交警支队 is now the directory's dept-chengguan, a unit the model was not trained on
    assert code == 0 and result["unknown_labels"] == ["dept-chengguan"] and result["accuracy"] == 0.5

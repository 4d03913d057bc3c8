"""`gridgov classifier eval` as the evaluator runs it, and its bad inputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from gridgov.cli import main as cli

HELDOUT = Path(__file__).resolve().parents[2] / "data" / "tipdm2020c" / "heldout_raw.csv"


def small_heldout(tmp_path, n=60) -> Path:
    rows = list(csv.DictReader(HELDOUT.open(encoding="utf-8")))[:n]
    out = tmp_path / "h.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["title", "detail", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return out


def test_eval_prints_one_json_object_with_the_promised_keys(tmp_path, capsys):
    assert cli(["classifier", "eval", str(small_heldout(tmp_path)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 60 and 0.8 <= result["macro_f1"] <= 1.0 and result["accuracy"] >= 0.85
    assert set(result["coverage_at_precision"]) == {"0.95", "0.98"} and result["messages_per_second"] > 0


def test_eval_refuses_missing_files_columns_and_unknown_labels(tmp_path, capsys):
    assert cli(["classifier", "eval", str(tmp_path / "nope.csv")]) == 2
    no_label = tmp_path / "a.csv"
    no_label.write_text("title,detail\n路灯坏了,晚上很黑\n", encoding="utf-8")
    assert cli(["classifier", "eval", str(no_label)]) == 2
    unknown = tmp_path / "b.csv"
    unknown.write_text("title,detail,label\n路灯坏了,晚上很黑,天文学\n", encoding="utf-8")
    assert cli(["classifier", "eval", str(unknown)]) == 2
    assert cli(["classifier", "eval", str(small_heldout(tmp_path, 5)), "--model", str(no_label)]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "label column" in err and "天文学" in err and "not a readable model" in err


def test_train_refuses_a_file_with_one_label(tmp_path, capsys):
    one = tmp_path / "one.csv"
    one.write_text("text,label\n" + "".join(f"内容{i},城乡建设\n" for i in range(10)), encoding="utf-8")
    assert cli(["classifier", "train", str(one), "--text-column", "text", "--out", str(tmp_path / "m.joblib")]) == 2
    assert "two labels" in capsys.readouterr().err

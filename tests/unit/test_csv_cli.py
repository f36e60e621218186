"""`python -m nnlib train --csv PATH --target COLUMN [--task ...]`: good, messy and hostile files the tests write.

The CLI runs in-process (``main([...])``); its last line is the same JSON object as for iris.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from nnlib.__main__ import main
from nnlib.data.table import load_csv_file
from nnlib.training import Trainer, default_config, split_data


def last_json(capsys: pytest.CaptureFixture) -> tuple[dict, str]:
    captured = capsys.readouterr()
    return json.loads(captured.out.strip().splitlines()[-1]), captured.err


def write(folder: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> str:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return str(path)


def linear_table(rows: int = 240, seed: int = 0) -> str:
    """price = 3·area − 2·rooms + 50 + noise, and a kind that follows the area."""
    rng = np.random.default_rng(seed)
    lines = ["area,rooms,kind,price"]
    for _ in range(rows):
        area, rooms = rng.uniform(20, 120), int(rng.integers(1, 5))
        kind = "big" if area > 70 else "small"
        lines.append(f"{area:.2f},{rooms},{kind},{3 * area - 2 * rooms + 50 + rng.normal(0, 1):.3f}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def iris_keys(capsys: pytest.CaptureFixture) -> set[str]:
    assert main(["train", "--dataset", "iris", "--epochs", "1", "--device", "cpu", "--json"]) == 0
    return set(last_json(capsys)[0])


def test_a_regression_csv_trains_and_prints_the_same_json_line_as_iris(tmp_path: Path, capsys, iris_keys) -> None:
    path = write(tmp_path, "flats.csv", linear_table())
    assert main(["train", "--csv", path, "--target", "price", "--epochs", "60", "--device", "cpu", "--json"]) == 0
    summary, err = last_json(capsys)
    assert set(summary) == iris_keys
    assert (summary["dataset"], summary["task"], summary["loss"], summary["epochs"]) == ("csv", "regression", "mse", 60)
    assert summary["test_acc"] is None and summary["val_acc"] is None
    assert summary["test_mae"] < 10 and summary["test_mape"] < 5  # prices 80 … 400: a few percent off
    assert "kind holds text: it becomes 2 yes/no inputs" in err
    # The JSON values are the trainer's own, on the same table, split and seed.
    loaded = load_csv_file(path, "price")
    config = dataclasses.replace(default_config("csv"), data_path=path, csv_target="price", csv_task="regression",
                                 loss="mse", epochs=60, device="cpu")
    trainer = Trainer(config, split_data(config, loaded.dataset))
    trainer.run()
    assert summary["test_mse"] == trainer.state["test_mse"] and summary["val_mae"] == trainer.history[-1].val_mae


def test_a_text_target_is_a_classification_and_the_task_can_be_chosen(tmp_path: Path, capsys, iris_keys) -> None:
    path = write(tmp_path, "flats.csv", linear_table())
    assert main(["train", "--csv", path, "--target", "kind", "--inputs", "area,rooms", "--epochs", "40",
                 "--device", "cpu", "--json"]) == 0
    summary, _ = last_json(capsys)
    assert set(summary) == iris_keys
    assert (summary["task"], summary["loss"]) == ("classification", "cross_entropy")
    assert summary["test_acc"] >= 0.9 and summary["test_mae"] is None
    # Whole numbers with few values are guessed to be classes; --task regression makes them values.
    assert main(["train", "--csv", path, "--target", "rooms", "--task", "regression", "--loss", "l1",
                 "--epochs", "2", "--device", "cpu", "--json"]) == 0
    summary, _ = last_json(capsys)
    assert (summary["task"], summary["loss"]) == ("regression", "l1") and summary["test_mae"] is not None
    assert main(["train", "--csv", path, "--target", "rooms", "--epochs", "2", "--device", "cpu", "--json"]) == 0
    assert last_json(capsys)[0]["task"] == "classification"
    # --task alone brings its task's default loss.
    assert main(["train", "--csv", path, "--target", "rooms", "--task", "regression", "--epochs", "2",
                 "--device", "cpu", "--json"]) == 0
    summary, _ = last_json(capsys)
    assert (summary["task"], summary["loss"]) == ("regression", "mse") and summary["test_mse"] is not None


def test_a_messy_csv_drops_rows_with_missing_values_and_says_so(tmp_path: Path, capsys) -> None:
    lines = linear_table(rows=120).splitlines()
    lines[5] = lines[5].replace(",small,", ",,").replace(",big,", ",,")  # a missing text value
    lines[9] = ",2,small,120.0"  # a missing number
    lines = [line + ",note " + str(i) for i, line in enumerate(lines)]  # a text column with many values
    lines[0] = "area,rooms,kind,price,comment"
    path = write(tmp_path, "messy.csv", "\n".join(lines) + "\n")
    assert main(["train", "--csv", path, "--target", "price", "--epochs", "3", "--device", "cpu", "--json"]) == 0
    summary, err = last_json(capsys)
    assert "2 rows of 120 have a missing value and are left out." in err
    assert "comment holds text with 120 different values: it is left out." in err
    assert summary["task"] == "regression" and summary["epochs"] == 3


def test_a_russian_spreadsheet_with_semicolons_in_cp1251_trains(tmp_path: Path, capsys) -> None:
    text = linear_table(rows=90).replace(",", ";").replace("area;rooms;kind;price", "площадь;комнаты;тип;цена")
    path = write(tmp_path, "квартиры.csv", text, encoding="cp1251")
    assert main(["train", "--csv", path, "--target", "тип", "--epochs", "2", "--device", "cpu", "--json"]) == 0
    summary, _ = last_json(capsys)
    assert summary["task"] == "classification" and summary["dataset"] == "csv"


@pytest.mark.parametrize(
    ("content", "arguments", "said"),
    [
        (b"PK\x03\x04\x00\x00binary zip", ["--target", "y"], "is not a text CSV file (it holds binary data)"),
        ("a,b,y\n1,2,3\n4,5,6,7,8\n", ["--target", "y"], "the rows do not all have the same number of columns"),
        ("a,b,y\n1,2,x\n3,4,x\n5,6,x\n", ["--target", "y"], "The target y has one value only"),
        ("a,b,y\n1,2,3\n3,4,5\n", ["--target", "price"], "There is no column called price."),
        ("a,b,y\n" + "".join(f"{i},{i},{i * 0.37:.2f}\n" for i in range(150)), ["--target", "y", "--task",
                                                                                  "classification"],
         "The target y has 150 different values"),
        ("a,b,y\n1,2,3.5\n3,4,5.5\n", ["--target", "y", "--task", "regression", "--loss", "cross_entropy"],
         "CrossEntropyLoss is a classification loss"),
        ("a,b,y\n1,2,3\n", [], "A CSV table needs a file and its target column"),
    ],
    ids=["binary", "ragged", "one-class", "no-target", "too-many-classes", "wrong-loss", "no-target-given"],
)
def test_a_csv_that_cannot_be_used_is_one_clear_message(tmp_path: Path, capsys, content, arguments, said) -> None:
    path = write(tmp_path, "bad.csv", content)
    assert main(["train", "--csv", path, *arguments, "--epochs", "1", "--device", "cpu", "--json"]) == 2
    captured = capsys.readouterr()
    assert said in captured.err and captured.err.startswith("error: ") and captured.out == ""


def test_a_missing_file_and_csv_options_without_a_file_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["train", "--csv", str(tmp_path / "nowhere.csv"), "--target", "y"]) == 2
    assert "There is no file" in capsys.readouterr().err
    assert main(["train", "--dataset", "iris", "--target", "y"]) == 2
    assert "--csv PATH --target COLUMN" in capsys.readouterr().err


@pytest.mark.parametrize("dataset", ["diabetes", "curve"])
def test_the_regression_sets_train_from_the_cli(dataset: str, capsys, iris_keys) -> None:
    assert main(["train", "--dataset", dataset, "--epochs", "5", "--device", "cpu", "--json"]) == 0
    summary, _ = last_json(capsys)
    assert set(summary) == iris_keys
    assert (summary["dataset"], summary["task"], summary["loss"]) == (dataset, "regression", "mse")
    assert summary["test_mse"] > 0 and summary["val_mae"] > 0
    assert main(["train", "--dataset", dataset, "--loss", "nll", "--epochs", "1"]) == 2
    assert "NLLLoss is a classification loss" in capsys.readouterr().err

"""The Training page's regressions and a student's own CSV, with the trainer's own numbers."""

from __future__ import annotations

import math

import pytest

from tests.app.conftest import app_test, button


def train_to_the_end(training_page):
    button(training_page, "training_start").click().run()
    assert not training_page.exception, training_page.exception
    run = training_page.session_state["training_run"]
    assert run.wait(120)
    training_page.run()
    assert not training_page.exception, training_page.exception
    return run


def test_diabetes_trains_the_course_network_with_the_chosen_loss_and_reports_mse_mae_mape(training_page) -> None:
    training_page.radio(key="training_dataset").set_value("regression").run()
    training_page.selectbox(key="training_regression_set").set_value("diabetes").run()
    assert not training_page.exception
    assert training_page.selectbox(key="training_loss").options[:3] == ["MSELoss: mean squared error",
                                                             "L1Loss: mean absolute error",
                                                             "SmoothL1Loss: squared near 0, absolute further out"]
    assert training_page.selectbox(key="training_preset").value == "regression"
    training_page.selectbox(key="training_loss").set_value("huber").run()
    training_page.number_input(key="training_epochs_diabetes").set_value(5).run()
    run = train_to_the_end(training_page)
    trainer = run.trainer
    assert trainer.regression and trainer.config.loss == "huber" and trainer.epoch == 5
    assert [m.in_features for m in trainer.model if hasattr(m, "in_features")] == [3, 10, 20]
    metrics = {m.label: m.value for m in training_page.metric}
    assert metrics["Test MSE"] == f"{trainer.state['test_mse']:.4f}"
    assert metrics["Test MAE"] == f"{trainer.state['test_mae']:.4f}"
    assert metrics["Test MAPE"] == f"{trainer.state['test_mape']:.4f} %"
    assert "Test accuracy" not in metrics


def test_the_curve_trains_with_its_own_network_and_draws_its_fit(training_page) -> None:
    training_page.radio(key="training_dataset").set_value("regression").run()
    training_page.selectbox(key="training_regression_set").set_value("curve").run()
    assert training_page.selectbox(key="training_preset").value == "curve"
    training_page.number_input(key="training_epochs_curve").set_value(3).run()
    run = train_to_the_end(training_page)
    assert run.trainer.epoch == 3 and math.isfinite(run.trainer.state["test_mse"])
    assert any("its function (red)" in m.value for m in training_page.markdown)


def test_inside_a_letters_run_shows_the_first_layer_as_pictures_and_its_mistakes_pair_by_pair(training_page) -> None:
    from nnlib.training.inside import mistakes

    training_page.radio(key="training_dataset").set_value("notmnist").run()
    training_page.number_input(key="training_epochs_notmnist").set_value(1).run()
    run = train_to_the_end(training_page)
    trainer = run.trainer
    expander = next(e for e in training_page.expander if e.label.startswith("Inside the trained network"))
    assert any("First-layer weights as 28×28 pictures" in m.value for m in expander.markdown)
    units = trainer.model[1].out_features
    assert any(f"The first 64 of {units} units, numbered" in c.value for c in expander.caption)
    predicted, true = trainer.predict("test")
    groups = mistakes(true.numpy(), predicted.numpy())
    if groups:  # the most frequent pair first, with its count
        (first_true, first_predicted), members = next(iter(groups.items()))
        pair = training_page.selectbox(key="training_inside_pair")
        assert pair.options[0].startswith(f"{trainer.classes[first_true]} → {trainer.classes[first_predicted]}: "
                                          f"{len(members)} sample")


def test_inside_a_regression_run_groups_the_test_errors_by_the_true_value(training_page) -> None:
    training_page.radio(key="training_dataset").set_value("regression").run()
    training_page.selectbox(key="training_regression_set").set_value("diabetes").run()
    training_page.number_input(key="training_epochs_diabetes").set_value(3).run()
    run = train_to_the_end(training_page)
    predicted, true = run.trainer.predict("test")
    bins = next(d.value for d in training_page.dataframe if "true value from" in d.value.columns)
    assert bins["test samples"].sum() == len(true)
    assert bins["true value from"].iloc[0] == round(float(true.min()), 4)
    training_page.selectbox(key="training_inside_bin").set_value(len(bins) - 1).run()
    assert not training_page.exception
    examples = next(d.value for d in training_page.dataframe if "error" in d.value.columns)
    assert list(examples.columns[:3]) == ["bmi", "bp", "s5"]
    assert examples["error"].is_monotonic_decreasing  # the worst first
    assert (examples["true value"] >= bins["true value from"].iloc[-1] - 1e-3).all()


# ------------------------------------------------------------------ a student's own CSV


class Upload:
    """What st.file_uploader hands the page: a name and the bytes."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data = name, data

    def getvalue(self) -> bytes:
        return self.data


@pytest.fixture()
def csv_page(monkeypatch):
    """The Training page on "Your own CSV table", with the file the test puts in ``files["now"]``."""
    import streamlit as st

    files: dict[str, Upload | None] = {"now": None}
    original = st.file_uploader

    def uploader(*args, **kwargs):
        if kwargs.get("key") == "training_csv_file":
            return files["now"]
        return original(*args, **kwargs)

    monkeypatch.setattr(st, "file_uploader", uploader)
    at = app_test("pages/training.py", timeout=120).run()
    at.radio(key="training_dataset").set_value("csv").run()
    assert not at.exception
    return at, files


def test_a_good_csv_trains_as_a_regression_with_the_trainers_own_numbers(csv_page) -> None:
    training_page, files = csv_page
    assert any("Upload a table" in c.value for c in training_page.caption)
    rows = ["area,rooms,price"] + [f"{30 + i},{1 + i % 4},{(30 + i) * 1.5 + (1 + i % 4) * 7.25:.2f}" for i in range(120)]
    files["now"] = Upload("flats.csv", "\n".join(rows).encode())
    training_page.run()
    assert not training_page.exception
    assert training_page.selectbox(key="training_csv_target").value == "price"
    assert training_page.radio(key="training_csv_task_price").value == "regression"
    assert training_page.multiselect(key="training_csv_inputs_price").value == ["area", "rooms"]
    assert training_page.selectbox(key="training_csv_loss_regression").value == "mse"
    assert training_page.selectbox(key="training_preset").value == "table"
    training_page.number_input(key="training_epochs_csv").set_value(4).run()
    run = train_to_the_end(training_page)
    trainer = run.trainer
    assert trainer.regression and trainer.config.csv_target == "price" and trainer.epoch == 4
    assert len(trainer.train_y) + len(trainer.val_y) + len(trainer.test_y) == 120
    metrics = {m.label: m.value for m in training_page.metric}
    assert metrics["Test MSE"] == f"{trainer.state['test_mse']:.4f}"
    assert metrics["Test MAE"] == f"{trainer.state['test_mae']:.4f}"
    assert "training_upload_split" in training_page.session_state  # split in this session, not the server's shared cache


def test_a_messy_csv_says_what_was_encoded_left_out_and_dropped_and_trains_as_classes(csv_page) -> None:
    training_page, files = csv_page
    lines = ["рост;вес;город;имя;класс"]
    for i in range(60):
        weight = "" if i in (3, 17) else str(50 + i % 30)
        lines.append(f"{150 + i};{weight};{('Москва', 'Казань', 'Омск')[i % 3]};Имя{i};{('A', 'B')[i % 2]}")
    files["now"] = Upload("школа.csv", "\n".join(lines).encode("cp1251"))
    training_page.run()
    assert not training_page.exception
    assert training_page.radio(key="training_csv_task_класс").value == "classification"
    notes = [i.value for i in training_page.info]
    assert "город holds text: it becomes 3 yes/no inputs, one per value." in notes
    assert any(n.startswith("имя") and "left out" in n for n in notes), notes
    assert "2 rows of 60 have a missing value and are left out." in notes
    training_page.number_input(key="training_epochs_csv").set_value(3).run()
    run = train_to_the_end(training_page)
    assert run.trainer.classes == ("A", "B") and run.trainer.train_x.shape[1] == 5  # рост, вес, 3 cities
    metrics = {m.label: m.value for m in training_page.metric}
    assert metrics["Test accuracy"] == f"{run.trainer.state['test_acc']:.2%}"


@pytest.mark.parametrize("name, data, code", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "data.csv_binary"),
    ("ragged.csv", b"a,b,c\n1,2,3\n4,5,6,7,8\n", "data.csv_ragged"),
    ("one.csv", b"only\n1\n2\n", "data.csv_too_small"),
])
def test_a_hostile_csv_is_one_clear_message_never_a_traceback(csv_page, name, data, code) -> None:
    from nnlib.core.errors import InputError
    from nnlib.core.settings import get_settings
    from nnlib.data.table import read_csv_table

    training_page, files = csv_page
    files["now"] = Upload(name, data)
    training_page.run()
    assert not training_page.exception
    with pytest.raises(InputError) as refused:
        read_csv_table(data, name, get_settings().max_upload_mb * 2**20)
    assert refused.value.code == code
    assert [e.value for e in training_page.error] == [refused.value.words("en")]
    assert not [b for b in training_page.button if b.key == "training_start"]  # nothing to train: the page stopped


def test_a_csv_is_offered_only_the_presets_of_its_task(csv_page) -> None:
    from nnlib import layers as net

    assert {name: preset.trains_as for name, preset in net.PRESETS.items()} == {
        "iris": "classification", "notmnist": "classification", "regression": "regression", "binary": None}
    training_page, files = csv_page
    values = "\n".join(f"{i},{i % 5},{i * 0.5:.1f},{(i * 7) % 11 + 0.5}" for i in range(60))
    files["now"] = Upload("three.csv", ("a,b,c,y\n" + values).encode())
    training_page.run()
    assert training_page.radio(key="training_csv_task_y").value == "regression"
    assert training_page.selectbox(key="training_preset").options == ["Table inputs → 32 → 16 → outputs (ReLU)",
                                                            "Regression 3 → 10 → 20 → 1"]
    training_page.radio(key="training_csv_task_y").set_value("classification").run()
    assert not training_page.exception
    assert training_page.selectbox(key="training_preset").options == ["Table inputs → 32 → 16 → outputs (ReLU)"]


def test_a_new_csv_target_after_reset_trains_on_a_new_split_of_that_target(csv_page) -> None:
    training_page, files = csv_page
    rows = ["a,b,first,second"] + [f"{i % 7},{(i * 3) % 5},{i * 0.5 + 0.25},{1000 + i * 0.5 + 0.25}" for i in range(90)]
    files["now"] = Upload("two.csv", "\n".join(rows).encode())
    training_page.run()
    assert training_page.selectbox(key="training_csv_target").value == "second"
    training_page.number_input(key="training_epochs_csv").set_value(2).run()
    before = train_to_the_end(training_page).trainer
    assert before.config.csv_target == "second" and bool((before.test_y >= 1000).all())
    button(training_page, "training_reset").click().run()
    assert not training_page.exception
    training_page.selectbox(key="training_csv_target").set_value("first").run()
    assert training_page.radio(key="training_csv_task_first").value == "regression"
    training_page.number_input(key="training_epochs_csv").set_value(2).run()
    trainer = train_to_the_end(training_page).trainer
    assert trainer.config.csv_target == "first"
    # The test targets are the new column's, row by row: its input "second" is 1000 + the target.
    inputs = trainer.test_x.cpu()
    if trainer.std is not None:
        inputs = inputs * trainer.std + trainer.mean
    assert trainer.test_y.cpu().lt(1000).all()
    assert (inputs[:, 2] - 1000 - trainer.test_y.cpu().flatten()).abs().max() < 1e-2


def test_inside_a_regression_with_one_test_target_value_says_so_instead_of_bins(csv_page) -> None:
    training_page, files = csv_page
    rows = ["a,b,y"] + [f"{i * 0.1:.1f},{(i * 3) % 5},2.5" for i in range(60)]
    files["now"] = Upload("flat.csv", "\n".join(rows).encode())
    training_page.run()
    training_page.radio(key="training_csv_task_y").set_value("regression").run()
    training_page.number_input(key="training_epochs_csv").set_value(2).run()
    train_to_the_end(training_page)
    assert any("All test targets have the same value, 2.5" in c.value for c in training_page.caption)
    assert not any("true value from" in d.value.columns for d in training_page.dataframe)

"""The Training page's regressions and a student's own CSV, with the trainer's own numbers."""

from __future__ import annotations

import math

import pytest

from tests.app.conftest import app_test


@pytest.fixture()
def page():
    at = app_test("pages/training.py", timeout=120).run()
    assert not at.exception
    return at


def button(at, key: str):
    return next(b for b in at.button if b.key == key)


def train_to_the_end(page):
    button(page, "training_start").click().run()
    assert not page.exception, page.exception
    run = page.session_state["training_run"]
    assert run.wait(120)
    page.run()
    assert not page.exception, page.exception
    return run


def test_diabetes_trains_the_course_network_with_the_chosen_loss_and_reports_mse_mae_mape(page) -> None:
    page.radio(key="training_dataset").set_value("regression").run()
    page.selectbox(key="training_regression_set").set_value("diabetes").run()
    assert not page.exception
    assert page.selectbox(key="training_loss").options[:3] == ["MSELoss: mean squared error",
                                                             "L1Loss: mean absolute error",
                                                             "SmoothL1Loss: squared near 0, absolute further out"]
    assert page.selectbox(key="training_preset").value == "regression"
    page.selectbox(key="training_loss").set_value("huber").run()
    page.number_input(key="training_epochs_diabetes").set_value(5).run()
    run = train_to_the_end(page)
    trainer = run.trainer
    assert trainer.regression and trainer.config.loss == "huber" and trainer.epoch == 5
    assert [m.in_features for m in trainer.model if hasattr(m, "in_features")] == [3, 10, 20]
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Test MSE"] == f"{trainer.state['test_mse']:.4f}"
    assert metrics["Test MAE"] == f"{trainer.state['test_mae']:.4f}"
    assert metrics["Test MAPE"] == f"{trainer.state['test_mape']:.4f} %"
    assert "Test accuracy" not in metrics


def test_the_curve_trains_with_its_own_network_and_draws_its_fit(page) -> None:
    page.radio(key="training_dataset").set_value("regression").run()
    page.selectbox(key="training_regression_set").set_value("curve").run()
    assert page.selectbox(key="training_preset").value == "curve"
    page.number_input(key="training_epochs_curve").set_value(3).run()
    run = train_to_the_end(page)
    assert run.trainer.epoch == 3 and math.isfinite(run.trainer.state["test_mse"])
    assert any("its function (red)" in m.value for m in page.markdown)


def test_inside_a_letters_run_shows_the_first_layer_as_pictures_and_its_mistakes_pair_by_pair(page) -> None:
    from nnlib.training.inside import mistakes

    page.radio(key="training_dataset").set_value("notmnist").run()
    page.number_input(key="training_epochs_notmnist").set_value(1).run()
    run = train_to_the_end(page)
    trainer = run.trainer
    expander = next(e for e in page.expander if e.label.startswith("Inside the trained network"))
    assert any("First-layer weights as 28×28 pictures" in m.value for m in expander.markdown)
    units = trainer.model[1].out_features
    assert any(f"The first 64 of {units} units" in c.value for c in expander.caption)
    predicted, true = trainer.predict("test")
    groups = mistakes(true.numpy(), predicted.numpy())
    if groups:  # the most frequent pair first, with its count
        (first_true, first_predicted), members = next(iter(groups.items()))
        pair = page.selectbox(key="training_inside_pair")
        assert pair.options[0].startswith(f"{trainer.classes[first_true]} → {trainer.classes[first_predicted]}: "
                                          f"{len(members)} sample")


def test_inside_a_regression_run_groups_the_test_errors_by_the_true_value(page) -> None:
    page.radio(key="training_dataset").set_value("regression").run()
    page.selectbox(key="training_regression_set").set_value("diabetes").run()
    page.number_input(key="training_epochs_diabetes").set_value(3).run()
    run = train_to_the_end(page)
    predicted, true = run.trainer.predict("test")
    bins = next(d.value for d in page.dataframe if "true value from" in d.value.columns)
    assert bins["test samples"].sum() == len(true)
    assert bins["true value from"].iloc[0] == round(float(true.min()), 4)
    page.selectbox(key="training_inside_bin").set_value(len(bins) - 1).run()
    assert not page.exception
    examples = next(d.value for d in page.dataframe if "error" in d.value.columns)
    assert list(examples.columns[:3]) == ["bmi", "bp", "s5"]
    assert examples["error"].is_monotonic_decreasing  # the worst first
    assert (examples["true"] >= bins["true value from"].iloc[-1] - 1e-3).all()

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

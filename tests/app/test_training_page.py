"""The training page starts, steps, stops and finishes a run, and shows its results."""

from __future__ import annotations

import time

import pytest

from tests.app.conftest import app_test


@pytest.fixture()
def page():
    at = app_test("pages/training.py", timeout=120).run()
    assert not at.exception
    return at


def button(at, key: str):
    return next(b for b in at.button if b.key == key)


def test_defaults_are_the_course_setup(page) -> None:
    assert page.radio(key="training_dataset").value == "iris"
    assert page.selectbox(key="training_preset").value == "iris"
    assert page.selectbox(key="training_optimizer").value == "sgd"
    assert page.selectbox(key="training_device").value == "cpu"
    assert button(page, "training_pause").disabled and button(page, "training_stop").disabled


def test_step_one_epoch_then_train_to_the_end(page) -> None:
    page.number_input(key="training_epochs_iris").set_value(5)
    button(page, "training_step").click().run()
    assert not page.exception
    run = page.session_state["training_run"]
    assert run.trainer.epoch == 1 and not run.trainer.finished
    # settings lock while a run exists
    assert page.selectbox(key="training_optimizer").disabled
    button(page, "training_start").click().run()
    assert run.wait(60)
    page.run()
    assert not page.exception
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Epochs"] == "5"
    assert metrics["Test accuracy"] == f"{run.trainer.state['test_acc']:.2%}"
    per_class = next(d.value for d in page.dataframe if "test samples" in d.value.columns)
    assert per_class["class"].tolist() == ["setosa", "versicolor", "virginica"]
    assert sum(per_class["test samples"]) == len(run.trainer.test_y)


def test_stop_and_reset(page) -> None:
    page.number_input(key="training_epochs_iris").set_value(400)
    page.number_input(key="training_batch_iris").set_value(1)
    button(page, "training_start").click().run()
    run = page.session_state["training_run"]
    time.sleep(0.3)
    page.run()
    assert not button(page, "training_stop").disabled
    button(page, "training_stop").click().run()
    assert not run.is_alive and run.progress().status == "stopped" and run.trainer.epoch < 400
    button(page, "training_reset").click().run()
    assert "training_run" not in page.session_state
    assert not page.selectbox(key="training_optimizer").disabled


def test_bad_builder_network_is_a_clear_message(page) -> None:
    page.session_state["builder_layers"] = [{"kind": "Linear", "in_features": 4, "out_features": 2}]
    page.session_state["builder_input_shape"] = [4]
    page.run()
    page.radio(key="training_network_source").set_value("builder").run()
    button(page, "training_start").click().run()
    assert not page.exception
    assert "3 classes" in page.error[0].value
    assert "training_run" not in page.session_state

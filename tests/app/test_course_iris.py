"""The course's iris section (text 004) through AppTest: one seed, many seeds, the charts' numbers."""

from __future__ import annotations

import json

import pytest

from nnlib.training import course
from tests.app.conftest import app_test

SCRIPT = "tests/app/scripts/course_iris_demo.py"


def run_app():
    app = app_test(SCRIPT)
    app.run()
    assert not app.exception
    return app


def chart_specs(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def layer_rows(spec: dict, mark: str) -> list[list[dict]]:
    return [layer["data"]["values"] for layer in spec["layer"] if layer["mark"]["type"] == mark]


def test_nothing_is_trained_before_a_button_is_pressed() -> None:
    app = run_app()
    assert app.number_input(key="course_iris_seed").value == 0
    assert app.number_input(key="course_iris_count").value == course.DEFAULT_SEED_COUNT == 20
    assert [b.label for b in app.button] == ["Train seed 0", "Train 20 seeds"]
    assert not app.get("vega_lite_chart")
    code = app.code[0].value
    assert "torch.manual_seed(0)" in code and "SGD(model.parameters(), lr=0.01)" in code
    assert "X_train, X_val = X[:100], X[100:]" in code


def test_one_seed_against_the_courses_printed_numbers() -> None:
    app = run_app()
    app.button(key="course_iris_one").click().run()
    assert not app.exception
    assert [m.value for m in app.markdown] == [
        "Seed 0: 47 of 50 validation flowers right, 94 % (the course: 88 %)."]
    assert app.caption[-1].value == (
        "Seed 0: the loss goes from 1.409 to 0.340 in 500 steps; the course printed 1.414 → 0.347 "
        "(its own random initialization and shuffle).")
    [loss_chart] = chart_specs(app)
    [trace] = layer_rows(loss_chart, "line")
    assert (trace[0]["step"], trace[-1]["step"]) == (1, 500)
    assert trace[0]["loss"] == pytest.approx(1.40867, abs=1e-4)
    assert trace[-1]["loss"] == pytest.approx(0.33975, abs=1e-4)
    [printed] = layer_rows(loss_chart, "point")
    assert [(p["step"], p["loss"]) for p in printed] == [(1, 1.414), (500, 0.347)]


def test_many_seeds_show_their_spread_with_the_courses_88_percent() -> None:
    app = run_app()
    app.number_input(key="course_iris_seed").set_value(8)
    app.number_input(key="course_iris_count").set_value(3).run()
    app.button(key="course_iris_many").click().run()
    assert not app.exception
    assert [m.value for m in app.markdown] == [
        "Validation accuracy over 3 seeds: lowest 86 %, median 98 %, highest 98 %; 2 seeds reach the "
        "course's 88 %."]
    spread_chart, loss_chart = chart_specs(app)
    [bars] = layer_rows(spread_chart, "bar")
    assert bars == [{"accuracy": 86.0, "seeds": 1}, {"accuracy": 98.0, "seeds": 2}]  # seeds 9; 8 and 10
    [rule] = layer_rows(spread_chart, "rule")
    assert rule[0]["accuracy"] == 88.0
    [traces] = layer_rows(loss_chart, "line")
    assert sorted({row["seed"] for row in traces}) == [8, 9, 10]
    for seed in (8, 9, 10):
        mine = [row for row in traces if row["seed"] == seed]
        assert (mine[0]["step"], mine[-1]["step"]) == (1, 500)
    assert "torch.manual_seed(8)" in app.code[0].value


def test_a_server_that_caps_epochs_below_500_says_so(monkeypatch) -> None:
    from nnlib.core.settings import get_settings

    monkeypatch.setenv("NNLIB_MAX_EPOCHS", "200")
    get_settings.cache_clear()
    try:
        app = run_app()
        app.button(key="course_iris_one").click().run()
    finally:
        monkeypatch.delenv("NNLIB_MAX_EPOCHS")
        get_settings.cache_clear()
    assert not app.exception
    assert [e.value for e in app.error] == ["Epochs must be between 1 and 200, got 500."]
    assert not app.get("vega_lite_chart")

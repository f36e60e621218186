"""The Optimizers page, driven headlessly: presets, surfaces, the chosen step's numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nnlib.core.formatting import latex_column
from nnlib.optimizers import OPTIMIZERS
from nnlib.optimizers.paths import Hyperparameters, run_paths
from nnlib.optimizers.surfaces import SURFACES
from tests.app.conftest import app_test

PAGE = "pages/optimizers.py"


@pytest.fixture()
def at() -> AppTest:
    test = app_test(PAGE).run()
    assert not test.exception
    return test


def step_table(at: AppTest, rule: str) -> pd.DataFrame:
    return at.get_by_key(f"optimizers_table_{rule}").dataframe[0].value


def summary(at: AppTest) -> pd.DataFrame:
    return at.get_by_key("optimizers_summary").table[0].value


def latex(at: AppTest) -> list[str]:
    return [item.value for item in at.latex]


def test_course_alpha_fixed_step_oscillates_and_derivative_step_arrives(at: AppTest) -> None:
    assert at.title[0].value == "Optimizers"
    sign = step_table(at, "sign")
    assert sign["w₁"].round(4).tolist()[:4] == [-1.5, -1.2, -0.9, -0.6]
    assert sign["update"].round(4).tolist()[:9] == [0.3] * 9  # a fixed 0.3 against the sign
    assert sign["update"].round(4).tolist()[9:] == [-0.3, 0.3, -0.3]  # then back and forth
    gradient = step_table(at, "gradient")
    # w - 1 shrinks by (1 - 2 * 0.3) = 0.4 per step.
    assert [round(w - 1, 6) for w in gradient["w₁"]][:3] == [-2.5, -1.0, -0.4]
    assert [w.value for w in at.warning][0].startswith("Oscillating")
    assert [s.value for s in at.success][0].startswith("Arrived")
    assert r"\underbrace{0.3}_{\alpha}" in latex(at)[1]


def test_presets_set_alpha_and_show_divergence_and_crawling(at: AppTest) -> None:
    at.button(key="optimizers_1d_preset_too_large").click().run()
    assert at.number_input(key="optimizers_1d_alpha").value == 1.1
    assert any(e.value.startswith("Diverging") for e in at.error)
    gradient = step_table(at, "gradient")
    distances = [abs(w - 1) for w in gradient["w₁"]]
    assert all(b / a == pytest.approx(1.2) for a, b in zip(distances, distances[1:], strict=False))
    at.button(key="optimizers_1d_preset_too_small").click().run()
    assert at.number_input(key="optimizers_1d_alpha").value == 0.02
    assert [i.value for i in at.info if i.value.startswith("Crawling")] and len(at.error) == 0


def test_surface_summary_equals_torch_paths(at: AppTest) -> None:
    surface = SURFACES["rosenbrock"]
    paths = run_paths("rosenbrock", tuple(OPTIMIZERS), Hyperparameters(surface.learning_rates), surface.start,
                      surface.steps)
    table = summary(at)
    assert list(table.index) == [record.label for record in OPTIMIZERS.values()]
    for key, path in paths.items():
        row = table.loc[OPTIMIZERS[key].label]
        x, y = path.points[-1]
        assert row["last θ"] == f"({x:.4f}, {y:.4f})"
        reached = path.steps_to_reach(1e-3)
        assert row["steps until L − L* ≤ 0.001"] == ("never" if reached is None else str(reached))
    assert table.loc["SGD", "steps until L − L* ≤ 0.001"] == "never"
    assert table.loc["Adam", "steps until L − L* ≤ 0.001"] != "never"


def test_changing_surface_loads_its_defaults(at: AppTest) -> None:
    at.selectbox(key="optimizers_surface").set_value("saddle").run()
    assert not at.exception
    assert at.number_input(key="optimizers_x0").value == -2.5
    assert at.number_input(key="optimizers_y0").value == 0.001
    assert at.number_input(key="optimizers_steps").value == 200
    assert at.number_input(key="optimizers_lr_adagrad").value == 0.5
    table = summary(at)
    # Every method escapes the saddle to the valley at y = +sqrt(2), L = -1.
    assert all(value.endswith("1.4142)") or value.endswith("1.4139)") for value in table["last θ"])


def test_chosen_step_shows_torch_numbers_in_the_formulas(at: AppTest) -> None:
    at.slider(key="optimizers_step").set_value(5).run()
    surface = SURFACES["rosenbrock"]
    paths = run_paths("rosenbrock", ("adam",), Hyperparameters(surface.learning_rates), surface.start, 5)
    step = paths["adam"].steps[4]
    shown = "\n".join(latex(at))
    assert r"\theta_{5} &= \theta_{4}" in shown
    assert latex_column(step.theta_next) in shown
    assert latex_column(step.state["m"]) in shown and latex_column(step.state["v"]) in shown
    assert any("Step t = 5" in m.value for m in at.markdown)


def test_optimizers_can_be_switched_off(at: AppTest) -> None:
    for key in OPTIMIZERS:
        at.checkbox(key=f"optimizers_show_{key}").uncheck()
    at.run()
    assert not at.exception
    assert any("Tick at least one optimizer" in i.value for i in at.info)
    at.checkbox(key="optimizers_show_adam").check().run()
    assert list(summary(at).index) == ["Adam"]
    assert [tab.label for tab in at.tabs] == ["Adam"]


def test_a_diverging_optimizer_is_reported_and_its_formulas_stop(at: AppTest) -> None:
    at.selectbox(key="optimizers_surface").set_value("bowl").run()
    at.number_input(key="optimizers_lr_sgd").set_value(1.0).run()
    assert not at.exception
    table = summary(at)
    # y is multiplied by 1 - 1.0 * 4 = -3 per step: past the divergence bound after 13 steps.
    assert table.loc["SGD", "diverged"] == "yes"
    assert table.loc["SGD", "steps run"] == "13"
    assert table.loc["Adam", "diverged"] == "no"
    at.slider(key="optimizers_step").set_value(20).run()
    assert any("SGD stopped after 13 steps" in w.value for w in at.warning)


# --------------------------------------------------------------------------- links (URL state)


def open_link(**params: str) -> AppTest:
    """The page as a shared link opens it: the query parameters are there before the first run."""
    test = app_test(PAGE)
    for key, value in params.items():
        test.query_params[key] = value
    test.run()
    assert not test.exception
    return test


def test_a_link_naming_only_the_surface_opens_with_that_surfaces_settings() -> None:
    at = open_link(optimizers_surface="Saddle")  # a select with format_func: the link holds the label
    saddle = SURFACES["saddle"]
    assert at.selectbox(key="optimizers_surface").value == "saddle"
    assert (at.number_input(key="optimizers_x0").value, at.number_input(key="optimizers_y0").value) == saddle.start
    assert at.number_input(key="optimizers_steps").value == saddle.steps == 200
    for key, lr in saddle.learning_rates.items():
        assert at.number_input(key=f"optimizers_lr_{key}").value == lr
    paths = run_paths("saddle", tuple(OPTIMIZERS), Hyperparameters(saddle.learning_rates), saddle.start, saddle.steps)
    x, y = paths["adam"].points[-1]
    assert summary(at).loc["Adam", "last θ"] == f"({x:.4f}, {y:.4f})"


def test_a_link_with_optimizer_settings_opens_the_same_race() -> None:
    at = open_link(
        optimizers_surface="Saddle", optimizers_lr_adam="0.2", optimizers_steps="50", optimizers_x0="-2",
        optimizers_show_sgd="false", optimizers_beta1="0.8", optimizers_step="7",
        optimizers_1d_curve="Two valleys (a local and a global minimum)", optimizers_1d_alpha="0.05",
    )
    assert at.number_input(key="optimizers_lr_adam").value == 0.2
    assert at.number_input(key="optimizers_lr_adagrad").value == SURFACES["saddle"].learning_rates["adagrad"]
    assert at.number_input(key="optimizers_steps").value == 50
    assert at.checkbox(key="optimizers_show_sgd").value is False
    assert at.slider(key="optimizers_step").value == 7
    table = summary(at)
    assert list(table.index) == ["Momentum", "AdaGrad", "RMSProp", "Adam"]
    rates = dict(SURFACES["saddle"].learning_rates, adam=0.2)
    hyper = Hyperparameters(rates, {"adam": {"beta1": 0.8, "beta2": 0.999}})
    paths = run_paths("saddle", ("adam",), hyper, (-2.0, 0.001), 50)
    x, y = paths["adam"].points[-1]
    assert table.loc["Adam", "last θ"] == f"({x:.4f}, {y:.4f})"
    assert table.loc["Adam", "steps run"] == "50"
    assert any("Step t = 7" in m.value for m in at.markdown)
    # The 1-D section: the curve from the link, its own start (the default for that curve).
    assert at.selectbox(key="optimizers_1d_curve").value == "two_valleys"
    assert at.number_input(key="optimizers_1d_start").value == 2.2
    assert at.number_input(key="optimizers_1d_alpha").value == 0.05


def test_a_link_with_values_that_do_not_fit_falls_back_to_the_defaults() -> None:
    at = open_link(optimizers_surface="nowhere", optimizers_lr_adam="-3", optimizers_steps="ten")
    assert at.selectbox(key="optimizers_surface").value == "rosenbrock"
    assert at.number_input(key="optimizers_steps").value == SURFACES["rosenbrock"].steps
    assert at.number_input(key="optimizers_lr_adam").value == SURFACES["rosenbrock"].learning_rates["adam"]
    assert not at.error
    assert list(summary(at).index) == [record.label for record in OPTIMIZERS.values()]


def test_buttons_and_a_new_surface_write_the_url() -> None:
    at = open_link()
    assert not any(key.startswith("optimizers_") for key in at.query_params)  # defaults: a clean link
    at.button(key="optimizers_1d_preset_too_large").click().run()
    assert at.query_params["optimizers_1d_alpha"] == "1.1"
    # A surface's settings are its widgets' defaults: choosing it keeps the address short.
    at.selectbox(key="optimizers_surface").set_value("himmelblau").run()
    assert at.number_input(key="optimizers_x0").value == SURFACES["himmelblau"].start[0]
    assert not any(key in at.query_params for key in ("optimizers_x0", "optimizers_steps", "optimizers_lr_adam"))


def test_hyperparameter_widgets_come_from_the_records_and_old_links_still_set_them() -> None:
    at = open_link(optimizers_rms_alpha="0.9", optimizers_momentum="0.5")
    labels = [box.label for box in at.number_input if box.key in
              ("optimizers_momentum", "optimizers_rms_alpha", "optimizers_beta1", "optimizers_beta2")]
    assert labels == ["μ (Momentum)", "α (RMSProp decay)", "β₁ (Adam)", "β₂ (Adam)"]
    assert at.number_input(key="optimizers_rms_alpha").value == 0.9
    surface = SURFACES["rosenbrock"]
    hyper = Hyperparameters(surface.learning_rates, {"rmsprop": {"alpha": 0.9}, "momentum": {"momentum": 0.5}})
    paths = run_paths("rosenbrock", ("momentum", "rmsprop"), hyper, surface.start, surface.steps)
    for key, path in paths.items():
        x, y = path.points[-1]
        assert summary(at).loc[OPTIMIZERS[key].label, "last θ"] == f"({x:.4f}, {y:.4f})"


def test_a_link_holding_the_russian_labels_opens_the_same_surface_and_curve() -> None:
    # A bound select keeps the label it shows in the address; a Russian student's link holds Russian labels.
    at = open_link(optimizers_surface="Седло", optimizers_1d_curve="Две впадины (локальный и глобальный минимумы)")
    assert at.selectbox(key="optimizers_surface").value == "saddle"
    assert at.selectbox(key="optimizers_1d_curve").value == "two_valleys"
    assert at.number_input(key="optimizers_x0").value == SURFACES["saddle"].start[0]
    # The address now holds this language's labels, so a reload keeps the choice.
    assert at.query_params["optimizers_surface"] == "Saddle"
    assert at.query_params["optimizers_1d_curve"] == "Two valleys (a local and a global minimum)"

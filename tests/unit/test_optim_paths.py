"""Gradient descent in 1-D (course text 004) and torch.optim paths against hand-written update rules."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.core.errors import InputError
from nnlib.optimizers.paths import (
    ALPHA_PRESETS,
    CURVES,
    MAX_STEPS,
    OPTIMIZERS,
    SURFACES,
    Hyperparameters,
    OptimizerPath,
    adam_bias_corrected,
    curve_points,
    descend_1d,
    latex_number,
    latex_vector,
    loss_and_derivative,
    manual_path,
    run_path,
    run_paths,
    substituted_formulas,
)

# ---------------------------------------------------------------- 1-D, course text 004


def test_sign_rule_takes_fixed_course_steps_then_oscillates_around_the_minimum() -> None:
    descent = descend_1d("parabola", "sign", ALPHA_PRESETS["course"], -1.5, 12)
    assert ALPHA_PRESETS["course"] == 0.3
    expected = [-1.5 + 0.3 * k for k in range(9)] + [1.2, 0.9, 1.2, 0.9]
    assert descent.ws == pytest.approx(expected, abs=1e-12)
    for step in descent.steps:
        assert step.derivative == pytest.approx(2 * (step.w - 1))  # autograd's dL/dw of (w - 1)^2
        assert step.update == pytest.approx(-0.3 * math.copysign(1, step.derivative))


def test_gradient_rule_shrinks_the_distance_by_one_minus_two_alpha_each_step() -> None:
    descent = descend_1d("parabola", "gradient", 0.3, -1.5, 10)
    for k, w in enumerate(descent.ws):
        assert w - 1 == pytest.approx(-2.5 * 0.4**k, abs=1e-12)
    assert descent.final_loss == pytest.approx((2.5 * 0.4**10) ** 2)
    assert not descent.diverged


def test_too_large_learning_rate_diverges_and_too_small_crawls() -> None:
    large = descend_1d("parabola", "gradient", ALPHA_PRESETS["too_large"], -1.5, MAX_STEPS)
    assert large.diverged
    # |w - 1| grows by |1 - 2 * 1.1| = 1.2 per step until it passes the divergence bound.
    assert len(large.steps) == math.ceil(math.log((1e6 - 1) / 2.5) / math.log(1.2))
    small = descend_1d("parabola", "gradient", ALPHA_PRESETS["too_small"], -1.5, 30)
    assert small.final_w - 1 == pytest.approx(-2.5 * 0.96**30)
    assert abs(small.final_w - 1) > 0.7  # still far away after 30 steps


def test_too_large_fixed_step_never_settles() -> None:
    descent = descend_1d("parabola", "sign", ALPHA_PRESETS["too_large"], -1.5, 40)
    last = descent.ws[-4:]
    assert sorted(last) == pytest.approx([0.7, 0.7, 1.8, 1.8])
    assert last[0] == pytest.approx(last[2]) and last[1] == pytest.approx(last[3])
    assert min(abs(w - 1) for w in descent.ws) == pytest.approx(0.3)  # never closer than 0.3


def test_two_valleys_small_steps_stay_in_the_nearest_valley() -> None:
    descent = descend_1d("two_valleys", "gradient", 0.02, 2.2, 1000)
    # dL/dw = w^3 - 2w + 0.5 has its largest root, the local minimum on the right, near 1.2670.
    assert descent.final_w == pytest.approx(1.26703, abs=1e-4)
    assert descent.final_w**3 - 2 * descent.final_w + 0.5 == pytest.approx(0, abs=1e-6)
    _, derivative = loss_and_derivative(CURVES["two_valleys"], CURVES["two_valleys"].minimum)
    assert derivative == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize(
    ("rule", "preset", "steps", "status"),
    [
        ("sign", "course", 30, "oscillating"),  # 0.9, 1.2, 0.9, ... as the course describes
        ("sign", "too_large", 30, "oscillating"),
        ("sign", "too_small", 30, "crawling"),
        ("gradient", "course", 30, "converged"),
        ("gradient", "too_large", 30, "diverging"),
        ("gradient", "too_large", MAX_STEPS, "diverging"),
        ("gradient", "too_small", 30, "crawling"),
    ],
)
def test_descent_status_reads_the_numbers(rule: str, preset: str, steps: int, status: str) -> None:
    assert descend_1d("parabola", rule, ALPHA_PRESETS[preset], -1.5, steps).status == status


def test_curve_points_follow_the_formula() -> None:
    ws, losses = curve_points("parabola", count=5)
    assert ws == pytest.approx([-2.5, -0.75, 1.0, 2.75, 4.5])
    assert losses == pytest.approx([(w - 1) ** 2 for w in ws])


def test_1d_input_errors() -> None:
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", 0.3, 0.0, MAX_STEPS + 1)
    assert error.value.code == "steps_out_of_range"
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", -0.1, 0.0, 5)
    assert error.value.code == "not_positive"
    with pytest.raises(InputError):
        descend_1d("parabola", "gradient", 0.1, math.nan, 5)


# ---------------------------------------------------------------- 2-D surfaces


@pytest.mark.parametrize("key", list(SURFACES))
def test_listed_minima_are_minima(key: str) -> None:
    surface = SURFACES[key]
    for point in surface.minima:
        theta = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        loss = surface.fn(theta[0], theta[1])
        loss.backward()
        assert float(loss) == pytest.approx(surface.minimum_value, abs=1e-9)
        assert theta.grad.abs().max() < 1e-4


# ---------------------------------------------------------------- torch.optim against the hand rules


def _hyper(surface_key: str, **changes: float) -> Hyperparameters:
    return Hyperparameters(SURFACES[surface_key].learning_rates, **changes)


@pytest.mark.parametrize("surface_key", list(SURFACES))
@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_every_torch_step_equals_the_hand_written_rule(surface_key: str, optimizer_key: str) -> None:
    """Step for step: give the hand rule torch's point, gradient and previous state; get torch's next."""
    surface = SURFACES[surface_key]
    hyper = _hyper(surface_key)
    path = run_path(surface_key, optimizer_key, hyper, surface.start, min(surface.steps, 300))
    rule = OPTIMIZERS[optimizer_key].manual_step
    previous: dict = {}
    for step in path.steps:
        theta_next, state = rule(step.theta, step.grad, previous, step.t, hyper)
        assert theta_next == pytest.approx(step.theta_next, rel=1e-12, abs=1e-15)
        for symbol, value in step.state.items():
            assert state[symbol] == pytest.approx(value, rel=1e-12, abs=1e-300)
        previous = {symbol: step.state[symbol] for symbol in step.state}


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_whole_path_equals_the_hand_written_path_on_the_bowl(optimizer_key: str) -> None:
    surface = SURFACES["bowl"]
    hyper = _hyper("bowl")
    torch_points = run_path("bowl", optimizer_key, hyper, surface.start, 100).points
    hand_points = manual_path("bowl", optimizer_key, hyper, surface.start, 100)
    assert len(torch_points) == len(hand_points) == 101
    for ours, theirs in zip(hand_points, torch_points, strict=True):
        assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    optimizer_key=st.sampled_from(list(OPTIMIZERS)),
    lr=st.floats(1e-3, 0.4),
    momentum=st.floats(0.01, 0.95),
    rms_alpha=st.floats(0.5, 0.999),
    beta1=st.floats(0.0, 0.95),
    beta2=st.floats(0.5, 0.9999),
    x0=st.floats(-4.0, 4.0),
    y0=st.floats(-2.0, 2.0),
)
def test_paths_match_hand_rules_for_any_hyperparameters(
    optimizer_key: str, lr: float, momentum: float, rms_alpha: float, beta1: float, beta2: float,
    x0: float, y0: float,
) -> None:
    hyper = Hyperparameters({optimizer_key: lr}, momentum=momentum, rms_alpha=rms_alpha, beta1=beta1, beta2=beta2)
    path = run_path("bowl", optimizer_key, hyper, (x0, y0), 30)
    previous: dict = {}
    for step in path.steps:
        theta_next, state = OPTIMIZERS[optimizer_key].manual_step(step.theta, step.grad, previous, step.t, hyper)
        assert theta_next == pytest.approx(step.theta_next, rel=1e-12, abs=1e-14)
        previous = {symbol: step.state[symbol] for symbol in step.state}


def test_course_momentum_form_gives_the_same_path_as_torch() -> None:
    """003 writes v_{t+1} = mu v_t - eta grad, theta += v; torch keeps b = mu b + g, theta -= eta b."""
    surface = SURFACES["rosenbrock"]
    hyper = _hyper("rosenbrock")
    path = run_path("rosenbrock", "momentum", hyper, surface.start, 200)
    lr, mu = hyper.lr("momentum"), hyper.momentum
    theta, v = list(surface.start), [0.0, 0.0]
    for step in path.steps:
        point = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        surface.fn(point[0], point[1]).backward()
        grad = point.grad.tolist()
        v = [mu * vi - lr * gi for vi, gi in zip(v, grad, strict=True)]
        theta = [p + vi for p, vi in zip(theta, v, strict=True)]
        assert theta == pytest.approx(list(step.theta_next), rel=1e-9, abs=1e-12)


def test_adam_first_step_is_eta_per_coordinate_with_bias_correction() -> None:
    """Torch's bias correction makes step 1 move each coordinate by ~eta; the course's formula would not."""
    hyper = _hyper("himmelblau")
    start = SURFACES["himmelblau"].start
    path = run_path("himmelblau", "adam", hyper, start, 1)
    step = path.steps[0]
    moved = [after - before for after, before in zip(step.theta_next, step.theta, strict=True)]
    eta = hyper.lr("adam")
    assert moved == pytest.approx([-eta * math.copysign(1, g) for g in step.grad], rel=1e-6)
    # Without bias correction (text 003): eta * (1 - b1) g / sqrt((1 - b2) g^2) = eta * 0.1 / sqrt(0.001).
    course_move = eta * (1 - hyper.beta1) / math.sqrt(1 - hyper.beta2)
    assert course_move == pytest.approx(3.1623 * eta, rel=1e-4)


def test_adagrad_and_rmsprop_put_eps_outside_the_square_root() -> None:
    """With a zero gradient component the eps placement shows: torch divides 0 by (0 + eps), giving 0."""
    hyper = Hyperparameters({"adagrad": 0.5, "rmsprop": 0.5})
    for key in ("adagrad", "rmsprop"):
        path = run_path("bowl", key, hyper, (2.0, 0.0), 3)
        assert all(step.theta_next[1] == 0.0 for step in path.steps)
        step = path.steps[0]
        denominator = math.sqrt(step.state["G" if key == "adagrad" else "v"][0]) + (1e-10 if key == "adagrad" else 1e-8)
        assert step.theta_next[0] == pytest.approx(2.0 - 0.5 * step.grad[0] / denominator, rel=1e-15)


def test_divergence_stops_the_path() -> None:
    path = run_path("bowl", "sgd", Hyperparameters({"sgd": 1.0}), (1.0, 1.0), MAX_STEPS)
    # y is multiplied by 1 - 1.0 * 4 = -3 each step: past 1e6 after 13 steps.
    assert path.diverged
    assert len(path.steps) == 13
    assert abs(path.steps[-1].theta_next[1]) == pytest.approx(3**13)


def test_reference_results_on_the_default_surfaces() -> None:
    """What the page tells students happens, measured."""
    rosenbrock = SURFACES["rosenbrock"]
    paths = run_paths("rosenbrock", tuple(OPTIMIZERS), _hyper("rosenbrock"), rosenbrock.start, rosenbrock.steps)
    assert paths["adam"].steps_to_reach(1e-3) is not None
    assert paths["sgd"].final_loss > 1.0  # plain SGD is still crawling along the valley
    himmelblau = SURFACES["himmelblau"]
    paths = run_paths("himmelblau", tuple(OPTIMIZERS), _hyper("himmelblau"), himmelblau.start, himmelblau.steps)
    ends = {key: tuple(round(v, 2) for v in path.points[-1]) for key, path in paths.items()}
    assert ends["sgd"] == ends["momentum"] == (-3.78, -3.28)
    assert ends["adam"] == ends["rmsprop"] == ends["adagrad"] == (-2.81, 3.13)


def test_hyperparameter_errors_name_the_field() -> None:
    with pytest.raises(InputError) as error:
        run_path("bowl", "sgd", Hyperparameters({"sgd": 0.0}), (1.0, 1.0), 5)
    assert error.value.field == "lr_sgd"
    with pytest.raises(InputError) as error:
        run_path("bowl", "momentum", Hyperparameters({"momentum": 0.1}, momentum=1.0), (1.0, 1.0), 5)
    assert error.value.field == "momentum"
    with pytest.raises(InputError) as error:
        run_path("bowl", "sgd", Hyperparameters({"sgd": 0.1}), (1.0, 1.0), 0)
    assert error.value.code == "steps_out_of_range"


# ---------------------------------------------------------------- formulas with numbers


def test_latex_numbers() -> None:
    assert latex_number(0.1234567) == "0.1235"
    assert latex_number(1e-10) == "10^{-10}"
    assert latex_number(2.5e-5) == r"2.5 \cdot 10^{-5}"
    assert latex_vector((1.0, -2.0)) == r"\begin{pmatrix}1 \\ -2\end{pmatrix}"


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_substituted_formulas_show_torch_numbers(optimizer_key: str) -> None:
    surface = SURFACES["saddle"]
    hyper = _hyper("saddle")
    path: OptimizerPath = run_path("saddle", optimizer_key, hyper, surface.start, 5)
    t = 3
    step = path.steps[t - 1]
    lines = substituted_formulas(path, t, hyper)
    assert lines[0].lhs == "g_{3}" and lines[0].result == latex_vector(step.grad)
    update = lines[-1]
    assert (update.lhs, update.result) == (r"\theta_{3}", latex_vector(step.theta_next))
    assert update.symbolic.startswith(r"\theta_{2} - ")
    assert update.numbers.startswith(latex_vector(step.theta) + " - ")
    assert latex_number(hyper.lr(optimizer_key)) in update.numbers
    results = [line.result for line in lines]
    for value in step.state.values():  # torch's state after the step is each line's result
        assert latex_vector(value) in results
    for value in path.steps[t - 2].state.values():  # the previous state is substituted on the right
        assert any(latex_vector(value) in line.numbers for line in lines)
    if optimizer_key == "adam":
        m_hat, v_hat = adam_bias_corrected(step.state, t, hyper)
        assert latex_vector(m_hat) in update.numbers and latex_vector(v_hat) in update.numbers
        assert m_hat[0] == pytest.approx(step.state["m"][0] / (1 - 0.9**3))
    expected_lines = {"sgd": 2, "momentum": 3, "adagrad": 3, "rmsprop": 3, "adam": 6}
    assert len(lines) == expected_lines[optimizer_key]
    assert update.latex.startswith(r"\begin{aligned} \theta_{3} &= \theta_{2} - ")
    assert update.latex.count("&=") == 3


def test_substituted_formulas_reject_steps_off_the_path() -> None:
    hyper = _hyper("bowl")
    path = run_path("bowl", "sgd", hyper, (1.0, 1.0), 3)
    with pytest.raises(InputError) as error:
        substituted_formulas(path, 4, hyper)
    assert error.value.code == "step_out_of_range"

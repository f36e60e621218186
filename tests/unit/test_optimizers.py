"""The optimizers registry against torch, gradient descent in 1-D (course text 004) and torch.optim paths
against the hand-written update rules (003).

Every test over optimizers iterates ``OPTIMIZERS``: a new record is checked against torch with no edit here."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import latex_column, latex_significant
from nnlib.optimizers import OPTIMIZERS, build_optimizer, get_optimizer, hyperparameter_values, optimizer_code
from nnlib.optimizers.adam import adam_bias_corrected
from nnlib.optimizers.paths import (
    ALPHA_PRESETS,
    DESCENT_STATUSES,
    STEP_RULES,
    Hyperparameters,
    OptimizerPath,
    descend_1d,
    loss_and_derivative,
    manual_path,
    max_steps,
    run_path,
    run_paths,
    substituted_formulas,
    surface_learning_rates,
)
from nnlib.optimizers.surfaces import CURVES, SURFACES, curve_points

MAX_STEPS = max_steps()

# ---------------------------------------------------------------- 1-D, course text 004


def test_sign_rule_takes_fixed_course_steps_then_oscillates_around_the_minimum() -> None:
    descent = descend_1d("parabola", "sign", ALPHA_PRESETS["course"].alpha, -1.5, 12)
    assert ALPHA_PRESETS["course"].alpha == 0.3
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
    large = descend_1d("parabola", "gradient", ALPHA_PRESETS["too_large"].alpha, -1.5, MAX_STEPS)
    assert large.diverged
    # |w - 1| grows by |1 - 2 * 1.1| = 1.2 per step until it passes the divergence bound.
    assert len(large.steps) == math.ceil(math.log((1e6 - 1) / 2.5) / math.log(1.2))
    small = descend_1d("parabola", "gradient", ALPHA_PRESETS["too_small"].alpha, -1.5, 30)
    assert small.final_w - 1 == pytest.approx(-2.5 * 0.96**30)
    assert abs(small.final_w - 1) > 0.7  # still far away after 30 steps


def test_too_large_fixed_step_never_settles() -> None:
    descent = descend_1d("parabola", "sign", ALPHA_PRESETS["too_large"].alpha, -1.5, 40)
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
    assert descend_1d("parabola", rule, ALPHA_PRESETS[preset].alpha, -1.5, steps).status == status


def test_curve_points_follow_the_formula() -> None:
    ws, losses = curve_points("parabola", count=5)
    assert ws == pytest.approx([-2.5, -0.75, 1.0, 2.75, 4.5])
    assert losses == pytest.approx([(w - 1) ** 2 for w in ws])


def test_1d_input_errors() -> None:
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", 0.3, 0.0, MAX_STEPS + 1)
    assert error.value.code == "optimizers.steps_out_of_range"
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", -0.1, 0.0, 5)
    assert error.value.code == "optimizers.alpha_not_positive"
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


def _hyper(surface_key: str) -> Hyperparameters:
    return Hyperparameters(SURFACES[surface_key].learning_rates)


@pytest.mark.parametrize("surface_key", list(SURFACES))
@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_every_torch_step_equals_the_hand_written_rule(surface_key: str, optimizer_key: str) -> None:
    """Step for step: give the hand rule torch's point, gradient and previous state; get torch's next."""
    surface = SURFACES[surface_key]
    hyper = _hyper(surface_key)
    path = run_path(surface_key, optimizer_key, hyper, surface.start, min(surface.steps, 300))
    rule = OPTIMIZERS[optimizer_key].manual_step
    values = hyper.values(optimizer_key)
    previous: dict = {}
    for step in path.steps:
        theta_next, state = rule(step.theta, step.grad, previous, step.t, values)
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
    data=st.data(),
    optimizer_key=st.sampled_from(list(OPTIMIZERS)),
    lr=st.floats(1e-3, 0.4),
    x0=st.floats(-4.0, 4.0),
    y0=st.floats(-2.0, 2.0),
)
def test_paths_match_hand_rules_for_any_hyperparameters(
    data: st.DataObject, optimizer_key: str, lr: float, x0: float, y0: float,
) -> None:
    """Any value each hyperparameter's limits allow (the record says which it takes)."""
    record = OPTIMIZERS[optimizer_key]
    chosen = {
        spec.name: data.draw(st.floats(spec.lowest_offered, spec.maximum), label=spec.name)
        for spec in record.hyperparameters
    }
    hyper = Hyperparameters({optimizer_key: lr}, {optimizer_key: chosen})
    path = run_path("bowl", optimizer_key, hyper, (x0, y0), 30)
    values = hyper.values(optimizer_key)
    assert {name: values[name] for name in chosen} == chosen
    previous: dict = {}
    for step in path.steps:
        theta_next, state = record.manual_step(step.theta, step.grad, previous, step.t, values)
        assert theta_next == pytest.approx(step.theta_next, rel=1e-12, abs=1e-14)
        previous = {symbol: step.state[symbol] for symbol in step.state}


def test_course_momentum_form_gives_the_same_path_as_torch() -> None:
    """003 writes v_{t+1} = mu v_t - eta grad, theta += v; torch keeps b = mu b + g, theta -= eta b."""
    surface = SURFACES["rosenbrock"]
    hyper = _hyper("rosenbrock")
    path = run_path("rosenbrock", "momentum", hyper, surface.start, 200)
    lr, mu = hyper.lr("momentum"), hyper.values("momentum")["momentum"]
    assert mu == 0.9
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
    values = hyper.values("adam")
    assert (values["beta1"], values["beta2"]) == (0.9, 0.999)
    course_move = eta * (1 - values["beta1"]) / math.sqrt(1 - values["beta2"])
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
        run_path("bowl", "momentum", Hyperparameters({"momentum": 0.1}, {"momentum": {"momentum": 1.0}}), (1.0, 1.0), 5)
    assert error.value.field == "momentum"
    with pytest.raises(InputError) as error:
        run_path("bowl", "sgd", Hyperparameters({"sgd": 0.1}), (1.0, 1.0), 0)
    assert error.value.code == "optimizers.steps_out_of_range"


# ---------------------------------------------------------------- formulas with numbers


def test_latex_numbers() -> None:
    assert latex_significant(0.1234567) == "0.1235"
    assert latex_significant(1e-10) == "10^{-10}"
    assert latex_significant(2.5e-5) == r"2.5 \cdot 10^{-5}"
    assert latex_column((1.0, -2.0)) == r"\begin{pmatrix}1 \\ -2\end{pmatrix}"


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_substituted_formulas_show_torch_numbers(optimizer_key: str) -> None:
    surface = SURFACES["saddle"]
    hyper = _hyper("saddle")
    path: OptimizerPath = run_path("saddle", optimizer_key, hyper, surface.start, 5)
    t = 3
    step = path.steps[t - 1]
    lines = substituted_formulas(path, t, hyper)
    assert lines[0].lhs == "g_{3}" and lines[0].result == latex_column(step.grad)
    update = lines[-1]
    assert (update.lhs, update.result) == (r"\theta_{3}", latex_column(step.theta_next))
    assert update.symbolic.startswith(r"\theta_{2} - ")
    assert update.numbers.startswith(latex_column(step.theta) + " - ")
    assert latex_significant(hyper.lr(optimizer_key)) in update.numbers
    results = [line.result for line in lines]
    for value in step.state.values():  # torch's state after the step is each line's result
        assert latex_column(value) in results
    for value in path.steps[t - 2].state.values():  # the previous state is substituted on the right
        assert any(latex_column(value) in line.numbers for line in lines)
    if optimizer_key == "adam":
        m_hat, v_hat = adam_bias_corrected(step.state, t, hyper.values("adam"))
        assert latex_column(m_hat) in update.numbers and latex_column(v_hat) in update.numbers
        assert m_hat[0] == pytest.approx(step.state["m"][0] / (1 - 0.9**3))
    # One line for the gradient, one per state the hand rule keeps (Adam's m-hat, v-hat too), one update.
    _, hand_state = OPTIMIZERS[optimizer_key].manual_step(step.theta, step.grad, path.steps[t - 2].state, t,
                                                          hyper.values(optimizer_key))
    assert len(lines) == 2 + len(hand_state)
    assert update.latex.startswith(r"\begin{aligned} \theta_{3} &= \theta_{2} - ")
    assert update.latex.count("&=") == 3


def test_substituted_formulas_reject_steps_off_the_path() -> None:
    hyper = _hyper("bowl")
    path = run_path("bowl", "sgd", hyper, (1.0, 1.0), 3)
    with pytest.raises(InputError) as error:
        substituted_formulas(path, 4, hyper)
    assert error.value.code == "optimizers.step_off_path"


def test_substituted_formulas_have_the_lines_the_page_shows_for_the_course_five() -> None:
    hyper = _hyper("saddle")
    expected_lines = {"sgd": 2, "momentum": 3, "adagrad": 3, "rmsprop": 3, "adam": 6}
    for key, count in expected_lines.items():
        path = run_path("saddle", key, hyper, SURFACES["saddle"].start, 5)
        assert len(substituted_formulas(path, 3, hyper)) == count


# ---------------------------------------------------------------- the registry against torch


def test_the_registry_holds_the_course_five_in_page_order() -> None:
    assert list(OPTIMIZERS) == ["sgd", "momentum", "adagrad", "rmsprop", "adam"]
    assert [record.label for record in OPTIMIZERS.values()] == ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"]
    assert [record.title for record in OPTIMIZERS.values()] == [
        "SGD", "SGD with momentum", "AdaGrad", "RMSProp", "Adam"]
    for key, record in OPTIMIZERS.items():
        assert record.key == key


def _gradients(steps: int, shape: tuple[int, ...], seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator, dtype=torch.float64) * 3 for _ in range(steps)]


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_the_trainers_factory_steps_as_the_hand_rule_says(optimizer_key: str) -> None:
    """build_optimizer (what the trainer calls) over two tensors, eight steps, state carried by each side."""
    record = OPTIMIZERS[optimizer_key]
    hyper = {spec.name: spec.default for spec in record.hyperparameters}
    values = record.values(0.05, hyper)
    tensors = [torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True),
               torch.tensor([0.25, 2.0], dtype=torch.float64, requires_grad=True)]
    optimizer = build_optimizer(optimizer_key, tensors, 0.05, **hyper)
    hand = [(tuple(t.tolist()), {}) for t in tensors]
    for t, grads in enumerate(zip(*(_gradients(8, (2,), seed) for seed in (1, 2)), strict=True), start=1):
        for tensor, grad in zip(tensors, grads, strict=True):
            tensor.grad = grad.clone()
        optimizer.step()
        hand = [record.manual_step(theta, tuple(grad.tolist()), state, t, values)
                for (theta, state), grad in zip(hand, grads, strict=True)]
        for tensor, (theta, state) in zip(tensors, hand, strict=True):
            assert tuple(tensor.tolist()) == pytest.approx(theta, rel=1e-12, abs=1e-15)
            for name, symbol in record.state_symbols.items():
                assert tuple(optimizer.state[tensor][name].tolist()) == pytest.approx(state[symbol], rel=1e-12)


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_the_hand_rules_constants_and_hyperparameters_reach_torch(optimizer_key: str) -> None:
    record = OPTIMIZERS[optimizer_key]
    optimizer = build_optimizer(optimizer_key, [torch.zeros(2, requires_grad=True)], 0.05)
    assert optimizer.defaults["lr"] == 0.05
    for name, value in record.constants.items():  # the hand rule's eps is torch's default
        assert optimizer.defaults[name] == value
    defaults = {spec.name: spec.default for spec in record.hyperparameters}
    for name, value in record.torch_arguments(defaults).items():
        assert optimizer.defaults[name] == value
    for spec in record.hyperparameters:
        assert spec.lowest_offered <= spec.default <= spec.maximum
        assert spec.label and spec.step
    assert record.color.startswith("#") and len(record.color) == 7
    assert record.formulas and record.course_formulas and record.course_difference and record.summary_formula
    assert record.title and record.label
    for surface_key in SURFACES:
        assert surface_learning_rates(surface_key)[optimizer_key] > 0


@pytest.mark.parametrize("optimizer_key", list(OPTIMIZERS))
def test_fused_is_asked_for_only_where_torch_has_it(optimizer_key: str) -> None:
    record = OPTIMIZERS[optimizer_key]
    optimizer = build_optimizer(optimizer_key, [torch.zeros(2, requires_grad=True)], 0.1, fused=True)
    assert bool(optimizer.defaults.get("fused")) == record.supports_fused


def test_code_and_kwargs_read_as_the_trainer_wrote_them() -> None:
    assert optimizer_code("sgd", 0.1) == "torch.optim.SGD(model.parameters(), lr=0.1)"
    assert optimizer_code("momentum", 0.1, momentum=0.9) == "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"
    assert optimizer_code("adam", 0.001, beta1=0.9, beta2=0.999, weight_decay=0.01) == (
        "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), weight_decay=0.01)")
    assert optimizer_code("rmsprop", 0.01, alpha=0.99) == "torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.99)"
    assert optimizer_code("adagrad", 0.5) == "torch.optim.Adagrad(model.parameters(), lr=0.5)"
    config = {"lr": 0.1, "momentum": 0.8, "beta1": 0.7, "beta2": 0.99, "alpha": 0.9}
    assert hyperparameter_values(OPTIMIZERS["adam"], config) == {"beta1": 0.7, "beta2": 0.99}
    assert hyperparameter_values(OPTIMIZERS["sgd"], config) == {}
    weights = torch.zeros(2, requires_grad=True)
    assert build_optimizer("momentum", [weights], 0.1, weight_decay=0.5, momentum=0.0).defaults["weight_decay"] == 0.5
    # The trainer allows momentum 0 (plain SGD); only the race's widgets start above it.
    assert build_optimizer("momentum", [weights], 0.1, momentum=0.0).defaults["momentum"] == 0.0
    # The Training page's widgets: the names of TrainConfig's fields, the address keys of old links.
    assert [(s.name, s.key) for r in OPTIMIZERS.values() for s in r.training_hyperparameters] == [
        ("momentum", "momentum"), ("alpha", "alpha"), ("beta1", "betas")]


def test_unknown_optimizers_and_hyperparameters_are_refused_with_the_known_ones() -> None:
    with pytest.raises(InputError) as error:
        get_optimizer("lion")
    assert error.value.code == "optimizers.unknown" and error.value.field == "optimizer"
    assert str(error.value) == "Unknown optimizer 'lion': choose one of sgd, momentum, adagrad, rmsprop, adam."
    with pytest.raises(InputError) as error:
        build_optimizer("sgd", [torch.zeros(2, requires_grad=True)], 0.1, momentum=0.9)
    assert error.value.code == "optimizers.unknown_hyperparameter" and error.value.field == "momentum"
    assert str(error.value) == "SGD takes no hyperparameter 'momentum' (it takes: -)."


def test_messages_read_as_before() -> None:
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", 0.3, 0.0, MAX_STEPS + 1)
    assert str(error.value) == f"The number of steps must be between 1 and {MAX_STEPS}."
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", -0.1, 0.0, 5)
    assert str(error.value) == "The learning rate α must be positive."
    with pytest.raises(InputError) as error:
        descend_1d("parabola", "gradient", 0.1, math.nan, 5)
    assert (str(error.value), error.value.field) == ("start must be a finite number.", "start")
    with pytest.raises(InputError) as error:
        run_path("bowl", "adam", Hyperparameters({"adam": -1.0}), (1.0, 1.0), 5)
    assert (str(error.value), error.value.field) == ("The learning rate of Adam must be a positive number.", "lr_adam")
    path = run_path("bowl", "sgd", _hyper("bowl"), (1.0, 1.0), 3)
    with pytest.raises(InputError) as error:
        substituted_formulas(path, 4, _hyper("bowl"))
    assert str(error.value) == "Step 4 is not on this path (it has 3 steps)."
    assert messages.word("optimizers.path_diverged", {"optimizer": "SGD", "steps": 13}) == (
        "SGD stopped after 13 steps: its path diverged.")
    for status in DESCENT_STATUSES:
        assert messages.template(f"optimizers.descent_{status}") is not None
    assert messages.word(descend_1d("parabola", "gradient", 0.3, -1.5, 12).status_code).startswith("Arrived:")


def test_every_word_the_records_show_is_in_english_and_russian() -> None:
    """Curves, surfaces, step rules, α presets, each optimizer and its hyperparameters are worded by
    the catalogue in both languages: no code shows through, and Russian differs where a word is English."""
    def words() -> list[str]:
        shown = [curve.label for curve in CURVES.values()]
        shown += [text for surface in SURFACES.values() for text in (surface.name, surface.note)]
        shown += [text for rule in STEP_RULES.values() for text in (rule.title, rule.note)]
        shown += [preset.label.format(alpha=preset.alpha) for preset in ALPHA_PRESETS.values()]
        for record in OPTIMIZERS.values():
            shown += [record.title, record.course_difference]
            for spec in (*record.hyperparameters, *record.training_hyperparameters):
                shown += [spec.shown_label, spec.shown_help]
        return shown

    english = words()
    with messages.in_language("ru"):
        russian = words()
    assert english[:2] == ["Parabola (one minimum)", "Two valleys (a local and a global minimum)"]
    assert [record.title for record in OPTIMIZERS.values()][1] == "SGD with momentum"
    for text in english + russian:
        assert "optimizers." not in text and "{" not in text.replace("{t", ""), text
    assert all(r != e for e, r in zip(english, russian, strict=True) if re.search(r"[a-z]{4} [a-z]{3}", e)), [
        e for e, r in zip(english, russian, strict=True) if e == r and re.search(r"[a-z]{4} [a-z]{3}", e)]
    assert SURFACES["saddle"].name == "Saddle" and OPTIMIZERS["adam"].hyperparameters[0].shown_label == "β₁ (Adam)"

"""The course's two-layer network: gradients by hand equal autograd's; the autograd mistakes behave as shown."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.activations import get_activation
from nnlib.backprop import (
    COURSE_X,
    GRADIENT_FIELDS,
    HIDDEN,
    REDUCTIONS,
    accumulated_gradients,
    by_autograd,
    by_hand,
    default_network,
    in_place_update,
    make_network,
    max_difference,
    no_grad_savings,
    random_network,
    train_vs_eval,
)
from nnlib.core.errors import InputError
from nnlib.core.formatting import fixed, latex_matrix, tensor_literal


def _close(actual: torch.Tensor, expected: object) -> None:
    expected_tensor = expected if isinstance(expected, torch.Tensor) else torch.tensor(expected, dtype=actual.dtype)
    torch.testing.assert_close(actual, expected_tensor.to(actual.dtype), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- the network by hand


def test_default_network_predicts_the_course_numbers() -> None:
    """003 draws y_hat = [2.3; 4.1]; the default numbers reproduce it."""
    grads = by_hand(default_network())
    _close(grads.y_hat, [2.3, 4.1])
    _close(grads.t, [[3.1, -0.8], [2.6, 1.5]])
    assert grads.loss == pytest.approx(0.3**2 + 0.4**2)  # the course's sum of squared errors


def test_default_gradients_worked_by_hand() -> None:
    grads = by_hand(default_network())
    # dL/dy_hat = 2 (y_hat - y) = 2 [0.3, -0.4]
    _close(grads.d_y_hat, [0.6, -0.8])
    # dL/dW2 = T^T dL/dy_hat = [3.1*0.6 + 2.6*(-0.8), -0.8*0.6 + 1.5*(-0.8)]
    _close(grads.d_w2, [-0.22, -1.68])
    # dL/dT_j = 2 (T_j W2 - y_j) W2, W2 = [1, 1]
    _close(grads.d_t, [[0.6, 0.6], [-0.8, -0.8]])
    # dL/dW1 = X^T dL/dT
    _close(grads.d_w1, [[0.6, 0.6], [0.4, 0.4], [-1.6, -1.6]])


def test_relu_cuts_the_negative_unit_and_its_gradient() -> None:
    grads = by_hand(default_network(), hidden="relu")
    _close(grads.z, [[3.1, -0.8], [2.6, 1.5]])
    _close(grads.t, [[3.1, 0.0], [2.6, 1.5]])
    _close(grads.y_hat, [3.1, 4.1])
    # dL/dy_hat = 2 [1.1, -0.4]; dL/dT = outer with W2 = [1, 1]; ReLU passes only where Z > 0.
    _close(grads.d_t, [[2.2, 2.2], [-0.8, -0.8]])
    _close(grads.d_z, [[2.2, 0.0], [-0.8, -0.8]])
    _close(grads.d_w1, [[2.2, 0.0], [3.6, -0.8], [-1.6, -1.6]])


@pytest.mark.parametrize("hidden", list(HIDDEN))
@pytest.mark.parametrize("reduction", list(REDUCTIONS))
def test_default_by_hand_equals_autograd_to_the_digits_shown(hidden: str, reduction: str) -> None:
    net = default_network()
    hand, auto = by_hand(net, hidden, reduction), by_autograd(net, hidden, reduction)
    assert max_difference(hand, auto) < 1e-12
    for name in GRADIENT_FIELDS:
        assert latex_matrix(getattr(hand, name)) == latex_matrix(getattr(auto, name))
    assert auto.loss == pytest.approx(hand.loss, rel=1e-14)


def test_mean_reduction_is_torch_mse_loss_and_scales_gradients_by_one_over_n() -> None:
    net = default_network()
    total, mean = by_hand(net, reduction="sum"), by_hand(net, reduction="mean")
    n = net.x.shape[0]
    assert mean.loss == pytest.approx(float(torch.nn.MSELoss()(total.y_hat, net.y)))
    for name in GRADIENT_FIELDS:
        _close(getattr(mean, name), getattr(total, name) / n)


small_matrix = st.integers(1, 4)


@settings(max_examples=150, deadline=None)
@given(
    n=small_matrix, d=small_matrix, m=small_matrix, seed=st.integers(0, 10_000),
    hidden=st.sampled_from(list(HIDDEN)), reduction=st.sampled_from(list(REDUCTIONS)),
)
def test_random_networks_by_hand_equal_autograd(n: int, d: int, m: int, seed: int, hidden: str, reduction: str) -> None:
    net = random_network(n, d, m, seed)
    assert net.sizes == {"N": n, "D": d, "M": m}
    hand, auto = by_hand(net, hidden, reduction), by_autograd(net, hidden, reduction)
    assert max_difference(hand, auto) < 1e-12
    for name in GRADIENT_FIELDS:
        assert latex_matrix(getattr(hand, name)) == latex_matrix(getattr(auto, name))


def test_random_network_is_reproducible_and_readable() -> None:
    first, second = random_network(2, 3, 2, seed=7), random_network(2, 3, 2, seed=7)
    assert torch.equal(first.x, second.x) and torch.equal(first.w1, second.w1)
    for tensor in (first.x, first.w1, first.w2, first.y):
        assert tensor.abs().max() <= 2.0
        assert torch.allclose(tensor * 10, (tensor * 10).round())
    assert not torch.equal(random_network(2, 3, 2, seed=8).x, first.x)


def test_shapes_that_do_not_fit_are_explained() -> None:
    x, w1 = torch.ones(2, 3), torch.ones(3, 2)
    with pytest.raises(InputError) as error:
        make_network(x, torch.ones(4, 2), torch.ones(2), torch.ones(2))
    assert error.value.field == "W1" and "3×M" in error.value.message
    with pytest.raises(InputError) as error:
        make_network(x, w1, torch.ones(3), torch.ones(2))
    assert error.value.field == "W2" and error.value.details["expected"] == 2
    with pytest.raises(InputError) as error:
        make_network(x, w1, torch.ones(2), torch.ones(5))
    assert error.value.field == "y" and error.value.code == "backprop.y_length"
    with pytest.raises(InputError) as error:
        make_network(torch.ones(2, 3, 1), w1, torch.ones(2), torch.ones(2))
    assert error.value.field == "X"
    with pytest.raises(InputError) as error:
        make_network(x, w1, torch.tensor([1.0, float("nan")]), torch.ones(2))
    assert error.value.code == "backprop.not_finite"
    # Column shapes [N, 1] for y and [M, 1] for W2 are accepted as vectors.
    net = make_network(x, w1, torch.ones(2, 1), torch.ones(2, 1))
    assert net.w2.shape == (2,) and net.y.shape == (2,) and net.x.dtype == torch.float64


def test_hidden_choices_take_their_function_and_slope_from_the_activations_registry() -> None:
    z = torch.tensor([[3.1, -0.8], [0.0, 1.5]], dtype=torch.float64)
    for hidden in HIDDEN.values():
        if hidden.activation is None:
            assert torch.equal(hidden.apply(z), z) and torch.equal(hidden.derivative(z), torch.ones_like(z))
            continue
        record = get_activation(hidden.activation)
        assert torch.equal(hidden.apply(z), record.build()(z))
        assert torch.equal(hidden.derivative(z), record.slope(z))
        leaf = z.clone().requires_grad_(True)
        hidden.apply(leaf).sum().backward()
        assert torch.equal(hidden.derivative(z), leaf.grad)  # autograd's slope, kinks included
    assert HIDDEN["relu"].activation == "ReLU"


def test_refusals_read_as_before() -> None:
    x, w1 = torch.ones(2, 3), torch.ones(3, 2)
    expected = [
        ((torch.ones(2, 3, 1), w1, torch.ones(2), torch.ones(2)), "X must be a matrix N×D; it has shape [2, 3, 1]."),
        ((x, torch.ones(4, 2), torch.ones(2), torch.ones(2)),
         "W1 needs one row per column of X: X is 2×3, so W1 must be 3×M, but it is 4×2."),
        ((x, w1, torch.ones(3), torch.ones(2)),
         "W2 must be a vector of M = 2 numbers (one per column of W1); it has shape [3]."),
        ((x, w1, torch.ones(2), torch.ones(5)), "y must hold N = 2 targets (one per row of X); it has shape [5]."),
        ((x.bool(), w1, torch.ones(2), torch.ones(2)), "X must hold numbers, not True/False."),
    ]
    for tensors, sentence in expected:
        with pytest.raises(InputError) as caught:
            make_network(*tensors)
        assert caught.value.message == sentence
    with pytest.raises(InputError, match="The batch size must be at least 1.") as caught:
        no_grad_savings(0)
    assert caught.value.code == "backprop.batch_too_small" and caught.value.details == {"batch_size": 0}


def test_formatting_for_the_page() -> None:
    assert fixed(-0.00001) == "0.0000"
    assert fixed(2.34567) == "2.3457"
    assert latex_matrix(torch.tensor([1.0, -2.0])) == r"\begin{bmatrix}1.0000 \\ -2.0000\end{bmatrix}"
    assert latex_matrix(torch.tensor([[1.0, 2.0]])) == r"\begin{bmatrix}1.0000 & 2.0000\end{bmatrix}"
    assert tensor_literal(torch.tensor([[1.0, 0.5], [-2.0, 0.0]]), float_marks=False) == "[[1, 0.5], [-2, 0]]"


# ---------------------------------------------------------------- the mistakes


def test_gradients_accumulate_without_zero_grad() -> None:
    """Course text 002: x = ones(2, 3), w = 2x, y = w^3 + 3w^2 + 2w + 1, z = sum(y) gives x.grad = 52."""
    assert accumulated_gradients(1.0, calls=3) == [52.0, 104.0, 156.0]
    assert accumulated_gradients(1.0, calls=3, zero_grad=True) == [52.0, 52.0, 52.0]
    # At x = 0.5, w = 1: dz/dx = 2 (3 + 6 + 2) = 22.
    assert accumulated_gradients(0.5, calls=2) == [22.0, 44.0]


def test_in_place_update_of_a_leaf_raises_torch_error_and_no_grad_fixes_it() -> None:
    demo = in_place_update(alpha=0.01)
    assert demo.error_message == "a leaf Variable that requires grad is being used in an in-place operation."
    assert demo.fixed_value == pytest.approx(1 - 0.01 * 52)
    assert demo.fixed_is_leaf and demo.fixed_requires_grad
    assert not demo.rebound_is_leaf and demo.rebound_grad_fn == "SubBackward0"


def test_train_and_eval_mode_differ_for_dropout_and_batchnorm() -> None:
    demo = train_vs_eval(p=0.5, seed=0)
    x = torch.tensor(COURSE_X, dtype=torch.float64)
    assert torch.equal(demo.dropout_eval, x)  # eval: dropout does nothing
    for out in demo.dropout_train:
        kept = out != 0
        assert torch.allclose(out[kept], 2 * x[kept])  # kept values are scaled by 1 / (1 - p)
    assert not torch.equal(demo.dropout_train[0], demo.dropout_train[1])  # a new mask every call
    assert torch.equal(train_vs_eval(0.5, 0).dropout_train[0], demo.dropout_train[0])  # the seed repeats it
    # Train: this batch's statistics; every column has mean 0 and (biased) variance ~1.
    assert demo.batchnorm_train.mean(dim=0).abs().max() < 1e-12
    assert demo.batchnorm_train.var(dim=0, unbiased=False).tolist() == pytest.approx([1, 1, 1], abs=1e-3)
    # One train call moves the running stats 10 % of the way from (0, 1) to the batch's.
    _close(demo.running_mean, (0.1 * x.mean(dim=0)).tolist())
    _close(demo.running_var, (0.9 + 0.1 * x.var(dim=0, unbiased=True)).tolist())
    expected_eval = (x - demo.running_mean) / torch.sqrt(demo.running_var + 1e-5)
    assert torch.allclose(demo.batchnorm_eval, expected_eval)


def test_no_grad_saves_the_tensors_kept_for_backward() -> None:
    with_graph, without = no_grad_savings(batch_size=64)
    assert without.count == 0 and without.unique_bytes == 0
    assert with_graph.count == 4
    assert set(with_graph.shapes) == {(64, 784), (64, 256), (256, 10)}
    assert sorted(zip(with_graph.shapes, with_graph.roles, strict=True)) == [
        ((64, 256), "activation"), ((64, 256), "repeat"), ((64, 784), "input"), ((256, 10), "parameter"),
    ]
    assert sum(with_graph.sizes) == with_graph.total_bytes
    # Kept for backward: the input batch and the hidden ReLU output (float32), plus a reference to W2.
    assert with_graph.activation_bytes == (64 * 784 + 64 * 256) * 4
    assert dict(zip(with_graph.roles, with_graph.role_words, strict=True)) == {
        "input": "the input batch", "activation": "a layer's output (here: ReLU's)",
        "repeat": "the same tensor again (the next Linear's input), stored once", "parameter": "a weight, kept anyway",
    }
    assert with_graph.parameter_bytes == 256 * 10 * 4
    bigger, _ = no_grad_savings(batch_size=128)
    assert bigger.activation_bytes == 2 * with_graph.activation_bytes
    with pytest.raises(InputError):
        no_grad_savings(batch_size=0)

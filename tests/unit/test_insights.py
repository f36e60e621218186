"""Gradient norms per Linear layer and dead ReLU units, checked against direct PyTorch computations."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnlib.training.insights import batch_grad_norms, dead_relu_share, dead_relu_units, weight_grad_norms


def _model(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))


def _batch(seed: int = 1, n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=generator), torch.randint(0, 3, (n,), generator=generator)


def test_weight_grad_norms_read_the_grads_backward_left() -> None:
    model = _model()
    model.eval()
    x, y = _batch()
    assert [norm.norm for norm in weight_grad_norms(model)] == [0.0, 0.0]  # no backward yet
    nn.CrossEntropyLoss()(model(x), y).backward()
    norms = weight_grad_norms(model)
    assert [(n.index, n.name) for n in norms] == [(0, "Linear(4→16)"), (3, "Linear(16→3)")]
    assert norms[0].norm == pytest.approx(float(model[0].weight.grad.pow(2).sum().sqrt()))
    assert norms[1].norm == pytest.approx(float(model[3].weight.grad.pow(2).sum().sqrt()))
    assert norms[1].norm > 0


def test_batch_grad_norms_equal_a_backward_pass_and_leave_grad_alone() -> None:
    model = _model()
    model.eval()  # no dropout, so two passes see the same network
    x, y = _batch()
    loss_fn = nn.CrossEntropyLoss()
    norms = batch_grad_norms(model, x, y, loss_fn)
    assert all(p.grad is None for p in model.parameters())
    loss_fn(model(x), y).backward()
    expected = [float(torch.linalg.norm(model[i].weight.grad)) for i in (0, 3)]
    assert [n.norm for n in norms] == pytest.approx(expected, rel=1e-6)
    before = [p.grad.clone() for p in model.parameters()]
    batch_grad_norms(model, x, y, loss_fn)
    assert all(torch.equal(b, p.grad) for b, p in zip(before, model.parameters(), strict=True))


def test_vanishing_gradients_show_as_falling_norms_towards_the_input() -> None:
    """A deep Sigmoid stack: each layer back multiplies by at most 1/4, so early layers get tiny gradients."""
    torch.manual_seed(0)
    layers: list[nn.Module] = []
    for _ in range(8):
        layers += [nn.Linear(10, 10), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(10, 1))
    x = torch.randn(32, 10)
    norms = batch_grad_norms(model, x, torch.zeros(32, 1), nn.MSELoss())
    assert len(norms) == 9
    assert norms[0].norm < norms[-1].norm / 100


def test_dead_units_are_those_zero_for_every_sample() -> None:
    layer = nn.Linear(3, 4)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[3, 0] = 1.0  # unit 3 follows the first input: alive for positive samples only
        layer.bias.copy_(torch.tensor([-1.0, 1.0, -1.0, 0.0]))
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(4, 2), nn.ReLU())
    with torch.no_grad():
        model[2].weight.fill_(-1.0)
        model[2].bias.fill_(-1.0)
    x = torch.tensor([[-1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    first, second = dead_relu_units(model, x)
    assert (first.index, first.dead, first.total) == (1, 2, 4)  # units 0 and 2; unit 3 lives for sample 2
    assert first.share == 0.5
    assert (second.index, second.dead, second.total) == (3, 2, 2)  # all outputs negative before the ReLU
    assert dead_relu_share(model, x) == pytest.approx(4 / 6)
    assert dead_relu_units(model, x[:1])[0].dead == 3  # with sample 1 alone, unit 3 is dead too


def test_dead_units_restore_each_module_mode_and_ignore_dropout() -> None:
    model = _model()
    model.train()
    model[2].eval()  # a mixed state must come back as it was
    x, _ = _batch(n=64)
    shares = {dead_relu_share(model, x) for _ in range(5)}
    assert len(shares) == 1  # dropout would make this random if it were active
    assert model.training and model[0].training and not model[2].training
    assert all(p.grad is None for p in model.parameters())
    assert dead_relu_units(nn.Sequential(nn.Linear(2, 2)), torch.ones(1, 2)) == []
    assert dead_relu_share(nn.Sequential(nn.Linear(2, 2)), torch.ones(1, 2)) == 0.0


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 16), shift=st.floats(-3.0, 1.0))
def test_dead_count_matches_brute_force(seed: int, n: int, shift: float) -> None:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 12), nn.ReLU(), nn.Linear(12, 1))
    with torch.no_grad():
        model[0].bias.add_(shift)  # push units towards dying
    x = torch.randn(n, 3)
    with torch.no_grad():
        hidden = torch.relu(model[0](x))
    expected = sum(all(float(hidden[i, j]) == 0.0 for i in range(n)) for j in range(12))
    (units,) = dead_relu_units(model, x)
    assert units.dead == expected and units.total == 12

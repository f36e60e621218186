"""The Backpropagation page, driven headlessly: hand-worked gradients next to autograd, the mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from nnlib.backprop import COURSE_X, by_autograd, random_network
from nnlib.core.formatting import latex_matrix
from tests.app.conftest import app_test

PAGE = "pages/backprop.py"


@pytest.fixture()
def at() -> AppTest:
    test = app_test(PAGE).run()
    assert not test.exception
    return test


def latex(at: AppTest) -> str:
    return "\n".join(item.value for item in at.latex)


def autograd_shown(at: AppTest, label: str, tensor: torch.Tensor) -> bool:
    return rf"\texttt{{{label}}} = {latex_matrix(tensor)}" in latex(at)


def table_rows(at: AppTest, key: str) -> list[list[str]]:
    return at.get_by_key(key).table[0].value.astype(str).values.tolist()


def test_course_numbers_by_hand_and_autograd(at: AppTest) -> None:
    shown = latex(at)
    assert r"\begin{bmatrix}2.3000 \\ 4.1000\end{bmatrix}" in shown  # the course's y_hat
    assert "= 0.2500" in shown  # L = 0.3^2 + 0.4^2
    assert autograd_shown(at, "W2.grad", torch.tensor([-0.22, -1.68]))
    assert autograd_shown(at, "W1.grad", torch.tensor([[0.6, 0.6], [0.4, 0.4], [-1.6, -1.6]]))
    # With the ReLU: the negative unit's column of W1.grad is cut.
    assert autograd_shown(at, "W1.grad", torch.tensor([[2.2, 0.0], [3.6, -0.8], [-1.6, -1.6]]))
    assert autograd_shown(at, "Z.grad", torch.tensor([[2.2, 0.0], [-0.8, -0.8]]))
    same = [c.value for c in at.caption if c.value.startswith("Same to every digit shown")]
    assert len(same) == 4 + 5  # four gradients without activation, five with the ReLU
    assert not at.warning


def test_mean_loss_halves_every_gradient_for_two_examples(at: AppTest) -> None:
    at.radio(key="backprop_reduction").set_value("mean").run()
    assert autograd_shown(at, "W2.grad", torch.tensor([-0.11, -0.84]))
    assert "= 0.1250" in latex(at)
    assert r"\frac{2}{N}" in latex(at)


def test_bad_shape_is_explained_and_the_rest_still_works(at: AppTest) -> None:
    at.text_area(key="backprop_w1_text").input("[[1, 2], [3, 4]]").run()
    assert not at.exception
    assert any("W1 needs one row per column of X" in e.value for e in at.error)
    assert any("Fix the input above" in i.value for i in at.info)
    assert not [c for c in at.caption if c.value.startswith("Same to every digit")]
    # The demonstrations below do not depend on the typed network.
    assert any("in-place operation" in e.value for e in at.error)
    assert at.text_area(key="backprop_w1_text").value == "[[1, 2], [3, 4]]"  # nothing typed is lost
    at.text_area(key="backprop_x_text").input("[[1, 2], [3]]").run()
    assert any("different lengths" in e.value or "ragged" in e.value.lower() for e in at.error)


def test_random_numbers_fill_the_inputs_and_autograd_agrees(at: AppTest) -> None:
    at.number_input(key="backprop_n").set_value(3)
    at.number_input(key="backprop_m").set_value(4)
    at.button(key="backprop_random").click().run()
    assert not at.exception
    net = random_network(3, 3, 4, seed=0)
    assert at.session_state["backprop_seed"] == 1  # the next click draws new numbers
    assert at.text_area(key="backprop_w1_text").value.count("[") == 1 + 3
    assert autograd_shown(at, "W1.grad", by_autograd(net, "none", "sum").d_w1)
    assert autograd_shown(at, "W1.grad", by_autograd(net, "relu", "sum").d_w1)
    at.button(key="backprop_course").click().run()
    assert autograd_shown(at, "W2.grad", torch.tensor([-0.22, -1.68]))


def test_accumulation_table_counts_up_from_52(at: AppTest) -> None:
    assert table_rows(at, "backprop_accumulation") == [["1", "52", "52"], ["2", "104", "52"], ["3", "156", "52"]]
    at.number_input(key="backprop_calls").set_value(5).run()
    assert table_rows(at, "backprop_accumulation")[-1] == ["5", "260", "52"]


def test_in_place_error_text_and_the_no_grad_fix(at: AppTest) -> None:
    errors = [e.value for e in at.error]
    assert "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation." in errors
    assert any("x = 1 − 0.01 · 52 = 0.4800" in s.value for s in at.success)
    at.number_input(key="backprop_alpha").set_value(0.1).run()
    assert any("= -4.2000" in s.value for s in at.success)


def test_train_and_eval_outputs(at: AppTest) -> None:
    frames = [frame.value for frame in at.dataframe]
    x = torch.tensor(COURSE_X, dtype=torch.float64)
    assert np.allclose(frames[0].to_numpy(), x.numpy())  # X
    assert np.allclose(frames[3].to_numpy(), x.numpy())  # Dropout in eval(): unchanged
    train_values = frames[1].to_numpy()
    kept = train_values != 0
    assert 0 < kept.sum() < 9
    assert np.allclose(train_values[kept], (2 * x.numpy())[kept])  # scaled by 1/(1 - 0.5)
    assert np.allclose(frames[4].to_numpy().mean(axis=0), 0, atol=1e-3)  # BatchNorm in train(): mean 0
    at.slider(key="backprop_dropout_p").set_value(0.0).run()
    frames = [frame.value for frame in at.dataframe]
    assert np.allclose(frames[1].to_numpy(), x.numpy())


def test_no_grad_memory_is_measured(at: AppTest) -> None:
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["tensors saved for backward"] == "4"
    assert metrics["memory they hold (kB)"] == f"{((64 * 784 + 64 * 256) * 4 + 256 * 10 * 4) / 1024:.1f}"
    assert metrics["under torch.no_grad()"] == "0 tensors, 0 B"
    at.slider(key="backprop_batch").set_value(128).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["memory they hold (kB)"] == f"{((128 * 784 + 128 * 256) * 4 + 256 * 10 * 4) / 1024:.1f}"
    rows = table_rows(at, "backprop_saved")
    assert ["128 × 784", "392.0", "the input batch"] in rows

"""The Activations page, driven headlessly: pick an activation, type a matrix, read the numbers."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

from tests.app.conftest import app_test

PAGE = "pages/activations.py"
COURSE_SOFTMAX = [[0.3273, 0.1331, 0.5396], [0.3883, 0.3514, 0.2603], [0.2807, 0.5114, 0.2079]]


@pytest.fixture()
def at() -> AppTest:
    test = app_test(PAGE).run()
    assert not test.exception
    return test


def table(at: AppTest, key: str) -> pd.DataFrame:
    """The table the page draws inside the container keyed ``key``."""
    return at.get_by_key(key).dataframe[0].value


def has_table(at: AppTest, key: str) -> bool:
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def rounded(frame: pd.DataFrame, decimals: int = 4) -> list[list[float]]:
    return [[round(float(v), decimals) for v in row] for row in frame.to_numpy()]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric(at: AppTest, label_start: str) -> str:
    for item in at.metric:
        if item.label.startswith(label_start):
            return item.value
    raise AssertionError(f"no metric starting {label_start!r}")


def test_defaults_show_relu_on_the_course_matrix(at: AppTest) -> None:
    assert at.title[0].value == "Activation functions"
    assert at.selectbox(key="activations_name").value == "ReLU"
    assert rounded(table(at, "activations_table_output")) == [[0.4, 0.0, 0.9], [0.3, 0.2, 0.0], [0.1, 0.7, 0.0]]
    assert rounded(table(at, "activations_table_slope")) == [[1, 0, 1], [1, 1, 0], [1, 1, 0]]
    printed = at.get_by_key("activations_printed_output").code[0].value
    assert printed == (  # exactly what text 004 prints
        "tensor([[0.4000, 0.0000, 0.9000],\n"
        "        [0.3000, 0.2000, 0.0000],\n"
        "        [0.1000, 0.7000, 0.0000]])"
    )
    assert any("layer = nn.ReLU()" in block.value for block in at.code)
    assert any(r"\max(0,\ x)" in formula.value for formula in at.latex)
    assert not errors(at)


def test_sigmoid_on_a_typed_column_gives_the_course_numbers(at: AppTest) -> None:
    at.selectbox(key="activations_name").select("Sigmoid").run()
    at.text_area(key="activations_matrix_text").input("[[6.7], [-3.2], [1.1]]").run()
    assert not at.exception
    assert rounded(table(at, "activations_table_output")) == [[0.9988], [0.0392], [0.7503]]
    printed = at.get_by_key("activations_printed_output").code[0].value
    assert printed == "tensor([[0.9988],\n        [0.0392],\n        [0.7503]])"  # as in text 004
    slopes = [s for (s,) in rounded(table(at, "activations_table_slope"), 6)]
    expected = [round(float(torch.sigmoid(torch.tensor(v)) * (1 - torch.sigmoid(torch.tensor(v)))), 6) for v in (6.7, -3.2, 1.1)]
    assert slopes == pytest.approx(expected, abs=2e-6)
    assert any(r"\sigma(x) = \frac{1}{1 + e^{-x}}" in formula.value for formula in at.latex)


def test_course_softmax_button_gives_the_full_table_with_dim_1(at: AppTest) -> None:
    at.button(key="activations_example_2").click().run()
    assert at.selectbox(key="activations_name").value == "Softmax"
    assert at.selectbox(key="activations_dim").value == 1
    assert rounded(table(at, "activations_table_output")) == COURSE_SOFTMAX
    printed = at.get_by_key("activations_printed_output").code[0].value
    assert printed == (  # exactly what text 004 prints
        "tensor([[0.3273, 0.1331, 0.5396],\n"
        "        [0.3883, 0.3514, 0.2603],\n"
        "        [0.2807, 0.5114, 0.2079]])"
    )
    assert any("layer = nn.Softmax(dim=1)" in block.value for block in at.code)
    # The Jacobian of row 0: diagonal s(1 - s), rows summing to 0.
    jacobian = table(at, "activations_table_jacobian").to_numpy()
    assert [round(jacobian[i][i], 4) for i in range(3)] == [round(s * (1 - s), 4) for s in (0.3273, 0.1331, 0.5396)]
    assert all(abs(row.sum()) < 1e-6 for row in jacobian)
    at.number_input(key="activations_jacobian_slice").set_value(2).run()
    jacobian = table(at, "activations_table_jacobian").to_numpy()
    assert round(jacobian[1][1], 4) == round(0.5114 * (1 - 0.5114), 4)
    # Down the columns instead: each column sums to 1.
    at.selectbox(key="activations_dim").select(0).run()
    columns = table(at, "activations_table_output").to_numpy().sum(axis=0)
    assert columns.tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)
    assert any("layer = nn.Softmax(dim=0)" in block.value for block in at.code)


def test_huge_scores_show_naive_nan_and_the_stable_result(at: AppTest) -> None:
    at.button(key="activations_example_3").click().run()
    assert not at.exception
    output = rounded(table(at, "activations_table_output"))
    assert output[0] == output[1] == [0.09, 0.2447, 0.6652]
    steps = at.get_by_key("activations_stability_code").code[0].value
    assert "tensor([[    inf,     inf,     inf]," in steps
    assert "tensor([[   nan,    nan,    nan],\n        [0.0900, 0.2447, 0.6652]])" in steps
    assert "tensor([[-2., -1.,  0.],\n        [-2., -1.,  0.]])" in steps
    assert "tensor([[0.0900, 0.2447, 0.6652],\n        [0.0900, 0.2447, 0.6652]])" in steps
    assert any("overflows float32" in w.value and "e^1002" in w.value for w in at.warning)
    assert at.expander[0].proto.expanded


def test_softmax_along_a_dim_of_size_one_is_explained(at: AppTest) -> None:
    at.button(key="activations_example_4").click().run()
    assert rounded(table(at, "activations_table_output")) == [[1.0], [1.0], [1.0]]
    assert any("has size 1" in w.value for w in at.warning)
    at.selectbox(key="activations_dim").select(0).run()
    assert not any("has size 1" in w.value for w in at.warning)
    expected = torch.softmax(torch.tensor([6.7, -3.2, 1.1]), dim=0)
    assert [v for (v,) in rounded(table(at, "activations_table_output"))] == [round(float(v), 4) for v in expected]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[1, 2], [3]]", "different lengths"),
        ("__import__('os').system('true')", "is not a number"),
        ("[[1, 2]", "closing ']' is missing"),
    ],
)
def test_bad_matrix_shows_one_message_and_keeps_the_rest(at: AppTest, text: str, fragment: str) -> None:
    at.text_area(key="activations_matrix_text").input(text).run()
    assert not at.exception
    assert len(errors(at)) == 1 and fragment in errors(at)[0]
    assert at.text_area(key="activations_matrix_text").value == text  # nothing typed is lost
    assert not has_table(at, "activations_table_output")
    # The other sections keep working.
    assert has_table(at, "activations_table_saturation")
    assert has_table(at, "activations_table_one_layer")
    assert has_table(at, "activations_table_chain")


def test_parameters_change_the_layer_and_its_numbers(at: AppTest) -> None:
    at.selectbox(key="activations_name").select("LeakyReLU").run()
    at.slider(key="activations_param_LeakyReLU_negative_slope").set_value(0.2).run()
    assert any("nn.LeakyReLU(negative_slope=0.2)" in block.value for block in at.code)
    assert rounded(table(at, "activations_table_output"))[0] == [0.4, -0.1, 0.9]
    assert rounded(table(at, "activations_table_slope"))[0] == [1.0, 0.2, 1.0]


def test_hardtanh_is_offered_and_every_activation_draws_at_once(at: AppTest) -> None:
    # A 10th activation once crashed the charts: the page's palette had 9 colours.
    at.selectbox(key="activations_name").select("Hardtanh").run()
    assert not at.exception
    assert any("layer = nn.Hardtanh(min_val=-1, max_val=1)" in block.value for block in at.code)
    at.slider(key="activations_param_Hardtanh_min_val").set_value(0.0).run()
    at.slider(key="activations_param_Hardtanh_max_val").set_value(6.0).run()
    assert any("nn.Hardtanh(min_val=0, max_val=6)" in block.value for block in at.code)
    at.text_area(key="activations_matrix_text").input("[[-2., -1., 0.5, 6., 7.]]").run()
    assert rounded(table(at, "activations_table_output")) == [[0.0, 0.0, 0.5, 6.0, 6.0]]
    assert rounded(table(at, "activations_table_slope")) == [[0.0, 0.0, 1.0, 0.0, 0.0]]  # 0 at both kinks, as torch
    others = [name for name in at.multiselect(key="activations_compare").options if name != "Hardtanh"]
    at.multiselect(key="activations_compare").set_value(others).run()
    assert not at.exception
    assert len(table(at, "activations_table_saturation")) == 10
    at.multiselect(key="activations_chain_names").set_value(["Hardtanh", "ReLU"]).run()
    assert not at.exception
    assert table(at, "activations_table_chain")["Hardtanh: dhₙ/dx₀"].tolist() == [1.0] * 20


def test_saturation_table_and_bad_range(at: AppTest) -> None:
    saturation = table(at, "activations_table_saturation").set_index("activation")
    assert list(saturation.index) == ["ReLU", "Sigmoid", "Tanh"]
    assert saturation.loc["Sigmoid", "saturated for x in"] == "[-6.00, -4.35], [4.35, 6.00]"
    assert saturation.loc["Sigmoid", "peak slope"] == pytest.approx(0.25)
    at.number_input(key="activations_x_min").set_value(8.0).run()
    assert not at.exception
    assert any("smaller to a larger" in message for message in errors(at))
    assert not has_table(at, "activations_table_saturation")
    assert has_table(at, "activations_table_output")


def test_collapse_with_random_weights(at: AppTest) -> None:
    assert float(metric(at, "max |layers − one layer|")) < 1e-6
    assert float(metric(at, "max |with ReLU")) > 1e-3
    stack = table(at, "activations_table_stack").to_numpy()
    one_layer = table(at, "activations_table_one_layer").to_numpy()
    assert stack.shape == (4, 1) and abs(stack - one_layer).max() < 1e-6
    assert table(at, "activations_table_collapsed_w").shape == (2, 1)
    at.number_input(key="activations_collapse_size_3_3").set_value(2).run()
    assert table(at, "activations_table_collapsed_w").shape == (2, 2)
    at.selectbox(key="activations_collapse_activation").select("Sigmoid").run()
    assert float(metric(at, "max |with Sigmoid")) > 1e-2


def test_collapse_with_typed_weights_and_a_shape_mistake(at: AppTest) -> None:
    at.radio(key="activations_collapse_mode").set_value("typed").run()
    assert not at.exception
    w = table(at, "activations_table_collapsed_w").to_numpy()
    expected = (
        torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])
        @ torch.tensor([[0.3, -0.6], [-0.8, 0.2], [0.5, 0.9]])
        @ torch.tensor([[1.2], [-0.7]])
    )
    assert w.flatten().tolist() == pytest.approx(expected.flatten().tolist(), abs=1e-6)
    assert float(metric(at, "max |layers − one layer|")) < 1e-6
    assert float(metric(at, "max |with ReLU")) > 1e-3
    at.text_area(key="activations_collapse_w2_3").input("[[0.3, -0.6], [-0.8, 0.2]]").run()
    assert any("W1 gives 3 outputs but W2 expects 2 inputs" in message for message in errors(at))
    assert not has_table(at, "activations_table_one_layer")
    assert has_table(at, "activations_table_output")


def test_vanishing_gradient_numbers(at: AppTest) -> None:
    chain = table(at, "activations_table_chain")
    assert len(chain) == 20
    assert chain["Sigmoid: dhₙ/dx₀"].iloc[0] == pytest.approx(0.2350037, rel=1e-6)
    assert chain["Sigmoid: dhₙ/dx₀"].iloc[-1] < 1e-12
    assert chain["ReLU: dhₙ/dx₀"].tolist() == [1.0] * 20
    at.number_input(key="activations_chain_x0").set_value(-0.5).run()
    chain = table(at, "activations_table_chain")
    assert chain["ReLU: dhₙ/dx₀"].tolist() == [0.0] * 20
    assert any("exactly 0" in caption.value and "ReLU" in caption.value for caption in at.caption)
    at.slider(key="activations_chain_depth").set_value(5).run()
    assert len(table(at, "activations_table_chain")) == 5


def test_softmax_dim_choices_follow_the_tensor(at: AppTest) -> None:
    at.selectbox(key="activations_name").select("Softmax").run()
    # The labels name the dim but not its size, so a link's dim stays valid when the sizes change.
    assert at.selectbox(key="activations_dim").options == ["dim=0: down each column", "dim=1: across each row"]
    assert any("each slice along dim=1 holds 3 numbers" in caption.value for caption in at.caption)
    at.selectbox(key="activations_dim").select(0).run()
    at.text_area(key="activations_matrix_text").input("[[1., 2.], [3., 5.]]").run()
    assert at.selectbox(key="activations_dim").value == 0  # the student's choice stays
    at.text_area(key="activations_matrix_text").input("[1., 2., 3.]").run()
    assert at.selectbox(key="activations_dim").value == 0
    assert rounded(table(at, "activations_table_output")) == [[0.0900, 0.2447, 0.6652]]
    at.text_area(key="activations_matrix_text").input("[[[1., 2.], [3., 4.]], [[5., 6.], [7., 9.]]]").run()
    assert at.selectbox(key="activations_dim").value == 2  # new number of dims: the last one
    output = table(at, "activations_table_output").to_numpy()
    assert output.shape == (4, 2) and abs(output.sum(axis=1) - 1).max() < 1e-6
    assert not at.exception


# --------------------------------------------------------------------------- shared links


def linked(params: dict[str, str | list[str]]) -> AppTest:
    """The page opened from a link: its query parameters set before the first run."""
    test = app_test(PAGE)
    for key, value in params.items():
        test.query_params[key] = value
    test.run()
    assert not test.exception
    return test


def test_a_link_opens_softmax_down_the_columns() -> None:
    scores = [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
    at = linked({
        "activations_name": "Softmax",
        "activations_matrix_text": str(scores),
        "activations_dim": "dim=0: down each column",  # a selectbox with format_func: the label shown
        "activations_jacobian_slice": "2",
    })
    assert at.selectbox(key="activations_dim").value == 0
    expected = torch.softmax(torch.tensor(scores), dim=0)
    assert rounded(table(at, "activations_table_output")) == [[round(float(v), 4) for v in row] for row in expected]
    assert any("layer = nn.Softmax(dim=0)" in block.value for block in at.code)
    # The Jacobian of column 2, (3, 1): both scores e^3/(e^3 + e) and e/(e^3 + e).
    s = torch.softmax(torch.tensor([3.0, 1.0]), dim=0)
    jacobian = table(at, "activations_table_jacobian").to_numpy()
    expected_jacobian = torch.diag(s) - torch.outer(s, s)
    assert jacobian.flatten().tolist() == pytest.approx(expected_jacobian.flatten().tolist(), abs=1e-6)


def test_a_link_carries_the_parameters_and_every_section() -> None:
    at = linked({
        "activations_name": "LeakyReLU",
        "activations_param_LeakyReLU_negative_slope": "0.2",
        "activations_compare": ["Tanh", "ELU"],  # a multiselect: one parameter per choice
        "activations_x_min": "-2.0",
        "activations_collapse_mode": "Typed",
        "activations_collapse_layers": "2",
        "activations_chain_names": ["ReLU"],
        "activations_chain_depth": "5",
        "activations_chain_x0": "-0.5",
    })
    assert rounded(table(at, "activations_table_output"))[0] == [0.4, -0.1, 0.9]
    assert rounded(table(at, "activations_table_slope"))[0] == [1.0, 0.2, 1.0]
    saturation = table(at, "activations_table_saturation")
    assert list(saturation["activation"]) == ["LeakyReLU", "Tanh", "ELU"]
    assert at.multiselect(key="activations_compare").value == ["Tanh", "ELU"]
    # Two typed layers: W = W1 W2 with the page's 2-layer defaults.
    w = table(at, "activations_table_collapsed_w").to_numpy()
    expected = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]) @ torch.tensor([[0.3], [-0.8], [0.5]])
    assert w.flatten().tolist() == pytest.approx(expected.flatten().tolist(), abs=1e-6)
    # ReLU chained 5 times from x0 = -0.5: a dead unit, the gradient is 0 all the way.
    assert table(at, "activations_table_chain")["ReLU: dhₙ/dx₀"].tolist() == [0.0] * 5


def test_an_example_button_writes_the_link_and_the_link_reopens_it() -> None:
    at = linked({})
    assert dict(at.query_params) == {}  # the defaults leave the link clean
    at.button(key="activations_example_1").click().run()  # the course's Sigmoid on a column
    link = dict(at.query_params)
    assert link == {"activations_name": "Sigmoid", "activations_matrix_text": "[[6.7], [-3.2], [1.1]]"}
    again = linked(link)
    assert again.selectbox(key="activations_name").value == "Sigmoid"
    printed = again.get_by_key("activations_printed_output").code[0].value
    assert printed == "tensor([[0.9988],\n        [0.0392],\n        [0.7503]])"  # as in text 004


def test_link_values_that_do_not_fit_are_dropped() -> None:
    at = linked({
        "activations_name": "Swish",
        "activations_param_LeakyReLU_negative_slope": "7",
        "activations_chain_depth": "100000",
        "activations_matrix_text": "[[1, 2], [3]]",
    })
    assert at.selectbox(key="activations_name").value == "ReLU"
    assert at.slider(key="activations_chain_depth").value == 20
    assert "activations_name" not in dict(at.query_params)
    # A tensor that does not parse still opens: the text stays, with one message next to it.
    assert at.text_area(key="activations_matrix_text").value == "[[1, 2], [3]]"
    assert len(errors(at)) == 1 and "different lengths" in errors(at)[0]

"""The Backpropagation page's sections, in page order; everything shown is computed by nnlib.backprop.

Widget keys start with ``backprop_``; their defaults are set once per session by :func:`init_state`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from nnlib.backprop import (
    DEFAULT_W1,
    DEFAULT_W2,
    DEFAULT_X,
    DEFAULT_Y,
    HIDDEN,
    REDUCTIONS,
    Network,
    WorkedLine,
    accumulated_gradients,
    backward_lines,
    by_autograd,
    by_hand,
    forward_lines,
    in_place_update,
    make_network,
    max_difference,
    no_grad_savings,
    random_network,
    train_vs_eval,
)
from nnlib.core.errors import InputError
from nnlib.core.formatting import fixed, latex_matrix, tensor_literal
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import accept_linked_label, show_input_error, tensor_frame, tensor_input

state = st.session_state

# The worked formulas show matrices with numbers up to this size; beyond it only results are listed.
LATEX_SIDE = 6
DECIMALS = 4

INPUT_LABELS = {"X": N_("X (N×D): one row per example"), "W1": N_("W₁ (D×M)"), "W2": N_("W₂ (M numbers)"),
                "y": N_("y (N targets)")}
# The sizes of the course's network: math symbols, the same in every language.
SIZE_KEYS = {"N": "backprop_n", "D": "backprop_d", "M": "backprop_m"}
# Formulas and code shown to students: the same in every language.
NETWORK_LATEX = (
    r"\underset{[N \times D]}{X} \xrightarrow{\;\cdot\, W_1\,[D \times M]\;} \underset{[N \times M]}{T}"
    r" \xrightarrow{\;\cdot\, W_2\,[M]\;} \underset{[N]}{\hat{y}}, \qquad L = \sum_i (\hat{y}_i - y_i)^2"
)
IN_PLACE_CODE = "x -= alpha * x.grad"
NO_GRAD_CODE = "with torch.no_grad():\n    x -= alpha * x.grad"


def _bold(name: str) -> str:
    """A table's title that is code (X, Dropout, eval()): the same in every language."""
    return f"**{name}**"
TEXT_KEYS = {"X": "backprop_x_text", "W1": "backprop_w1_text", "W2": "backprop_w2_text", "y": "backprop_y_text"}
# The course's numbers as a student types them: [[1, 2, 0], [0, 1, 2]], not [[1., 2., 0.], ...].
COURSE_TEXTS = {
    name: tensor_literal(torch.tensor(values), float_marks=False)
    for name, values in (("X", DEFAULT_X), ("W1", DEFAULT_W1), ("W2", DEFAULT_W2), ("y", DEFAULT_Y))
}
DEFAULTS = {
    "backprop_reduction": "sum",
    "backprop_n": 2,
    "backprop_d": 3,
    "backprop_m": 2,
    "backprop_seed": 0,
    "backprop_calls": 3,
    "backprop_acc_x": 1.0,
    "backprop_alpha": 0.01,
    "backprop_dropout_p": 0.5,
    "backprop_mode_seed": 0,
    "backprop_batch": 64,
}


def init_state() -> None:
    """Each widget's default, once per session (a value the student changed is kept)."""
    for key, value in DEFAULTS.items():
        if key not in state:
            state[key] = value


def _load_course_numbers() -> None:
    for name, key in TEXT_KEYS.items():
        state[key] = COURSE_TEXTS[name]


def _load_random_numbers() -> None:
    net = random_network(
        int(state["backprop_n"]), int(state["backprop_d"]), int(state["backprop_m"]), int(state["backprop_seed"])
    )
    for name, tensor in zip(TEXT_KEYS, (net.x, net.w1, net.w2, net.y), strict=True):
        state[TEXT_KEYS[name]] = tensor_literal(tensor, float_marks=False)
    state["backprop_seed"] = int(state["backprop_seed"]) + 1  # the next click draws new numbers


def fits_latex(net: Network) -> bool:
    return max(net.sizes.values()) <= LATEX_SIDE


def show_worked_line(line: WorkedLine, with_numbers: bool) -> None:
    st.latex(line.latex(DECIMALS, with_numbers))


def show_worked_gradients(net: Network, hidden: str, reduction: str) -> None:
    st.caption(HIDDEN[hidden].note)
    hand, auto = by_hand(net, hidden, reduction), by_autograd(net, hidden, reduction)
    # The result first: the loss both ways and how far apart hand and autograd are.
    loss_col, auto_col, gap_col = st.columns(3)
    loss_col.metric(_("Loss L, by hand"), fixed(hand.loss, DECIMALS))
    auto_col.metric(_("Loss L, autograd"), fixed(auto.loss, DECIMALS))
    gap_col.metric(_("Largest difference, hand vs autograd"), f"{max_difference(hand, auto):.1e}",
                   help=_("Over every gradient and the loss, computed in float64."))
    with_numbers = fits_latex(net)
    if not with_numbers:
        st.info(_("The formulas show numbers for matrices up to {side}×{side}; yours are N = {n}, D = {d}, "
                  "M = {m}, so only the results are listed.").format(
                      side=LATEX_SIDE, n=net.sizes["N"], d=net.sizes["D"], m=net.sizes["M"]))
    st.markdown(_("**Forward pass**"))
    for line in forward_lines(net, hand, hidden, DECIMALS):
        show_worked_line(line, with_numbers)
    st.latex(
        REDUCTIONS[reduction].latex + rf" = {fixed(hand.loss, DECIMALS)}"
        + rf"\qquad \text{{autograd: }} {fixed(auto.loss, DECIMALS)}"
    )

    st.markdown(_("**Backward pass: by hand (left) and autograd's `.grad` (right)**"))
    for line in backward_lines(net, hand, hidden, reduction, DECIMALS):
        left, right = st.columns(2, vertical_alignment="center")
        with left:
            show_worked_line(line, with_numbers)
        with right:
            autograd_value: torch.Tensor = getattr(auto, line.field)
            label = line.autograd_label.replace("_", r"\_")
            st.latex(rf"\texttt{{{label}}} = {latex_matrix(autograd_value, DECIMALS)}")
            same = latex_matrix(autograd_value, DECIMALS) == latex_matrix(line.result, DECIMALS)
            gap = float((autograd_value - line.result).abs().max())
            if same:
                st.caption(_("Same to every digit shown (largest difference {gap}).").format(gap=f"{gap:.1e}"))
            else:
                st.warning(_("Differs from the hand result by up to {gap}.").format(gap=f"{gap:.1e}"))


def read_network() -> tuple[Network | None, InputError | None]:
    tensors = {}
    columns = st.columns(4)
    for column, (name, key) in zip(columns, TEXT_KEYS.items(), strict=True):
        with column:
            tensors[name] = tensor_input(_(INPUT_LABELS[name]), key, COURSE_TEXTS[name], dtype=torch.float64,
                                         height=68)
    if any(value is None for value in tensors.values()):
        return None, None
    try:
        return make_network(tensors["X"], tensors["W1"], tensors["W2"], tensors["y"]), None
    except InputError as error:
        return None, error


def show_chain_rule() -> None:
    """The course's network by hand next to autograd, with the student's numbers."""
    st.subheader(_("The chain rule by hand, next to autograd"))
    network_col, loss_col = st.columns([3, 2], vertical_alignment="center")
    network_col.latex(NETWORK_LATEX)
    network_col.caption(_("Type small matrices (rows in square brackets) or draw random ones. The course's "
                          "numbers give ŷ = [2.3; 4.1], the prediction drawn in text 003."))
    accept_linked_label("backprop_reduction", list(REDUCTIONS), lambda key: REDUCTIONS[key].label)
    loss_col.radio(_("Loss"), list(REDUCTIONS), format_func=lambda key: REDUCTIONS[key].label,
                   key="backprop_reduction")
    buttons = st.columns([3, 2, 2, 2, 3], vertical_alignment="bottom")
    buttons[0].button(_("Course numbers"), key="backprop_course", on_click=_load_course_numbers, width="stretch")
    for column, (symbol, key) in zip(buttons[1:4], SIZE_KEYS.items(), strict=True):
        column.number_input(symbol, min_value=1, max_value=LATEX_SIDE, key=key)
    buttons[4].button(_("Random numbers"), key="backprop_random", on_click=_load_random_numbers, width="stretch")
    network, shape_error = read_network()
    if shape_error is not None:
        show_input_error(shape_error)

    if network is None:
        st.info(_("Fix the input above to see the gradients; the demonstrations below still work."))
    else:
        tabs = st.tabs([choice.label for choice in HIDDEN.values()])
        for tab, hidden in zip(tabs, HIDDEN, strict=True):
            with tab:
                show_worked_gradients(network, hidden, state["backprop_reduction"])


MISTAKES = (
    N_("1 · Gradients add up"),
    N_("2 · Updating a weight in place"),
    N_("3 · train() vs eval()"),
    N_("4 · What no_grad() saves"),
)


def show_mistakes() -> None:
    """The four autograd mistakes, one tab each (every one is run on every script run)."""
    st.header(_("What trips students up"))
    tabs = st.tabs([_(title) for title in MISTAKES])
    for tab, show in zip(tabs, (show_accumulation, show_in_place_update, show_train_and_eval,
                                show_no_grad_savings), strict=True):
        with tab:
            show()


def show_accumulation() -> None:
    """Mistake 1: gradients add up across backward() calls."""
    st.markdown(_(
        "Course text 002's example: x = ones(2, 3), w = 2x, y = w³ + 3w² + 2w + 1, z = sum(y), so "
        "∂z/∂x = 2(3w² + 6w + 2) = 52 at x = 1. `backward()` does not replace `.grad`, it **adds** to it. "
        "Run the same forward and backward pass several times:"
    ))
    acc_controls = st.columns([1, 1, 2])
    x_label = "x"  # the course's variable
    acc_controls[0].number_input(x_label, min_value=-5.0, max_value=5.0, step=0.5, key="backprop_acc_x")
    acc_controls[1].number_input(_("backward() calls"), min_value=1, max_value=10, key="backprop_calls")
    calls, x_value = int(state["backprop_calls"]), float(state["backprop_acc_x"])
    without = accumulated_gradients(x_value, calls, zero_grad=False)
    with_zero = accumulated_gradients(x_value, calls, zero_grad=True)
    code_column, table_column = st.columns([3, 2])
    comment = _("uncomment: .grad starts from 0 each time")
    code = (  # the code keeps English identifiers; its comment follows the language
        f"x = torch.full((2, 3), {x_value:g}, requires_grad=True)\n"
        f"for call in range({calls}):\n"
        f"    # x.grad.zero_()  # {comment}\n"
        "    w = 2 * x\n"
        "    z = torch.sum(w * w * w + 3 * w * w + 2 * w + 1)\n"
        "    z.backward()\n"
        "    print(x.grad[0, 0])"
    )
    code_column.code(code, language="python", wrap_lines=True)
    with table_column.container(key="backprop_accumulation"):
        st.table(
            pd.DataFrame(
                {
                    _("backward() call"): [str(i) for i in range(1, calls + 1)],
                    _("x.grad without zeroing"): [f"{v:g}" for v in without],
                    _("x.grad, zeroed each time"): [f"{v:g}" for v in with_zero],
                }
            ),
            hide_index=True,
        )
    st.caption(_(
        "In a training loop this means each step uses the sum of all past gradients. Call "
        "`optimizer.zero_grad()` once per step (course text 004 puts it right after `optimizer.step()`)."
    ))


def show_in_place_update() -> None:
    """Mistake 2: updating a leaf that requires grad in place."""
    st.markdown(_(
        "Course text 004 first tries the gradient step by hand, `weight -= alpha * weight.grad`. "
        "Here is that line run on the leaf x from above, and what PyTorch says:"
    ))
    alpha_label = "α"  # the learning rate's symbol in the course
    st.columns(4)[0].number_input(alpha_label, min_value=0.0001, max_value=1.0, step=0.01, format="%g",
                                  key="backprop_alpha")
    alpha = float(state["backprop_alpha"])
    demo = in_place_update(alpha)
    wrong, right = st.columns(2)
    with wrong:
        st.code(IN_PLACE_CODE, language="python")
        with st.container(key="backprop_inplace_error"):
            # PyTorch's own message, as a student sees it in a notebook.
            st.error(f"RuntimeError: {demo.error_message}", icon=":material/error:")
        st.caption(_(
            "x is a leaf that autograd tracks; changing it in place would silently break the graph that "
            "produced its gradient, so PyTorch refuses."
        ))
    with right:
        st.code(NO_GRAD_CODE, language="python")
        st.success(
            _("Works: x = 1 − {alpha} · 52 = {value}; x is still a leaf (is_leaf = {is_leaf}) with "
              "requires_grad = {requires_grad}.").format(
                alpha=f"{alpha:g}", value=f"{demo.fixed_value:.4f}", is_leaf=demo.fixed_is_leaf,
                requires_grad=demo.fixed_requires_grad),
            icon=":material/check_circle:",
        )
        st.caption(_(
            "Writing `x = x - alpha * x.grad` instead raises nothing but makes a new tensor: is_leaf = "
            "{is_leaf}, grad_fn = {grad_fn}, so the next backward() leaves its `.grad` empty. torch.optim's "
            "`step()` does the no_grad update for you."
        ).format(is_leaf=demo.rebound_is_leaf, grad_fn=demo.rebound_grad_fn))


def show_train_and_eval() -> None:
    """Mistake 3: Dropout and BatchNorm in train() and eval() mode."""
    st.markdown(_(
        "Dropout and BatchNorm behave differently while training. The same input, course text 004's X, "
        "through each layer in both modes:"
    ))
    mode_controls = st.columns([2, 1, 3])
    mode_controls[0].slider(_("Dropout p"), min_value=0.0, max_value=0.9, step=0.1, key="backprop_dropout_p")
    mode_controls[1].number_input(_("Seed"), min_value=0, max_value=10_000, key="backprop_mode_seed")
    modes = train_vs_eval(float(state["backprop_dropout_p"]), int(state["backprop_mode_seed"]))
    p = float(state["backprop_dropout_p"])
    drop_columns = st.columns(4)
    drop_columns[0].markdown(_bold("X"))
    drop_columns[0].dataframe(tensor_frame(modes.x, decimals=4), hide_index=True)
    drop_columns[1].markdown(_("**Dropout, train(), call {number}**").format(number=1))
    drop_columns[1].dataframe(tensor_frame(modes.dropout_train[0], decimals=4), hide_index=True)
    drop_columns[2].markdown(_("**Dropout, train(), call {number}**").format(number=2))
    drop_columns[2].dataframe(tensor_frame(modes.dropout_train[1], decimals=4), hide_index=True)
    drop_columns[3].markdown(_bold("Dropout, eval()"))
    drop_columns[3].dataframe(tensor_frame(modes.dropout_eval, decimals=4), hide_index=True)
    st.caption(_(
        "In train() each value is zeroed with probability p = {p} and the rest are multiplied by "
        "1/(1 − p) = {scale}, with a new random mask on every call; in eval() Dropout passes X unchanged."
    ).format(p=f"{p:g}", scale=f"{1 / (1 - p):.4g}"))
    norm_columns = st.columns(3)
    norm_columns[0].markdown(_bold("BatchNorm1d, train()"))
    norm_columns[0].dataframe(tensor_frame(modes.batchnorm_train, decimals=4), hide_index=True)
    norm_columns[1].markdown(_("**BatchNorm1d, eval() after that**"))
    norm_columns[1].dataframe(tensor_frame(modes.batchnorm_eval, decimals=4), hide_index=True)
    norm_columns[2].markdown(_("**Running statistics after one train() call**"))
    norm_columns[2].dataframe(
        pd.DataFrame(
            {"running_mean": modes.running_mean.numpy(), "running_var": modes.running_var.numpy()}
        ).round(4),
        hide_index=True,
    )
    st.caption(_(
        "train() normalises each column with this batch's own mean and variance (every column comes out with "
        "mean 0) and moves the running statistics a tenth of the way towards them; eval() uses the running "
        "statistics, so one example gets the same output whatever batch it comes in. Forgetting "
        "`model.eval()` before testing gives noisy, batch-dependent predictions."
    ))


def show_no_grad_savings() -> None:
    """Mistake 4: what torch.no_grad() saves."""
    st.markdown(_(
        "To run backward, autograd keeps tensors from the forward pass. Counted here with "
        "`torch.autograd.graph.saved_tensors_hooks` for course text 003's 784 → 256 → 10 network:"
    ))
    st.slider(_("Batch size"), min_value=1, max_value=1024, key="backprop_batch")
    with_graph, without_graph = no_grad_savings(int(state["backprop_batch"]))
    memory = st.columns(3)
    memory[0].metric(_("tensors saved for backward"), with_graph.count)
    memory[1].metric(_("memory they hold (kB)"), f"{with_graph.unique_bytes / 1024:.1f}")
    memory[2].metric(_("under torch.no_grad()"), ngettext(
        "{count} tensor, {bytes} B", "{count} tensors, {bytes} B", without_graph.count).format(
            count=without_graph.count, bytes=without_graph.unique_bytes))
    with st.container(key="backprop_saved"):
        st.table(
            pd.DataFrame(
                {
                    _("saved tensor shape"): [" × ".join(str(n) for n in shape) for shape in with_graph.shapes],
                    _("kB"): [f"{size / 1024:.1f}" for size in with_graph.sizes],
                    _("what it is"): list(with_graph.role_words),
                }
            ),
            hide_index=True,
        )
    st.caption(_(
        "Of the {total} kB, {weight} kB is the second layer's weight (kept anyway), the rest is the input batch "
        "and the hidden ReLU output, which grow with the batch. Under no_grad nothing is saved, so inference "
        "needs less memory; wrap evaluation in `with torch.no_grad():` (or `torch.inference_mode()`)."
    ).format(total=f"{with_graph.unique_bytes / 1024:.1f}", weight=f"{with_graph.parameter_bytes / 1024:.1f}"))

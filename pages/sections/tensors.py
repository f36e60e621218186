"""The Tensors page's sections, in page order; everything shown is computed by nnlib.tensors.

Every widget key starts with ``tensors_`` and is SHARED (a link reopens the same example), except
the device, which belongs to this machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from nnlib import tensors as nt
from nnlib.core.device import available_devices, device_label
from nnlib.core.errors import InputError
from nnlib.core.formatting import latex_factor, shape_text
from nnlib.core.settings import get_settings
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import KEPT, SHARED, accept_linked_label, show_input_error

# The course's examples (002 appendix B; 004 «Линейные слои»).
COURSE_T = "[[1., 0.], [0., 1.]]"
COURSE_X = "[[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]]"
COURSE_W = "[[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]"
COURSE_AUTOGRAD_X = "[[1., 1., 1.], [1., 1., 1.]]"

SOURCES = (N_("Type it"), N_("Use a factory"))  # the values stay English; _() shows them

# Each widget's default; a value only reaches the URL once it differs from this.
DEFAULTS: dict[str, object] = {
    "tensors_source": SOURCES[0],
    "tensors_text": COURSE_T,
    "tensors_factory": "rand",
    "tensors_fill": "7.",
    "tensors_seed": "24",
    "tensors_dtype": nt.AUTO,
    "tensors_requires_grad": False,
    "tensors_shape_op": "reshape",
    "tensors_a_text": COURSE_X,
    "tensors_b_text": COURSE_W,
    "tensors_op": "A @ B",
    "tensors_x_text": COURSE_AUTOGRAD_X,
    **{f"tensors_{kind.key}_args": kind.example for kind in nt.ARGS_KINDS.values()},
    **{f"tensors_{op.name}_args": op.example for op in nt.SHAPE_OPS.values()},
}

DTYPE_HELP = N_(
    "auto: what PyTorch picks itself — float32 for decimals, int64 for whole numbers, bool for "
    "True/False; for factories float32 (arange and full follow their numbers)."
)


# Code shown as it is written, the same in every language: a tensor's name, the course's chain.
Z_LABEL = "**z**"
CHAIN_LATEX = r"w = 2x \qquad y = w^3 + 3w^2 + 2w + 1 \qquad z = \textstyle\sum y"
CHAIN_RULE_LATEX = (
    r"\frac{\partial z}{\partial x} = \frac{\partial z}{\partial y}\cdot\frac{\partial y}{\partial w}"
    r"\cdot\frac{\partial w}{\partial x} = 1 \cdot (3w^2 + 6w + 2) \cdot 2"
)
FROM_ARRAY_CODE = "array = np.array(T.tolist())\ntorch.tensor(array)"


# --------------------------------------------------------------------------- helpers


def default_index(options: object, key: str) -> int:
    """Where a widget's default sits among its options (selectbox and radio take an index)."""
    return list(options).index(DEFAULTS[key])


def text_cap() -> int:
    return get_settings().max_text_chars


def sentence(text: str) -> str:
    """First letter upper case, the rest as written (str.capitalize would lower "A" and "B")."""
    return text[:1].upper() + text[1:]


def latex_shape(shape: tuple[int, ...], mark: int | None = None) -> str:
    """``(4 \\times 2)``, with the size at index ``mark`` coloured."""
    if not shape:
        return "()"
    sizes = [rf"\textcolor{{#d9480f}}{{\mathbf{{{size}}}}}" if i == mark else str(size) for i, size in enumerate(shape)]
    return "(" + r" \times ".join(sizes) + ")"


def show_torch_error(error_type: str | None, message: str) -> None:
    st.markdown(_("**PyTorch's error**"))
    st.code(f"{error_type}: {message}", language=None, wrap_lines=True)


def facts_metrics(facts: nt.TensorFacts) -> None:
    cols = st.columns(5)
    dimensions = ngettext("{count} dimension", "{count} dimensions", facts.ndim).format(count=facts.ndim)
    cols[0].metric(_("Shape"), shape_text(facts.shape), help=f"torch.Size({list(facts.shape)}): {dimensions}")
    cols[1].metric(_("dtype"), facts.dtype, help=_("The type of every element."))
    cols[2].metric(_("Device"), facts.device, help=_("Where the numbers live and where operations on them run."))
    cols[3].metric(_("Elements"), f"{facts.numel:,}", help=_("numel(): the product of the sizes."))
    cols[4].metric(
        _("Memory"),
        _("{count} B").format(count=f"{facts.nbytes:,}"),
        help=ngettext("numel × element_size = {numel} × {count} byte.", "numel × element_size = {numel} × {count} bytes.",
                      facts.element_size).format(numel=f"{facts.numel:,}", count=facts.element_size),
    )


# --------------------------------------------------------------------------- sections


def show_make_tensor(device: str) -> nt.MadeTensor | None:
    st.header(_("1. Make a tensor T"), divider="gray")
    accept_linked_label("tensors_source", SOURCES, _)
    source = st.radio(_("Make T by"), SOURCES, index=default_index(SOURCES, "tensors_source"), key="tensors_source",
                      horizontal=True, format_func=_, **SHARED)
    inputs, options = st.columns([3, 1])
    with options:
        dtype = st.selectbox(_("dtype"), nt.DTYPE_CHOICES, index=default_index(nt.DTYPE_CHOICES, "tensors_dtype"),
                             key="tensors_dtype", help=_(DTYPE_HELP), **SHARED)
        requires_grad = st.checkbox(
            _("requires_grad"),
            value=DEFAULTS["tensors_requires_grad"],
            key="tensors_requires_grad",
            **SHARED,
            help=_("Ask autograd to record every operation on T, so gradients can flow back to it "
                   "(floating-point dtypes only)."),
        )
    factory = None
    with inputs:
        try:
            if source == SOURCES[0]:
                text = st.text_area(
                    _("T, typed as nested lists (Python or NumPy style)"),
                    value=DEFAULTS["tensors_text"],
                    key="tensors_text",
                    height=110,
                    max_chars=text_cap(),
                    **SHARED,
                    help=_("For example [[1., 0.], [0., 1.]] or 1 2 3 on a line. A printed tensor(...) "
                           "or array(...) is read too."),
                )
                made = nt.tensor_from_text(text, dtype=dtype, device=device, requires_grad=requires_grad, field="T")
            else:
                name_col, args_col, extra_col = st.columns(3)
                name = name_col.selectbox(
                    _("Factory"),
                    list(nt.FACTORIES),
                    index=default_index(nt.FACTORIES, "tensors_factory"),
                    key="tensors_factory",
                    format_func=lambda n: f"torch.{n}",
                    **SHARED,
                )
                factory = nt.FACTORIES[name]
                kind = nt.ARGS_KINDS[factory.args]
                args_key = f"tensors_{kind.key}_args"
                args_text = args_col.text_input(
                    kind.label, value=DEFAULTS[args_key], key=args_key, help=kind.help, max_chars=text_cap(), **SHARED
                )
                fill_text = seed_text = ""
                if factory.needs_fill:
                    fill_text = extra_col.text_input(_("Fill value"), value=DEFAULTS["tensors_fill"], key="tensors_fill",
                                                     max_chars=text_cap(), **SHARED)
                if factory.random:
                    seed_text = extra_col.text_input(
                        _("Seed (torch.manual_seed)"),
                        value=DEFAULTS["tensors_seed"],
                        key="tensors_seed",
                        max_chars=text_cap(),
                        **SHARED,
                        help=_("The same seed gives the same numbers every time; leave it blank for new "
                               "numbers on every run."),
                    )
                st.caption(f"torch.{name}: {factory.summary}.")
                made = nt.make_factory_tensor(
                    name, args_text, fill_text=fill_text, dtype=dtype, device=device,
                    requires_grad=requires_grad, seed_text=seed_text,
                )
        except InputError as error:
            show_input_error(error)
            return None

    facts = made.facts
    facts_metrics(facts)
    printed_col, code_col = st.columns([1, 1])
    with printed_col:
        st.markdown(_("**As PyTorch prints it**"))
        st.code(facts.printed, language=None)
    with code_col:
        st.markdown(_("**The one line of code that makes it**"))
        st.code(made.code, language="python", wrap_lines=True)
        if factory is not None and factory.random:
            if made.setup:
                st.caption(_(
                    "Seeded: the same numbers on every run. The course's seed 24 with rand(3, 2) gives "
                    "[[0.7644, 0.3751], [0.0751, 0.5308], [0.9660, 0.2770]] on the CPU."
                ))
            else:
                st.caption(_("No seed: new numbers on every run."))
            if facts.device != "cpu":
                st.caption(_("A GPU has its own generator: the same seed gives other numbers than on the CPU."))
        if factory is not None and factory.note:
            st.caption(factory.note)
        if facts.requires_grad:
            st.caption(_("requires_grad=True: autograd records what is computed from T (see section 5)."))
    return made


def show_shape_operations(tensor: torch.Tensor | None) -> None:
    st.header(_("2. Change its shape"), divider="gray")
    if tensor is None:
        st.info(_("Fix T in section 1 to try the shape operations on it."))
        return
    name = st.radio(
        _("Shape operation on T"), list(nt.SHAPE_OPS), index=default_index(nt.SHAPE_OPS, "tensors_shape_op"), key="tensors_shape_op",
        horizontal=True, format_func=lambda n: f"T.{n}", **SHARED,
    )
    op = nt.SHAPE_OPS[name]
    args_col, about_col = st.columns([1, 2])
    args_key = f"tensors_{name}_args"
    args_text = args_col.text_input(op.args_label, value=DEFAULTS[args_key], key=args_key, max_chars=text_cap(),
                                    **SHARED)
    about_col.markdown(_("`T.{name}` {summary}.").format(name=name, summary=op.summary))
    try:
        result = nt.apply_shape_op(name, tensor, args_text)
    except InputError as error:
        with args_col:
            show_input_error(error)
        return
    if not result.ok:
        show_torch_error(result.torch_error_type, result.torch_error)
        st.info(result.explanation.reason, icon=":material/lightbulb:")
        return
    before, after = result.before, result.after
    st.latex(rf"\texttt{{{result.code}}}:\quad {latex_shape(before.shape)} \;\longrightarrow\; {latex_shape(after.shape)}")
    printed_col, notes_col = st.columns([1, 1])
    with printed_col:
        st.code(after.printed, language=None)
    with notes_col:
        st.markdown(
            _("The result shares T's memory (a view: no data was copied, so changing one changes the other).")
            if result.shares_memory
            else _("The result is a copy: it has its own memory.")
        )
        if after.shape == before.shape:
            st.caption(_("Same shape as before: {name} changed nothing for these arguments.").format(name=name))
        strides = shape_text(after.stride)
        st.caption(
            _("Strides {strides}: the result is contiguous.").format(strides=strides) if after.is_contiguous
            else _("Strides {strides}: the result is not contiguous (its elements are not in row order in "
                   "memory).").format(strides=strides)
        )


def broadcast_table(plan: nt.BroadcastPlan) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                _("dimension"): dim.index,
                _("from the right"): dim.from_right,
                "A": "–" if dim.a is None else dim.a,
                "B": "–" if dim.b is None else dim.b,
                _("rule"): dim.rule_words,
                _("result"): "✗" if dim.result is None else dim.result,
            }
            for dim in plan.dims
        ]
    ).astype(str)


def matmul_rule(plan: nt.MatmulPlan) -> None:
    if plan.kind is None:
        return
    a_mark = len(plan.a_shape) - 1
    b_mark = 0 if len(plan.b_shape) == 1 else len(plan.b_shape) - 2
    result = latex_shape(plan.result_shape) if plan.result_shape is not None else r"\text{✗}"
    st.latex(rf"{latex_shape(plan.a_shape, a_mark)} \;@\; {latex_shape(plan.b_shape, b_mark)} \;\longrightarrow\; {result}")
    st.caption(
        _("{kind}. The marked sizes meet and are summed over, so they must be equal: {a} {relation} {b}.").format(
            kind=sentence(plan.kind_words), a=plan.inner_a, b=plan.inner_b,
            relation="=" if plan.inner_a == plan.inner_b else "≠",
        )
    )


def show_operations(device: str) -> None:
    st.header(_("3. Combine two tensors"), divider="gray")
    st.markdown(_(
        "A and B start as the course's X (4 objects × 2 features) and W (2 inputs × 3 outputs) from "
        "«Линейные слои». `*` multiplies matching elements; `@` is the matrix product a linear layer "
        "computes. The course tries `X * W` first: pick **A * B** to see PyTorch's error."
    ))
    a_col, b_col = st.columns(2)
    operands = {}
    for col, name, key in ((a_col, "A", "tensors_a_text"), (b_col, "B", "tensors_b_text")):
        with col:
            text = st.text_area(name, value=DEFAULTS[key], key=key, height=130, max_chars=text_cap(), **SHARED)
            try:
                operands[name] = nt.tensor_from_text(text, device=device, field=name).tensor
            except InputError as error:
                show_input_error(error)
            else:
                st.caption(_("{name}: shape {shape}, {dtype}").format(
                    name=name, shape=shape_text(operands[name].shape), dtype=nt.dtype_name(operands[name].dtype)))
    label = st.radio(_("Operation on A and B"), list(nt.OPERATIONS), index=default_index(nt.OPERATIONS, "tensors_op"),
                     key="tensors_op", horizontal=True, **SHARED)
    op = nt.OPERATIONS[label]
    formula_col, summary_col = st.columns([1, 2])
    formula_col.latex(op.latex)
    summary_col.markdown(_("**{name}**: {summary}.").format(name=sentence(op.name), summary=op.summary))
    if len(operands) < 2:
        st.info(_("Fix the input above to see the result."))
        return
    try:
        result = nt.apply_operation(label, operands["A"], operands["B"])
    except InputError as error:
        show_input_error(error)
        return

    result_col, why_col = st.columns([1, 1])
    with result_col:
        if result.ok:
            st.markdown(_("**{code}** · shape {shape} · {dtype}").format(
                code=result.code, shape=shape_text(result.facts.shape), dtype=result.facts.dtype))
            st.code(result.facts.printed, language=None)
            if result.facts.dtype != result.a.dtype or result.facts.dtype != result.b.dtype:
                st.caption(_(
                    "dtypes: {a} {symbol} {b} → {result} (PyTorch promotes to a type that holds both; "
                    "/ always gives floats)."
                ).format(a=result.a.dtype, symbol=op.symbol, b=result.b.dtype, result=result.facts.dtype))
        else:
            show_torch_error(result.torch_error_type, result.torch_error)
    with why_col:
        if result.broadcast is not None:
            st.markdown(_("**Broadcasting: the shapes aligned from the right**"))
            st.table(broadcast_table(result.broadcast), hide_index=True)
            shape = result.broadcast.result_shape
            st.caption(
                _("Result shape: {shape}.").format(shape=shape_text(shape)) if shape is not None
                else _("A clash in any dimension means no result shape.")
            )
        if result.matmul is not None:
            st.markdown(_("**The matrix-product rule**"))
            matmul_rule(result.matmul)
            entry = result.first_entry
            if entry is not None and entry.terms:
                shown = entry.terms[:6]
                terms = " + ".join(rf"{latex_factor(a)} \cdot {latex_factor(b)}" for a, b in shown)
                more = r" + \dots" if len(entry.terms) > len(shown) else ""
                index = ", ".join("0" for _ in result.facts.shape) or r"\,"
                st.latex(rf"C_{{{index}}} = {terms}{more} = {latex_factor(entry.value)}")
                st.caption(_("The first entry: row 0 of A times column 0 of B, summed."))
    if not result.ok:
        st.info(result.explanation.reason, icon=":material/lightbulb:")
        if result.explanation.suggestions:
            st.markdown(_("**What would work**"))
            st.table(
                pd.DataFrame(
                    [
                        {
                            _("try"): s.expression,
                            _("result shape"): shape_text(s.result_shape),
                            _("what it does"): s.words,
                        }
                        for s in result.explanation.suggestions
                    ]
                ),
                hide_index=True,
            )


def show_numpy_bridge(tensor: torch.Tensor | None) -> None:
    st.header(_("4. Cross over to NumPy"), divider="gray")
    if tensor is None:
        st.info(_("Fix T in section 1 to see it as a NumPy array."))
        return
    bridge = nt.numpy_bridge(tensor)
    with st.expander(_("`.numpy()` shares memory with T; `torch.tensor(array)` keeps NumPy's dtype"),
                     key="tensors_numpy_details"):
        shared_col, dtype_col = st.columns(2)
        with shared_col:
            st.markdown(_("**`.numpy()` shares memory with the tensor**"))
            st.code("\n".join((*bridge.code_lines, "print(array)")), language="python")
            before_col, after_col = st.columns(2)
            before_col.caption(_("array before"))
            before_col.code(np.array2string(bridge.array_before, precision=4), language=None)
            after_col.caption(_("array after T changed"))
            after_col.code(np.array2string(bridge.array_after, precision=4), language=None)
            if not bridge.changed:
                st.caption(_("T has no elements, so there is nothing to change."))
            elif bridge.shares_memory:
                st.caption(_("Only T was changed, yet the array changed too: they are the same memory, nothing "
                             "was copied."))
            else:
                st.caption(_(
                    "T lives on {device}: .cpu() copies it to main memory first, so this array is a "
                    "separate copy and does not follow T."
                ).format(device=tensor.device))
            if tensor.requires_grad:
                st.caption(_("T requires grad, so .numpy() needs .detach() first: NumPy cannot record gradients."))
        with dtype_col:
            st.markdown(_("**`torch.tensor(np_array)` keeps NumPy's dtype**"))
            st.code(FROM_ARRAY_CODE, language="python")
            st.code(bridge.from_array_printed, language=None)
            st.caption(
                _("np.array makes {array_dtype} from Python numbers, and torch.tensor(array) keeps "
                  "{from_array_dtype}; torch.tensor of the same list gives {from_list_dtype}. "
                  "Call .float() before mixing a float64 tensor with float32 weights.").format(
                    array_dtype=bridge.array_dtype, from_array_dtype=bridge.from_array_dtype,
                    from_list_dtype=bridge.from_list_dtype)
                + (" " + _("torch.from_numpy(array) shares the array's memory; torch.tensor(array) copies it.")
                   if bridge.from_numpy_shares else "")
            )


def show_autograd(device: str) -> None:
    st.header(_("5. Follow autograd through the chain"), divider="gray")
    st.markdown(_(
        "The course's example (002, B.5.1): x starts as `torch.ones(2, 3, requires_grad=True)`; "
        "`z.backward()` then gives `x.grad` = 52 everywhere. Change x and watch both sides."
    ))
    st.latex(CHAIN_LATEX)
    input_col, out_col = st.columns([1, 1])
    with input_col:
        text = st.text_area(_("x (float32, requires_grad=True)"), value=DEFAULTS["tensors_x_text"],
                            key="tensors_x_text", height=110, max_chars=text_cap(), **SHARED)
        try:
            chain = nt.autograd_from_text(text, device=device)
        except InputError as error:
            show_input_error(error)
            return
        st.markdown(Z_LABEL)
        st.code(chain.z_printed, language=None)
    with out_col:
        st.markdown(_("**x.grad after z.backward()**"))
        st.code(str(chain.grad), language=None)
        st.caption(_(
            "grad_fn of w: {w}, of y: {y}, of z: {z} — the record autograd walks back through."
        ).format(w=chain.grad_fns["w"], y=chain.grad_fns["y"], z=chain.grad_fns["z"]))
        if chain.matches:
            st.success(
                _("Autograd agrees with the chain rule for every element (largest difference {difference}).").format(
                    difference=f"{chain.max_difference:.3g}"),
                icon=":material/check_circle:",
            )
        else:
            st.warning(
                _("Autograd and the hand formula differ by up to {difference}: floating-point rounding grows "
                  "with large numbers.").format(difference=f"{chain.max_difference:.3g}"),
            )

    rows = chain.rows()
    with st.expander(_("The chain rule, by hand, for every element"), key="tensors_chain_rule"):
        st.latex(CHAIN_RULE_LATEX)
        if rows:
            first = rows[0]
            index = ", ".join(map(str, first["index"])) or r"\,"
            w = latex_factor(first["w"])
            st.latex(
                rf"x_{{{index}}} = {latex_factor(first['x'])}:\quad w = 2 \cdot {latex_factor(first['x'])} = {w},\quad "
                rf"3 \cdot {w}^2 + 6 \cdot {w} + 2 = {latex_factor(first['dy_dw'])},\quad "
                rf"1 \cdot {latex_factor(first['dy_dw'])} \cdot 2 = {latex_factor(first['by_hand'])}"
            )
        table = pd.DataFrame(
            [
                {
                    _("element"): str(list(row["index"])),
                    "x": row["x"],
                    "w = 2x": row["w"],
                    "y": row["y"],
                    "3w² + 6w + 2": row["dy_dw"],
                    _("dz/dx by hand"): row["by_hand"],
                    _("x.grad (autograd)"): row["grad"],
                }
                for row in rows
            ]
        )
        st.dataframe(table, hide_index=True, height=min(38 + 35 * len(rows), 320))


def choose_device() -> str:
    """The device every tensor on the page lives on; the detected accelerator first."""
    devices = available_devices()
    if st.session_state.get("tensors_device") not in devices:
        st.session_state["tensors_device"] = devices[0]
    return st.selectbox(
        _("Device for every tensor on this page"),
        devices,
        key="tensors_device",
        format_func=device_label,
        help=_("The accelerator PyTorch detected comes first; the CPU is always there."),
        **KEPT,  # this machine's devices: not part of a shared link
    )

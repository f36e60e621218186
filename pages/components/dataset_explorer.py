"""Dataset widgets for the training page: where the letters come from, and a look at the data.

- :func:`choose_letters_source` lets the student pick the real notMNIST, the offline
  letters or their own upload, download the real archive while none is in place, upload
  one for their session only, and returns the chosen data set.
- :func:`show_dataset_explorer` draws sample images with their letters (white on black,
  as the course draws them), the class counts, and for iris a pair plot (histograms per class on its diagonal).

Loaded data sets are shared read-only by every session (``st.cache_resource``), except a
student's upload: it lives in that student's ``st.session_state`` only, nothing of it is
written to disk or to a server-wide cache, and it is freed when the session ends.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nnlib import data as datasets
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data import Dataset
from pages.components import charts
from pages.components.ui import plain_markdown, show_input_error

SOURCE_LABELS = {
    "real": "notMNIST_small (the real one)",
    "offline": "Offline letters (bundled, rendered from open fonts)",
}
SAMPLES_PER_CLASS = 3
TILE_SCALE = 3  # 28 px -> 84 px, drawn pixel by pixel (no blur)
MEGABYTE = datasets.MEGABYTE


# ------------------------------------------------------------------ shared loads


@st.cache_resource(show_spinner=False, max_entries=4)
def _shared_notmnist(path: str, source_key: str) -> Dataset:
    """The real notMNIST, once per server; ``source_key`` changes when the archive does."""
    return datasets.load_notmnist(path)


@st.cache_resource(show_spinner=False, max_entries=2)
def _shared_cached_notmnist(data_dir: str, cache_files: tuple[str, ...]) -> Dataset | None:
    """The newest cached real notMNIST whose archive is gone; keyed by the cache files present."""
    return datasets.latest_cached_notmnist(data_dir)


@st.cache_data(show_spinner=False, max_entries=16)
def _shared_chart_spec(chart: str, name: str, description: str, size: int, _dataset: Dataset) -> dict:
    """A data set's chart, built once per server: everyone opening the same data sees the same chart."""
    build = {"pair_plot": _pair_plot, "class_counts": _class_counts_chart}[chart]
    return charts.finished_spec(build(_dataset))


def _chart_spec(chart: str, dataset: Dataset) -> dict:
    """A data set's chart: shared by everyone for the class's data, built in the session for an upload."""
    if (dataset.source or "").startswith(datasets.UPLOAD_PREFIX):
        build = {"pair_plot": _pair_plot, "class_counts": _class_counts_chart}[chart]
        return charts.finished_spec(build(dataset))
    return _shared_chart_spec(chart, dataset.name, dataset.description, len(dataset), dataset)


def _progress_callback(bar, verb: str, unit: str):
    """A ``progress(done, total)`` for nnlib that moves a Streamlit progress bar."""

    def report(done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        if unit == "files" and total > 1:
            text = f"{verb}… {done:,} of {total:,} files"
        elif unit == "bytes" and total > 1:
            text = f"{verb}… {done / MEGABYTE:.1f} of {total / MEGABYTE:.1f} MB"
        elif unit == "bytes":
            text = f"{verb}… {done / MEGABYTE:.1f} MB"
        else:
            text = f"{verb}…"
        bar.progress(fraction, text=text)

    return report


def _read_with_progress(source: Path) -> None:
    """Parse (and so cache) the real notMNIST, showing how far it has got."""
    bar = st.progress(0.0, text="Reading notMNIST for the first time…")
    unit = "files" if source.is_dir() else "bytes"
    try:
        datasets.load_notmnist(source, progress=_progress_callback(bar, "Reading notMNIST", unit))
    finally:
        bar.empty()


def _load_real() -> Dataset | None:
    """The real notMNIST from the data folder (parsing it once with a progress bar), or None."""
    source = datasets.find_notmnist()
    if source is None:
        data_dir = get_settings().data_dir
        cache_dir = Path(data_dir) / "cache"
        names = tuple(sorted(p.name for p in cache_dir.glob(f"{datasets.CACHE_PREFIX}*.npz"))) \
            if cache_dir.is_dir() else ()
        return _shared_cached_notmnist(data_dir, names) if names else None
    if not datasets.notmnist_cache_file(source).exists():
        _read_with_progress(source)
    return _shared_notmnist(str(source), datasets.notmnist_source_key(source))


# ------------------------------------------------------------------ source chooser


def _upload_key(key_prefix: str) -> str:
    """Where this session keeps its student's upload, (file name, data set), and nowhere else."""
    return f"{key_prefix}_my_upload"


def _upload_box(key_prefix: str, max_mb: int) -> None:
    """Parse an upload into this session only; on success switch the chooser to it."""
    uploaded = st.file_uploader(
        f"…or upload your own {datasets.NOTMNIST_ARCHIVE_NAME} (at most {max_mb} MB, kept in this session only)",
        type=["gz", "tgz", "tar"],
        key=f"{key_prefix}_upload",
        max_upload_size=max_mb,
    )
    if uploaded is None:
        return
    tried_key = f"{key_prefix}_upload_tried"
    tried = st.session_state.get(tried_key)
    if tried is not None and tried[0] == uploaded.file_id:
        if tried[1] is not None:  # the same file again: say why once more, without reading it again
            show_input_error(tried[1])
        return
    bar = st.progress(0.0, text="Checking the upload…")
    try:
        dataset = datasets.load_notmnist_upload(
            uploaded, uploaded.name, progress=_progress_callback(bar, "Reading the upload", "bytes"), max_mb=max_mb
        )
    except InputError as error:
        bar.empty()
        st.session_state[tried_key] = (uploaded.file_id, error)
        show_input_error(error)
        return
    bar.empty()
    st.session_state[tried_key] = (uploaded.file_id, None)
    st.session_state[_upload_key(key_prefix)] = (datasets.upload_display_name(uploaded.name), dataset)
    st.session_state[f"{key_prefix}_switch_to"] = "upload"
    st.rerun()


def _get_real_data(key_prefix: str) -> None:
    """Download button (only while no archive is in place) and upload box (if the server allows)."""
    settings = get_settings()
    in_place = datasets.find_notmnist() is not None
    ways = []
    if not in_place:
        ways.append("download it")
    if settings.allow_uploads:
        ways.append(f"upload your own `{datasets.NOTMNIST_ARCHIVE_NAME}` (for you only, in this session)")
    st.markdown(
        "The course uses **notMNIST_small**: about 18,700 letters A–J cut from real fonts, 8 MB. "
        + (f"You can {' or '.join(ways)}; the" if ways else "The")
        + " instructor puts the class's copy on the server with `python -m nnlib data import` "
        "(see `data/README.md`)."
    )
    download_col, upload_col = st.columns(2)
    with download_col:
        if in_place:
            st.caption("The class's notMNIST_small is already on this server: choose it above.")
        elif st.button("Download notMNIST_small", key=f"{key_prefix}_download", icon=":material/download:"):
            bar = st.progress(0.0, text="Connecting…")
            try:
                path = datasets.download_notmnist(
                    url=datasets.NOTMNIST_URL,
                    progress=_progress_callback(bar, "Downloading", "bytes"),
                    replace_existing=False,
                )
                bar.empty()
                _read_with_progress(path)
            except InputError as error:
                bar.empty()
                show_input_error(error)
            else:
                st.session_state[f"{key_prefix}_switch_to"] = "real"
                st.rerun()
    with upload_col:
        if settings.allow_uploads:
            _upload_box(key_prefix, settings.max_upload_mb)
        else:
            st.caption("Uploads are off on this server: ask your instructor for the class's notMNIST_small.")


def _skipped_note(dataset: Dataset) -> str:
    note = ""
    if dataset.skipped:
        note += f"; {dataset.skipped} file{'s' if dataset.skipped != 1 else ''} did not decode and " \
                f"{'were' if dataset.skipped != 1 else 'was'} skipped, as in the course"
    if dataset.refused:
        note += f"; {dataset.refused} link or unsafe entr{'ies' if dataset.refused != 1 else 'y'} ignored"
    return note


def choose_letters_source(key_prefix: str = "letters") -> Dataset:
    """Pick the real notMNIST, the offline letters, or this session's own upload; always returns a data set.

    The real one is the default whenever it is in the data folder (or its cache). Until it
    is, the offline letters are returned, named for what they are. A student's upload is
    offered to that student's session only; its ``source`` starts with
    ``datasets.UPLOAD_PREFIX`` and its ``source_path`` is None.
    """
    source_key = f"{key_prefix}_source"
    real_available = datasets.real_letters_available()
    kept = st.session_state.get(_upload_key(key_prefix)) if get_settings().allow_uploads else None
    upload_name, upload = kept if kept is not None else (None, None)
    options = list(SOURCE_LABELS) + (["upload"] if upload is not None else [])
    switch_to = st.session_state.pop(f"{key_prefix}_switch_to", None)
    if switch_to in options:
        st.session_state[source_key] = switch_to
    elif st.session_state.get(source_key) not in options:
        st.session_state[source_key] = "real" if real_available else "offline"
    labels = dict(SOURCE_LABELS)
    if upload is not None:
        labels["upload"] = plain_markdown(f"Your upload: {upload_name}")

    choice = st.radio(
        "Letters data",
        options,
        format_func=labels.get,
        key=source_key,
        horizontal=True,
        help="The offline letters always work; the real notMNIST is used whenever it is present. "
        "An archive you upload is yours alone and is forgotten when your session ends.",
    )
    offline = datasets.load_offline_letters()
    if choice == "upload" and upload is not None:
        st.caption(plain_markdown(f"{upload.description}, kept in your session only{_skipped_note(upload)}."))
        with st.expander("Get the real notMNIST", expanded=False):
            _get_real_data(key_prefix)
        return upload
    if choice == "real" and real_available:
        try:
            real = _load_real()
        except InputError as error:
            show_input_error(error)
            st.info("Using the offline letters until the real notMNIST can be read.")
            return offline
        if real is not None:
            st.caption(f"{len(real):,} images from `{Path(real.source or '').name}`{_skipped_note(real)}.")
            return real

    if choice == "real":
        st.info("The real notMNIST is not here yet, so the offline letters are used for now.")
    st.caption(
        f"{offline.description}: 28×28, white on black like notMNIST. The real notMNIST was cut "
        "from thousands of web fonts and is harder."
    )
    with st.expander("Get the real notMNIST", expanded=choice == "real"):
        _get_real_data(key_prefix)
    return offline


# ------------------------------------------------------------------ explorer


def _tile(image: np.ndarray) -> np.ndarray:
    return np.kron(image, np.ones((TILE_SCALE, TILE_SCALE), dtype=np.uint8))


def _class_counts_chart(dataset: Dataset) -> alt.Chart:
    frame = pd.DataFrame({"class": list(dataset.classes), "samples": dataset.class_counts()})
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("class:N", sort=list(dataset.classes), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("samples:Q", title="samples"),
        tooltip=["class", "samples"],
    )
    labels = bars.mark_text(dy=-6).encode(text=alt.Text("samples:Q", format=","))
    return (bars + labels).properties(height=220)


PAIR_PLOT_BINS = 12  # bars per histogram on the pair plot's diagonal
PAIR_PLOT_CELL = 105  # px, one cell of the pair plot
CLASS_COLOURS = alt.Scale(scheme="tableau10")


def histogram_rows(dataset: Dataset, column: int, bins: int = PAIR_PLOT_BINS) -> list[dict]:
    """One feature's histogram per class: equal-width bins over its whole range, the same edges for every class."""
    values = np.asarray(dataset.features[:, column], dtype=np.float64)
    edges = np.histogram_bin_edges(values, bins=bins)
    rows = []
    for label, name in enumerate(dataset.classes):
        counts, _ = np.histogram(values[dataset.labels == label], bins=edges)
        rows += [{"class": name, "start": float(edges[i]), "end": float(edges[i + 1]), "samples": int(count)}
                 for i, count in enumerate(counts)]
    return rows


def _pair_plot(dataset: Dataset) -> alt.VConcatChart:
    """Every feature against every other, coloured by class; on the diagonal each class's histogram of that feature.

    A feature against itself would only be a line of dots, so the diagonal shows how the classes
    spread along that one feature (overlaid, not stacked, so each class's own shape shows).
    """
    names = list(dataset.feature_names or [f"x{i}" for i in range(dataset.features.shape[1])])
    frame = pd.DataFrame(dataset.features, columns=names)
    frame["class"] = [dataset.classes[label] for label in dataset.labels]
    colour = alt.Color("class:N", scale=CLASS_COLOURS, legend=alt.Legend(orient="top", title=None))
    last = len(names) - 1
    rows = []
    for row, y_name in enumerate(names):
        cells = []
        for column, x_name in enumerate(names):
            x_title = x_name if row == last else None
            if row == column:
                cell = alt.Chart(pd.DataFrame(histogram_rows(dataset, column)), title=alt.Title(
                    x_name, fontSize=10, fontWeight="normal")).mark_bar(opacity=0.55, binSpacing=0).encode(
                    x=alt.X("start:Q", title=x_title, scale=alt.Scale(zero=False)),
                    x2="end:Q",
                    y=alt.Y("samples:Q", title="samples" if column == 0 else None, stack=None),
                    y2=alt.datum(0),  # bars stand on zero (x with x2 alone would draw thin horizontal ranges)
                    color=colour,
                    tooltip=["class:N", alt.Tooltip("start:Q", format=".2f"), alt.Tooltip("end:Q", format=".2f"),
                             "samples:Q"],
                )
            else:
                cell = alt.Chart(frame).mark_circle(size=22, opacity=0.7).encode(
                    x=alt.X(f"{x_name}:Q", title=x_title, scale=alt.Scale(zero=False)),
                    y=alt.Y(f"{y_name}:Q", title=y_name if column == 0 else None, scale=alt.Scale(zero=False)),
                    color=colour,
                    tooltip=[*names, "class"],
                )
            cells.append(cell.properties(width=PAIR_PLOT_CELL, height=PAIR_PLOT_CELL))
        rows.append(alt.hconcat(*cells))
    return alt.vconcat(*rows)


def _show_samples(dataset: Dataset, key_prefix: str) -> None:
    seed_key = f"{key_prefix}_sample_seed"
    if seed_key not in st.session_state:
        st.session_state[seed_key] = 0

    def next_samples() -> None:
        st.session_state[seed_key] += 1

    picked = datasets.sample_indices(dataset, SAMPLES_PER_CLASS, seed=st.session_state[seed_key])
    columns = st.columns(len(dataset.classes))
    for label, column in enumerate(columns):
        mine = [int(i) for i in picked if dataset.labels[i] == label]
        with column:
            st.markdown(f"**{dataset.classes[label]}**")
            for index in mine:
                st.image(_tile(dataset.images[index]), caption=f"#{index}", width="stretch", output_format="PNG")
    st.button("Show other samples", key=f"{key_prefix}_resample", on_click=next_samples,
              icon=":material/shuffle:")


def show_dataset_explorer(dataset: Dataset, key_prefix: str = "explorer") -> None:
    """Samples, class counts and (for tables) a pair plot of one data set."""
    counts = dataset.class_counts()
    sample_shape = "×".join(str(n) for n in dataset.features.shape[1:])
    first, second, third = st.columns(3)
    first.metric("Samples", f"{len(dataset):,}")
    second.metric("Classes", len(dataset.classes))
    third.metric("One sample", f"{sample_shape} " + ("pixels" if dataset.is_image else "numbers"))

    if dataset.is_image:
        st.subheader("Sample images")
        st.caption(
            "Each picture is a 28×28 matrix of numbers from 0 (black) to 255 (white); "
            "the letter above a column is its label."
        )
        _show_samples(dataset, key_prefix)
        with st.expander("One image as numbers"):
            first_index = int(np.flatnonzero(dataset.labels == 0)[0])
            st.caption(f"Image #{first_index}, letter {dataset.classes[0]}: the matrix the network sees.")
            st.dataframe(pd.DataFrame(dataset.images[first_index]), height=300)
    else:
        st.subheader("Every pair of features")
        st.caption("Each dot is one sample, coloured by its class. On the diagonal, one histogram per class: "
                   "how many samples of that class have each value of the feature.")
        st.vega_lite_chart(_chart_spec("pair_plot", dataset))
        with st.expander("The first rows"):
            frame = pd.DataFrame(dataset.features[:10], columns=list(dataset.feature_names or []) or None)
            frame["class"] = [dataset.classes[label] for label in dataset.labels[:10]]
            st.dataframe(frame)

    st.subheader("Samples per class")
    balance = "balanced" if counts.min() == counts.max() else f"from {counts.min():,} to {counts.max():,}"
    st.caption(f"{balance.capitalize()}: " + ", ".join(
        f"{name} {count:,}" for name, count in zip(dataset.classes, counts, strict=True)))
    st.vega_lite_chart(_chart_spec("class_counts", dataset))

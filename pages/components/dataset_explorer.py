"""Dataset widgets for the training page: where the letters come from, and a look at the data.

- :func:`choose_letters_source` lets the student pick the real notMNIST or the offline
  letters, download or upload the real archive, and returns the chosen data set.
- :func:`show_dataset_explorer` draws sample images with their letters (white on black,
  as the course draws them), the class counts, and for iris a scatter matrix.

Loaded data sets are shared read-only by every session (``st.cache_resource``).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nnlib import datasets
from nnlib.datasets import Dataset
from nnlib.errors import InputError
from nnlib.settings import get_settings
from pages.components import charts
from pages.components.ui import show_input_error

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
    build = {"scatter_matrix": _scatter_matrix, "class_counts": _class_counts_chart}[chart]
    return charts.finished_spec(build(_dataset))


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


def _get_real_data(key_prefix: str) -> None:
    """Download button and upload box; on success switch the chooser to the real data."""
    max_mb = get_settings().max_upload_mb
    st.markdown(
        "The course uses **notMNIST_small**: about 18,700 letters A–J cut from real fonts, 8 MB. "
        f"Download it, upload `{datasets.NOTMNIST_ARCHIVE_NAME}`, or put it into "
        "`data/downloads/` by hand (see `data/README.md`)."
    )
    download_col, upload_col = st.columns(2)
    with download_col:
        if st.button("Download notMNIST_small", key=f"{key_prefix}_download", icon=":material/download:"):
            bar = st.progress(0.0, text="Connecting…")
            try:
                path = datasets.download_notmnist(
                    url=datasets.NOTMNIST_URL, progress=_progress_callback(bar, "Downloading", "bytes")
                )
                bar.empty()
                _read_with_progress(path)
            except InputError as error:
                bar.empty()
                show_input_error(error)
            else:
                st.session_state[f"{key_prefix}_switch_to_real"] = True
                st.rerun()
    with upload_col:
        uploaded = st.file_uploader(
            f"…or upload {datasets.NOTMNIST_ARCHIVE_NAME} (at most {max_mb} MB)",
            type=["gz", "tgz", "tar"],
            key=f"{key_prefix}_upload",
            max_upload_size=max_mb,
        )
        done_key = f"{key_prefix}_uploaded_id"
        if uploaded is not None and st.session_state.get(done_key) != uploaded.file_id:
            bar = st.progress(0.0, text="Checking the upload…")
            try:
                datasets.check_upload_size(uploaded.size, max_mb)
                datasets.import_notmnist_upload(
                    uploaded, progress=_progress_callback(bar, "Reading the upload", "bytes")
                )
            except InputError as error:
                bar.empty()
                show_input_error(error)
            else:
                st.session_state[done_key] = uploaded.file_id
                st.session_state[f"{key_prefix}_switch_to_real"] = True
                st.rerun()


def choose_letters_source(key_prefix: str = "letters") -> Dataset:
    """Pick the real notMNIST or the offline letters; always returns a data set.

    The real one is the default whenever it is in the data folder (or its cache).
    Until it is, the offline letters are returned, named for what they are.
    """
    source_key = f"{key_prefix}_source"
    real_available = datasets.real_letters_available()
    if st.session_state.pop(f"{key_prefix}_switch_to_real", False) or source_key not in st.session_state:
        st.session_state[source_key] = "real" if real_available else "offline"

    choice = st.radio(
        "Letters data",
        list(SOURCE_LABELS),
        format_func=SOURCE_LABELS.get,
        key=source_key,
        horizontal=True,
        help="The offline letters always work; the real notMNIST is used whenever it is present.",
    )
    offline = datasets.load_offline_letters()
    if choice == "real" and real_available:
        try:
            real = _load_real()
        except InputError as error:
            show_input_error(error)
            st.info("Using the offline letters until the real notMNIST can be read.")
            return offline
        if real is not None:
            note = f"{len(real):,} images from `{Path(real.source or '').name}`"
            if real.skipped:
                note += f"; {real.skipped} file{'s' if real.skipped != 1 else ''} did not decode and " \
                        f"{'were' if real.skipped != 1 else 'was'} skipped, as in the course"
            if real.refused:
                note += f"; {real.refused} link or unsafe entr{'ies' if real.refused != 1 else 'y'} ignored"
            st.caption(note + ".")
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


def _scatter_matrix(dataset: Dataset) -> alt.RepeatChart:
    names = list(dataset.feature_names or [f"x{i}" for i in range(dataset.features.shape[1])])
    frame = pd.DataFrame(dataset.features, columns=names)
    frame["species"] = [dataset.classes[label] for label in dataset.labels]
    return (
        alt.Chart(frame)
        .mark_circle(size=22, opacity=0.7)
        .encode(
            x=alt.X(alt.repeat("column"), type="quantitative", scale=alt.Scale(zero=False)),
            y=alt.Y(alt.repeat("row"), type="quantitative", scale=alt.Scale(zero=False)),
            color=alt.Color("species:N", scale=alt.Scale(scheme="tableau10"), legend=alt.Legend(orient="top")),
            tooltip=names + ["species"],
        )
        .properties(width=105, height=105)
        .repeat(row=names, column=names)
    )


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
    """Samples, class counts and (for tables) a scatter matrix of one data set."""
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
        st.caption("Each dot is one sample, coloured by its class.")
        st.vega_lite_chart(_shared_chart_spec("scatter_matrix", dataset.name, dataset.description, len(dataset),
                                              dataset))
        with st.expander("The first rows"):
            frame = pd.DataFrame(dataset.features[:10], columns=list(dataset.feature_names or []) or None)
            frame["class"] = [dataset.classes[label] for label in dataset.labels[:10]]
            st.dataframe(frame)

    st.subheader("Samples per class")
    balance = "balanced" if counts.min() == counts.max() else f"from {counts.min():,} to {counts.max():,}"
    st.caption(f"{balance.capitalize()}: " + ", ".join(
        f"{name} {count:,}" for name, count in zip(dataset.classes, counts, strict=True)))
    st.vega_lite_chart(_shared_chart_spec("class_counts", dataset.name, dataset.description, len(dataset), dataset))

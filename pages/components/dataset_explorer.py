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
from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data import Dataset
from nnlib.data.iris import feature_words
from nnlib.data.toy import class_words
from pages.components import charts
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import plain_markdown, show_input_error

SOURCE_LABELS = {
    "real": N_("notMNIST_small (the real one)"),
    "offline": N_("Offline letters (bundled, rendered from open fonts)"),
}
SAMPLES_PER_CLASS = 3
SAMPLE_COLUMNS = 5  # letters side by side in one row of samples
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


def _count(number: int) -> str:
    """A whole number grouped as the student's language writes it: 18,700 in English, 18 700 in Russian."""
    separator = messages.THOUSANDS_SEPARATORS.get(messages.current_language(), ",")
    return f"{number:,}".replace(",", separator)


@st.cache_data(show_spinner=False, max_entries=16)
def _shared_chart_spec(chart: str, name: str, source: str, size: int, language: str, _dataset: Dataset) -> dict:
    """A data set's chart, built once per server and language: everyone opening the same data sees the same chart.

    Keyed by the data's source (a toy set's carries its points, noise, seed and extra inputs), not by its name."""
    build = {"pair_plot": _pair_plot, "class_counts": _class_counts_chart}[chart]
    return charts.finished_spec(build(_dataset))


def _chart_spec(chart: str, dataset: Dataset) -> dict:
    """A data set's chart: shared by everyone for the class's data, built in the session for an upload."""
    if (dataset.source or "").startswith(datasets.UPLOAD_PREFIX):
        build = {"pair_plot": _pair_plot, "class_counts": _class_counts_chart}[chart]
        return charts.finished_spec(build(dataset))
    return _shared_chart_spec(chart, dataset.name, dataset.source or "", len(dataset), messages.current_language(),
                              dataset)


def _progress_callback(bar, verb: str, unit: str):
    """A ``progress(done, total)`` for nnlib that moves a Streamlit progress bar (``verb`` already translated)."""

    def report(done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        if unit == "files" and total > 1:
            text = ngettext("{verb}… {done} of {total} file", "{verb}… {done} of {total} files", total).format(
                verb=verb, done=_count(done), total=_count(total))
        elif unit == "bytes" and total > 1:
            text = _("{verb}… {done:.1f} of {total:.1f} MB").format(
                verb=verb, done=done / MEGABYTE, total=total / MEGABYTE)
        elif unit == "bytes":
            text = _("{verb}… {done:.1f} MB").format(verb=verb, done=done / MEGABYTE)
        else:
            text = _("{verb}…").format(verb=verb)
        bar.progress(fraction, text=text)

    return report


def _read_with_progress(source: Path) -> None:
    """Parse (and so cache) the real notMNIST, showing how far it has got."""
    bar = st.progress(0.0, text=_("Reading notMNIST for the first time…"))
    unit = "files" if source.is_dir() else "bytes"
    try:
        datasets.load_notmnist(source, progress=_progress_callback(bar, _("Reading notMNIST"), unit))
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
        _("…or upload your own {archive} (at most {max_mb} MB, kept in this session only)").format(
            archive=datasets.NOTMNIST_ARCHIVE_NAME, max_mb=max_mb),
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
    bar = st.progress(0.0, text=_("Checking the upload…"))
    try:
        dataset = datasets.load_notmnist_upload(
            uploaded, uploaded.name, progress=_progress_callback(bar, _("Reading the upload"), "bytes"),
            max_mb=max_mb
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
    archive = datasets.NOTMNIST_ARCHIVE_NAME
    # Whole sentences per case (word order differs between languages).
    if not in_place and settings.allow_uploads:
        ways = _("You can download it or upload your own `{archive}` (for you only, in this session); the "
                 "instructor puts the class's copy on the server with `python -m nnlib data import` "
                 "(see `data/README.md`).").format(archive=archive)
    elif not in_place:
        ways = _("You can download it; the instructor puts the class's copy on the server with "
                 "`python -m nnlib data import` (see `data/README.md`).")
    elif settings.allow_uploads:
        ways = _("You can upload your own `{archive}` (for you only, in this session); the instructor puts the "
                 "class's copy on the server with `python -m nnlib data import` (see `data/README.md`).").format(
                     archive=archive)
    else:
        ways = _("The instructor puts the class's copy on the server with `python -m nnlib data import` "
                 "(see `data/README.md`).")
    st.markdown(_("The course uses **notMNIST_small**: about 18,700 letters A–J cut from real fonts, 8 MB.")
                + " " + ways)
    download_col, upload_col = st.columns(2)
    with download_col:
        if in_place:
            st.caption(_("The class's notMNIST_small is already on this server: choose it above."))
        elif st.button(_("Download notMNIST_small"), key=f"{key_prefix}_download", icon=":material/download:"):
            bar = st.progress(0.0, text=_("Connecting…"))
            try:
                path = datasets.download_notmnist(
                    url=datasets.NOTMNIST_URL,
                    progress=_progress_callback(bar, _("Downloading"), "bytes"),
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
            st.caption(_("Uploads are off on this server: ask your instructor for the class's notMNIST_small."))


def _skipped_note(dataset: Dataset) -> str:
    note = ""
    if dataset.skipped:
        note += ngettext("; {count} file did not decode and was skipped, as in the course",
                         "; {count} files did not decode and were skipped, as in the course",
                         dataset.skipped).format(count=_count(dataset.skipped))
    if dataset.refused:
        note += ngettext("; {count} link or unsafe entry ignored", "; {count} link or unsafe entries ignored",
                         dataset.refused).format(count=_count(dataset.refused))
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
    labels = {key: _(label) for key, label in SOURCE_LABELS.items()}
    if upload is not None:
        labels["upload"] = plain_markdown(_("Your upload: {name}").format(name=upload_name))

    choice = st.radio(
        _("Letters data"),
        options,
        format_func=labels.get,
        key=source_key,
        horizontal=True,
        help=_("The offline letters always work; the real notMNIST is used whenever it is present. "
               "An archive you upload is yours alone and is forgotten when your session ends."),
    )
    offline = datasets.load_offline_letters()
    if choice == "upload" and upload is not None:
        st.caption(plain_markdown(_("{description}, kept in your session only{skipped}.").format(
            description=upload.description, skipped=_skipped_note(upload))))
        with st.expander(_("Get the real notMNIST"), expanded=False):
            _get_real_data(key_prefix)
        return upload
    if choice == "real" and real_available:
        try:
            real = _load_real()
        except InputError as error:
            show_input_error(error)
            st.info(_("Using the offline letters until the real notMNIST can be read."))
            return offline
        if real is not None:
            st.caption(ngettext("{count} image from `{file}`{skipped}.", "{count} images from `{file}`{skipped}.",
                                len(real)).format(count=_count(len(real)), file=Path(real.source or "").name,
                                                  skipped=_skipped_note(real)))
            return real

    if choice == "real":
        st.info(_("The real notMNIST is not here yet, so the offline letters are used for now."))
    st.caption(_(
        "{description}: 28×28, white on black like notMNIST. The real notMNIST was cut "
        "from thousands of web fonts and is harder."
    ).format(description=offline.description))
    with st.expander(_("Get the real notMNIST"), expanded=choice == "real"):
        _get_real_data(key_prefix)
    return offline


# ------------------------------------------------------------------ explorer


def _tile(image: np.ndarray) -> np.ndarray:
    return np.kron(image, np.ones((TILE_SCALE, TILE_SCALE), dtype=np.uint8))


def _class_counts_chart(dataset: Dataset) -> alt.Chart:
    counts = dataset.class_counts()
    names = list(class_words(dataset))
    frame = pd.DataFrame({"class": names, "samples": counts, "shown": [_count(n) for n in counts]})
    separator = messages.THOUSANDS_SEPARATORS.get(messages.current_language(), ",")
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("class:N", sort=names, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("samples:Q", title=_("samples"),
                axis=alt.Axis(labelExpr=f"replace(datum.label, /,/g, '{separator}')") if separator != "," else alt.Undefined),
        tooltip=[alt.Tooltip("class:N", title=_("class")), alt.Tooltip("samples:Q", title=_("samples"))],
    )
    labels = bars.mark_text(dy=-6).encode(text="shown:N")  # grouped as the student's language writes it
    return (bars + labels).properties(height=220)


PAIR_PLOT_BINS = 12  # bars per histogram on the pair plot's diagonal
PAIR_PLOT_WIDTH = 240  # px shared by the cells of one row: four features fit the settings column
PAIR_PLOT_CELL = (40, 130)  # px, the smallest and largest cell
PAIR_PLOT_SPACING = 4  # px between two cells
CLASS_COLOURS = alt.Scale(scheme="tableau10")


def histogram_rows(dataset: Dataset, column: int, bins: int = PAIR_PLOT_BINS) -> list[dict]:
    """One feature's histogram per class: equal-width bins over its whole range, the same edges for every class."""
    values = np.asarray(dataset.features[:, column], dtype=np.float64)
    edges = np.histogram_bin_edges(values, bins=bins)
    rows = []
    for label, name in enumerate(class_words(dataset)):
        counts, _ = np.histogram(values[dataset.labels == label], bins=edges)
        rows += [{"class": name, "start": float(edges[i]), "end": float(edges[i + 1]), "samples": int(count)}
                 for i, count in enumerate(counts)]
    return rows


def _two_lines(title: str) -> str | list[str]:
    """A long axis title on two lines (at the space nearest its middle), so it stays as narrow as its cell."""
    if len(title) <= 12 or " " not in title:
        return title
    spaces = [i for i, ch in enumerate(title) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(title) / 2))
    return [title[:cut], title[cut + 1:]]


def _pair_plot(dataset: Dataset) -> alt.VConcatChart:
    """Every feature against every other, coloured by class; on the diagonal each class's histogram of that feature.

    A feature against itself would only be a line of dots, so the diagonal shows how the classes
    spread along that one feature (overlaid, not stacked, so each class's own shape shows).
    """
    names = list(feature_words(dataset) or [f"x{i}" for i in range(dataset.features.shape[1])])
    frame = pd.DataFrame(dataset.features, columns=names)
    classes = class_words(dataset)
    frame["class"] = [classes[label] for label in dataset.labels]
    colour = alt.Color("class:N", scale=CLASS_COLOURS, legend=alt.Legend(orient="top", title=None))
    last = len(names) - 1
    size = min(max(PAIR_PLOT_WIDTH // len(names), PAIR_PLOT_CELL[0]), PAIR_PLOT_CELL[1])
    rows = []
    for row, y_name in enumerate(names):
        cells = []
        for column, x_name in enumerate(names):
            x_title = _two_lines(x_name) if row == last else None
            if row == column:
                cell = alt.Chart(pd.DataFrame(histogram_rows(dataset, column)), title=alt.Title(
                    x_name, fontSize=10, fontWeight="normal", limit=size)).mark_bar(opacity=0.55, binSpacing=0).encode(
                    x=alt.X("start:Q", title=x_title, scale=alt.Scale(zero=False)),
                    x2="end:Q",
                    y=alt.Y("samples:Q", title=_("samples") if column == 0 else None, stack=None),
                    y2=alt.datum(0),  # bars stand on zero (x with x2 alone would draw thin horizontal ranges)
                    color=colour,
                    tooltip=[alt.Tooltip("class:N", title=_("class")),
                             alt.Tooltip("start:Q", format=".2f", title=_("from")),
                             alt.Tooltip("end:Q", format=".2f", title=_("to")),
                             alt.Tooltip("samples:Q", title=_("samples"))],
                )
            else:
                cell = alt.Chart(frame).mark_circle(size=22, opacity=0.7).encode(
                    x=alt.X(f"{x_name}:Q", title=x_title, scale=alt.Scale(zero=False)),
                    y=alt.Y(f"{y_name}:Q", title=_two_lines(y_name) if column == 0 else None, scale=alt.Scale(zero=False)),
                    color=colour,
                    tooltip=[*names, alt.Tooltip("class:N", title=_("class"))],
                )
            cells.append(cell.properties(width=size, height=size))
        rows.append(alt.hconcat(*cells, spacing=PAIR_PLOT_SPACING))
    return alt.vconcat(*rows, spacing=PAIR_PLOT_SPACING).configure_axis(labelFontSize=9, titleFontSize=10)


def _show_samples(dataset: Dataset, key_prefix: str) -> None:
    seed_key = f"{key_prefix}_sample_seed"
    if seed_key not in st.session_state:
        st.session_state[seed_key] = 0

    def next_samples() -> None:
        st.session_state[seed_key] += 1

    picked = datasets.sample_indices(dataset, SAMPLES_PER_CLASS, seed=st.session_state[seed_key])
    # At most SAMPLE_COLUMNS letters side by side (A–E, then F–J): each picture and its number stay readable
    # in the settings column.
    for first in range(0, len(dataset.classes), SAMPLE_COLUMNS):
        for label, column in enumerate(st.columns(SAMPLE_COLUMNS), start=first):
            if label >= len(dataset.classes):
                break
            mine = [int(i) for i in picked if dataset.labels[i] == label]
            with column:
                st.markdown(f"**{dataset.classes[label]}**")
                for index in mine:
                    st.image(_tile(dataset.images[index]), caption=f"#{index}", width="stretch", output_format="PNG")
    st.button(_("Show other samples"), key=f"{key_prefix}_resample", on_click=next_samples,
              icon=":material/shuffle:")


def show_dataset_explorer(dataset: Dataset, key_prefix: str = "explorer") -> None:
    """Samples, class counts and (for tables) a pair plot of one data set."""
    counts = dataset.class_counts()
    sample_shape = "×".join(str(n) for n in dataset.features.shape[1:])
    first, second, third = st.columns(3)
    first.metric(_("Samples"), _count(len(dataset)))
    second.metric(_("Classes"), len(dataset.classes))
    # The unit in the label, so the value stays short enough for the settings column.
    third.metric(_("Image size") if dataset.is_image else _("Features"), sample_shape)

    if dataset.is_image:
        st.subheader(_("Sample images"))
        st.caption(_(
            "Each picture is a 28×28 matrix of numbers from 0 (black) to 255 (white); "
            "the letter above a column is its label."
        ))
        _show_samples(dataset, key_prefix)
        with st.expander(_("One image as numbers")):
            first_index = int(np.flatnonzero(dataset.labels == 0)[0])
            st.caption(_("Image #{index}, letter {letter}: the matrix the network sees.").format(
                index=first_index, letter=dataset.classes[0]))
            st.dataframe(pd.DataFrame(dataset.images[first_index]), height=300)
    else:
        st.subheader(_("Every pair of features"))
        st.caption(_("Each dot is one sample, coloured by its class. On the diagonal, one histogram per class: "
                     "how many samples of that class have each value of the feature."))
        st.vega_lite_chart(_chart_spec("pair_plot", dataset))
        with st.expander(_("The first rows")):
            frame = pd.DataFrame(dataset.features[:10], columns=list(feature_words(dataset) or []) or None)
            frame[_("class")] = [class_words(dataset)[label] for label in dataset.labels[:10]]
            st.dataframe(frame)

    st.subheader(_("Samples per class"))
    # A class and its count stay on one line where the count has a no-break space in it ("A 1 000").
    joint = "\u00a0" if messages.THOUSANDS_SEPARATORS.get(messages.current_language(), ",") != "," else " "
    each = ", ".join(f"{name}{joint}{_count(count)}" for name, count in zip(class_words(dataset), counts, strict=True))
    if counts.min() == counts.max():
        st.caption(_("Balanced: {counts}").format(counts=each))
    else:
        st.caption(_("From {low} to {high}: {counts}").format(low=_count(counts.min()), high=_count(counts.max()),
                                                             counts=each))
    st.vega_lite_chart(_chart_spec("class_counts", dataset))

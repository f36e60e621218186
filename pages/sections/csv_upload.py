"""The Training page's own-CSV family: a student's table, its target, task, inputs and the engine's notes.

The file is read from the upload's bytes (never a path), kept in that student's session only (like a
notMNIST upload, nnlib.data.uploads) and split there too (its source starts with ``csv:``). Reading,
one-hot encoding, left-out columns, dropped rows and the task's guess are the engine's
(nnlib.data.table); a file it refuses is one message in the student's language, never a traceback.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from nnlib import data as datasets
from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data.table import TASKS, guess_task, prepare_table, read_csv_table, table_dataset
from nnlib.training.config import DEFAULT_LOSSES, training_losses
from pages.components.i18n import N_, _
from pages.components.ui import KEPT, show_input_error
from pages.sections.regression import choose_loss

CSV_SOURCE_PREFIX = "csv:"  # a table's source: split in the student's session only
KEPT_KEY = "training_csv_kept"  # (digest, file name, the read table) in this session only
TASK_WORDS = {"classification": N_("Classification: pick one of the classes"),
              "regression": N_("Regression: predict a number")}


def _read(data: bytes, file_name: str) -> Any:
    """The upload's table, read once per file in this session (the page redraws every second while training)."""
    digest = hashlib.sha256(data).hexdigest()
    kept = st.session_state.get(KEPT_KEY)
    if kept is None or kept[0] != digest:
        frame = read_csv_table(data, file_name, get_settings().max_upload_mb * 2**20)
        kept = (digest, file_name, frame)
        st.session_state[KEPT_KEY] = kept
    return kept[2]


def choose_csv(locked: bool) -> tuple[datasets.Dataset, dict[str, Any]] | None:
    """The upload and its columns; the data set and the TrainConfig fields it brings, or None (nothing yet,
    or a file that cannot be used, with its one message shown)."""
    limit = get_settings().max_upload_mb
    upload = st.file_uploader(
        _("Your CSV table"), type=["csv", "tsv", "txt"], key="training_csv_file", disabled=locked,
        help=_("A table with a header row, separated by commas, semicolons, tabs or |, in UTF-8 or Windows-1251; "
               "at most {limit} MB. It stays in your session only: nobody else sees it, and it is gone when you "
               "close the page.").format(limit=limit))
    if upload is None:
        st.session_state.pop(KEPT_KEY, None)
        st.caption(_("Upload a table: one column is the target the network learns to predict, the others are "
                     "its inputs."))
        return None
    data = upload.getvalue()
    try:
        frame = _read(data, upload.name)
    except InputError as error:
        show_input_error(error)
        return None
    columns = list(frame.columns)
    target = st.selectbox(_("Target column (what to predict)"), columns, index=len(columns) - 1,
                          key="training_csv_target", disabled=locked, **KEPT)
    guessed = guess_task(frame[target])
    # One task box per target: a new target starts from its own guess.
    task = st.radio(_("Task"), TASKS, index=TASKS.index(guessed), key=f"training_csv_task_{target}",
                    disabled=locked, horizontal=True, format_func=lambda k: _(TASK_WORDS[k]),
                    help=_("Guessed from the target: text, or whole numbers with few values, are classes; "
                           "other numbers are a regression."))
    others = [column for column in columns if column != target]
    inputs = st.multiselect(_("Input columns"), others, default=others, key=f"training_csv_inputs_{target}",
                            disabled=locked, placeholder=_("Choose at least one input column"))
    try:
        table = prepare_table(frame, target, task, inputs)
        dataset = table_dataset(table, upload.name, data)
    except InputError as error:
        show_input_error(error)
        return None
    for note in table.notes:
        st.info(messages.word(note.code, note.details), icon=":material/info:")
    default = DEFAULT_LOSSES[task]
    key = f"training_csv_loss_{task}"
    if st.session_state.get(key) not in training_losses(task):
        st.session_state[key] = default
    loss = choose_loss(task, locked, key=key, binding=KEPT)
    st.caption(_("{rows} rows used · {inputs} inputs after encoding · target: {target}").format(
        rows=len(table.targets), inputs=len(table.feature_names), target=target))
    return dataset, {"csv_target": target, "csv_task": task, "loss": loss}

"""A student's own CSV as a data set: the target column, the task, the inputs, and what was left out.

:func:`read_csv_table` reads the bytes of an upload (never a path a student chose) with pandas,
the delimiter counted in its first lines (, ; tab |), in UTF-8 or the Windows Cyrillic code page Russian spreadsheets save in,
and :func:`prepare_table` turns it into inputs and targets: numeric columns as they are,
text columns with few values one-hot encoded, others left out with a note; rows with a missing
value dropped and counted; the task detected from the target (whole numbers with few values:
classification; otherwise regression) and changeable. Every refusal is one ``data.csv_*`` message.
Standardization is left to training, which fits it on the training split only.

:func:`table_dataset` makes a prepared table a :class:`~nnlib.data.dataset.Dataset` the trainer
takes (no classes for a regression); :func:`load_csv_file` does all three for a file a person
names on the command line (``python -m nnlib train --csv PATH --target COLUMN``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nnlib.core.errors import InputError
from nnlib.data.dataset import Dataset
from nnlib.data.words import Words

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
ENCODINGS = ("utf-8-sig", "cp1251")
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CLASSES = 100  # more distinct targets than this is not a classification a page can show
MAX_CATEGORIES = 20  # a text column with more values than this is left out, not one-hot encoded
MAX_CLASS_GUESS = 20  # whole-number targets with at most this many values are taken as classes
SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 20
DELIMITERS = ",;\t|"
MAX_CELLS = 10_000_000  # rows × columns read, and rows × inputs after one-hot encoding
MAX_INPUTS = 1_000  # inputs after one-hot encoding


@dataclass(frozen=True)
class TableNote:
    code: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedTable:
    features: np.ndarray  # (rows, inputs) float32
    targets: np.ndarray  # (rows,) int64 class indices, or float32 values for regression
    task: str
    feature_names: tuple[str, ...]
    classes: tuple[str, ...]  # class names for classification; () for regression
    target: str
    notes: tuple[TableNote, ...]


def read_csv_table(data: bytes, file_name: str, max_bytes: int) -> pd.DataFrame:
    """The upload's rows and columns; InputError naming ``file_name`` when it is not a usable CSV."""
    name = file_name[-80:]
    if len(data) > max_bytes:
        raise InputError("data.csv_too_big", file=name, megabytes=len(data) // 2**20, limit=max_bytes // 2**20)
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputError("data.csv_binary", file=name)
    text = None
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or not text.strip():
        raise InputError("data.csv_empty" if text is not None else "data.csv_binary", file=name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sniff_delimiter(text), nrows=MAX_ROWS + 1,
                            skipinitialspace=True)
    except pd.errors.ParserError as error:
        raise InputError("data.csv_ragged", file=name, reason=str(error).splitlines()[0][:160]) from None
    except (pd.errors.EmptyDataError, ValueError, UnicodeError) as error:
        raise InputError("data.csv_unreadable", file=name, reason=str(error).splitlines()[0][:160]) from None
    if len(frame) > MAX_ROWS:
        raise InputError("data.csv_too_many_rows", file=name, limit=MAX_ROWS)
    if frame.shape[1] > MAX_COLUMNS:
        raise InputError("data.csv_too_many_columns", file=name, columns=frame.shape[1], limit=MAX_COLUMNS)
    if frame.shape[1] < 2 or frame.empty:
        raise InputError("data.csv_too_small", file=name, rows=len(frame), columns=frame.shape[1])
    if frame.shape[0] * frame.shape[1] > MAX_CELLS:
        raise InputError("data.csv_too_many_cells", file=name, rows=len(frame), columns=frame.shape[1],
                         limit=MAX_CELLS)
    frame.columns = unique_names([str(column).strip()[:60] or f"column {i + 1}"
                                  for i, column in enumerate(frame.columns)])
    return frame


def unique_names(names: list[str]) -> list[str]:
    """Column names as shown, each once: a name cut to its first 60 characters may meet another ("a (2)")."""
    seen: set[str] = set()
    result = []
    for name in names:
        shown, number = name, 1
        while shown in seen:
            number += 1
            shown = f"{name} ({number})"
        seen.add(shown)
        result.append(shown)
    return result


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines among , ; tab and | (a comma when it cannot tell).

    Counted in one pass over at most SNIFF_LINES lines: the standard library's Sniffer takes time
    quadratic in its sample while holding the GIL (a crafted 52 KB line froze a server for 25 s).
    The delimiter is the one each line of the sample holds equally often (quotes aside), else the
    header's most frequent one.
    """
    lines = [line for line in text[:SNIFF_BYTES].splitlines()[:SNIFF_LINES] if line.strip()]
    if not lines:
        return ","
    counts = {delimiter: [_count_outside_quotes(line, delimiter) for line in lines] for delimiter in DELIMITERS}

    def score(delimiter: str) -> tuple[bool, int]:
        seen = counts[delimiter]
        return (seen[0] > 0 and len(set(seen if len(lines) == 1 else seen[:-1])) == 1, seen[0])

    best = max(DELIMITERS, key=score)
    return best if counts[best][0] > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def guess_task(target: pd.Series) -> str:
    """Classification for text or for whole numbers with few values; regression otherwise."""
    values = target.dropna()
    if not pd.api.types.is_numeric_dtype(values):
        return CLASSIFICATION
    whole = bool(np.all(np.mod(values.to_numpy(dtype=float), 1.0) == 0))
    return CLASSIFICATION if whole and values.nunique() <= MAX_CLASS_GUESS else REGRESSION


def prepare_table(frame: pd.DataFrame, target: str, task: str | None = None,
                  inputs: list[str] | None = None) -> PreparedTable:
    """Inputs and targets from ``frame`` for ``target``; ``task`` None means :func:`guess_task`."""
    if target not in frame.columns:
        raise InputError("data.csv_no_target", field="target", target=str(target)[:60])
    task = task or guess_task(frame[target])
    if task not in TASKS:
        raise InputError("data.csv_task", field="task", task=str(task)[:20])
    chosen = [c for c in (inputs if inputs is not None else frame.columns) if c != target]
    notes: list[TableNote] = []
    columns: list[pd.DataFrame] = []
    for column in chosen:
        if column not in frame.columns:
            raise InputError("data.csv_no_column", field="inputs", column=str(column)[:60])
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            columns.append(values.astype(float).to_frame(column))
        elif values.nunique(dropna=True) <= MAX_CATEGORIES:
            encoded = pd.get_dummies(values, prefix=column, prefix_sep="=", dtype=float)
            encoded[values.isna().to_numpy()] = np.nan  # a missing category is a missing value
            columns.append(encoded)
            notes.append(TableNote("data.csv_one_hot", {"column": column, "count": encoded.shape[1]}))
        else:
            notes.append(TableNote("data.csv_left_out", {"column": column, "values": int(values.nunique())}))
    if not columns:
        raise InputError("data.csv_no_numeric", field="inputs")
    width = sum(part.shape[1] for part in columns)
    if width > MAX_INPUTS or width * len(frame) > MAX_CELLS:
        raise InputError("data.csv_too_wide", field="inputs", inputs=width, rows=len(frame), limit=MAX_INPUTS)
    target_key = "__target__"
    while any(target_key in part.columns for part in columns):  # a column of the file may have that name
        target_key = "_" + target_key
    table = pd.concat([*columns, frame[target].rename(target_key)], axis=1)
    complete = table.dropna()
    features = complete.drop(columns=target_key).to_numpy(dtype=np.float32)
    # inf, or a number too large for float32 (1e50), would make the run NaN without a word: such rows
    # are left out with the missing ones.
    finite = np.isfinite(features).all(axis=1)
    if task == REGRESSION and pd.api.types.is_numeric_dtype(complete[target_key]):
        finite &= np.isfinite(complete[target_key].to_numpy(dtype=np.float32))
    if not finite.all():
        complete, features = complete[finite], features[finite]
    dropped = len(table) - len(complete)
    if dropped:
        notes.append(TableNote("data.csv_dropped_rows", {"count": dropped, "rows": len(table)}))
    if complete.empty:
        raise InputError("data.csv_nothing_left", rows=len(table))
    feature_names = tuple(str(c) for c in complete.columns[:-1])
    raw_target = complete[target_key]
    if task == REGRESSION:
        if not pd.api.types.is_numeric_dtype(raw_target):
            raise InputError("data.csv_target_not_numeric", field="task", target=target)
        return PreparedTable(features, raw_target.to_numpy(dtype=np.float32), task, feature_names, (), target,
                             tuple(notes))
    names = sorted(raw_target.unique().tolist(), key=lambda v: (str(type(v)), v))
    if len(names) < 2:
        raise InputError("data.csv_one_class", field="target", target=target)
    if len(names) > MAX_CLASSES:
        raise InputError("data.csv_too_many_classes", field="target", target=target, count=len(names),
                         limit=MAX_CLASSES)
    index = {value: i for i, value in enumerate(names)}
    targets = raw_target.map(index).to_numpy(dtype=np.int64)
    classes = tuple(_class_name(value) for value in names)
    return PreparedTable(features, targets, task, feature_names, classes, target, tuple(notes))


def _class_name(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:40]


def table_dataset(table: PreparedTable, file_name: str, data: bytes = b"") -> Dataset:
    """The prepared table as a data set to split and train: class indices, or float values (no classes)."""
    features = np.ascontiguousarray(table.features, dtype=np.float32)
    targets = np.ascontiguousarray(table.targets)
    features.setflags(write=False)
    targets.setflags(write=False)
    digest = hashlib.sha256(data).hexdigest()[:16]
    description = Words("data.csv.regression" if table.task == REGRESSION else "data.csv.classification",
                        {"file": file_name[-80:], "target": table.target, "count": len(table.classes)})
    return Dataset(name="csv", features=features, labels=targets, classes=table.classes,
                   feature_names=table.feature_names, description=description, source=f"csv:{digest}")


@dataclass(frozen=True)
class CsvFile:
    """A CSV file read for training: the prepared table (its notes too) and the data set made of it."""

    table: PreparedTable
    dataset: Dataset


def load_csv_file(path: str | Path, target: str, task: str | None = None, inputs: list[str] | None = None,
                  max_bytes: int | None = None) -> CsvFile:
    """Read, prepare and wrap the CSV at ``path`` (the command line's; a page passes an upload's bytes).

    ``max_bytes`` defaults to the settings' upload cap, so the CLI refuses what a page would.
    """
    from nnlib.core.settings import get_settings

    limit = max_bytes if max_bytes is not None else get_settings().max_upload_mb * 2**20
    file = Path(path)
    if not file.is_file():
        raise InputError("data.csv_no_file", field="data_path", file=str(path)[-80:])
    if file.stat().st_size > limit:
        raise InputError("data.csv_too_big", file=file.name[-80:], megabytes=file.stat().st_size // 2**20,
                         limit=limit // 2**20)
    data = file.read_bytes()
    table = prepare_table(read_csv_table(data, file.name, limit), target, task, inputs)
    return CsvFile(table, table_dataset(table, file.name, data))

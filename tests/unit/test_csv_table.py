"""A student's CSV: good, messy and hostile files the test writes, each read or refused clearly."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.data.table import CLASSIFICATION, REGRESSION, guess_task, prepare_table, read_csv_table

MB = 2**20


def read(text: str | bytes, name: str = "mine.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_csv_table(data, name, max_bytes=5 * MB)


def test_a_clean_csv_is_a_classification_with_named_classes() -> None:
    frame = read("sepal,petal,kind\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.4,setosa\n")
    table = prepare_table(frame, "kind")
    assert table.task == CLASSIFICATION
    assert table.classes == ("setosa", "versicolor", "virginica")
    assert table.targets.tolist() == [0, 1, 2, 0] and table.targets.dtype == np.int64
    np.testing.assert_array_equal(table.features, np.array([[5.1, 1.4], [7.0, 4.7], [6.3, 6.0], [4.9, 1.4]],
                                                           dtype=np.float32))
    assert table.feature_names == ("sepal", "petal") and table.notes == ()


def test_a_russian_spreadsheet_with_semicolons_and_cp1251_reads() -> None:
    text = "площадь;комнаты;район;цена\n54,0;2;центр;7,5\n33,5;1;окраина;4,1\n80,2;3;центр;11,9\n"
    frame = read(text.encode("cp1251"), "квартиры.csv")
    assert list(frame.columns) == ["площадь", "комнаты", "район", "цена"]
    # A decimal comma inside a semicolon file stays text: the student is told, not misled.
    table = prepare_table(frame.assign(площадь=[54.0, 33.5, 80.2], цена=[7.5, 4.1, 11.9]), "цена")
    assert table.task == REGRESSION and table.targets.dtype == np.float32
    assert table.feature_names == ("площадь", "комнаты", "район=окраина", "район=центр")
    assert table.features[:, 2:].tolist() == [[0, 1], [1, 0], [0, 1]]
    assert messages.word(table.notes[0].code, table.notes[0].details) == (
        "район holds text: it becomes 2 yes/no inputs, one per value.")


def test_missing_values_drop_their_rows_and_say_how_many() -> None:
    frame = read("a,b,y\n1,2,0\n,3,1\n4,5,1\n6,,0\n7,8,1\n")
    table = prepare_table(frame, "y")
    assert table.features.tolist() == [[1, 2], [4, 5], [7, 8]]
    (note,) = table.notes
    assert messages.word(note.code, note.details) == "2 rows of 5 have a missing value and are left out."


def test_a_text_column_with_many_values_is_left_out_with_a_note() -> None:
    rows = "\n".join(f"id{i},{i % 7},{i % 2}" for i in range(40))
    table = prepare_table(read("name,x,y\n" + rows), "y")
    assert table.feature_names == ("x",)
    assert messages.word(table.notes[0].code, table.notes[0].details) == (
        "name holds text with 40 different values: it is left out.")


def test_the_task_is_guessed_from_the_target_and_can_be_changed() -> None:
    frame = read("x,y\n" + "\n".join(f"{i},{i % 3}" for i in range(30)))
    assert guess_task(frame["y"]) == CLASSIFICATION
    assert prepare_table(frame, "y", task=REGRESSION).targets.tolist()[:4] == [0.0, 1.0, 2.0, 0.0]
    measured = read("x,y\n" + "\n".join(f"{i},{i * 0.37:.2f}" for i in range(30)))
    assert guess_task(measured["y"]) == REGRESSION


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04\x00\x00binary zip", "data.csv_binary"),
        (b"\xff\xfe\x00\x00", "data.csv_binary"),
        ("a,b\n1,2\n3,4,5,6\n", "data.csv_ragged"),
        ("", "data.csv_empty"),
        ("only\n1\n2\n", "data.csv_too_small"),
    ],
    ids=["zip", "utf32", "ragged", "empty", "one-column"],
)
def test_files_that_are_not_tables_get_one_message_naming_the_file(data, code) -> None:
    with pytest.raises(InputError) as wrong:
        read(data, "../../etc/<b>evil</b>.csv")
    assert wrong.value.code == code
    assert "<b>evil</b>.csv" in str(wrong.value)


def test_a_file_over_the_cap_is_refused_before_it_is_read() -> None:
    with pytest.raises(InputError) as wrong:
        read_csv_table(b"a,b\n" + b"1,2\n" * (MB // 2), "big.csv", max_bytes=MB)
    assert wrong.value.code == "data.csv_too_big"
    assert str(wrong.value) == "big.csv is 2 MB; a CSV upload can be at most 1 MB."


@pytest.mark.parametrize(
    ("text", "target", "task", "code"),
    [
        ("x,y\n1,a\n2,a\n3,a\n", "y", None, "data.csv_one_class"),
        ("x,y\n" + "\n".join(f"{i},c{i}" for i in range(150)), "y", CLASSIFICATION, "data.csv_too_many_classes"),
        ("x,y\n1,a\n2,b\n", "y", REGRESSION, "data.csv_target_not_numeric"),
        ("name,y\n" + "\n".join(f"n{i},{i % 2}" for i in range(40)), "y", None, "data.csv_no_numeric"),
        ("x,y\n1,0\n", "z", None, "data.csv_no_target"),
    ],
    ids=["one-class", "too-many-classes", "text-regression", "no-numeric", "no-target"],
)
def test_a_target_that_cannot_be_learned_is_explained(text, target, task, code) -> None:
    with pytest.raises(InputError) as wrong:
        prepare_table(read(text), target, task)
    assert wrong.value.code == code
    assert messages.template(code) is not None


# ------------------------------------------------------------------ what a reviewer's crafted files found


def test_the_delimiter_is_counted_in_bounded_time_even_on_a_crafted_line() -> None:
    import time

    from nnlib.data.table import sniff_delimiter

    assert sniff_delimiter("a;b;c\n1;2;3\n4;5;6\n") == ";"
    assert sniff_delimiter('name;note\n"Smith, J.";"a, b, c"\n"Doe";"x"\n') == ";"  # commas inside quotes
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t" and sniff_delimiter("one column\n1\n") == ","
    # The standard library's Sniffer took 25 s on this 52 KB line, holding the GIL (every session stalled).
    started = time.perf_counter()
    assert sniff_delimiter(', "a' * 13_000) == ","
    assert time.perf_counter() - started < 5  # a hang guard: it takes milliseconds


def test_columns_cut_to_the_same_name_stay_apart_and_a_column_may_be_called_target() -> None:
    long = "How satisfied are you with the course materials overall on a 1-5 scale"
    frame = read(f"{long} (week 1),{long} (week 2),__target__,y\n1,2,3,0\n2,3,4,1\n3,4,5,0\n4,5,6,1\n")
    assert list(frame.columns) == [long[:60], f"{long[:60]} (2)", "__target__", "y"]
    table = prepare_table(frame, "y")
    assert table.feature_names == (long[:60], f"{long[:60]} (2)", "__target__")
    assert table.features[:, 2].tolist() == [3, 4, 5, 6] and table.targets.tolist() == [0, 1, 0, 1]
    assert prepare_table(frame, "__target__", task=REGRESSION).targets.tolist() == [3, 4, 5, 6]


def test_infinite_and_too_large_numbers_are_left_out_with_the_missing_rows() -> None:
    frame = read("x,y\n1,1.5\n2,inf\n1e50,2.5\n3,\n4,4.5\n")
    table = prepare_table(frame, "y", task=REGRESSION)
    assert table.features[:, 0].tolist() == [1, 4] and table.targets.tolist() == [1.5, 4.5]
    (note,) = [n for n in table.notes if n.code == "data.csv_dropped_rows"]
    assert note.details == {"count": 3, "rows": 5}


def test_one_hot_columns_that_would_make_too_many_inputs_are_refused() -> None:
    header = ",".join(f"c{i}" for i in range(60)) + ",y"
    rows = "\n".join(",".join(f"{chr(65 + (r + i) % 20)}" for i in range(60)) + f",{r % 2}" for r in range(40))
    with pytest.raises(InputError) as caught:
        prepare_table(read(header + "\n" + rows + "\n"), "y")
    assert caught.value.code == "data.csv_too_wide"
    assert caught.value.details["inputs"] == 60 * 20 and caught.value.details["limit"] == 1000
    assert "1200 inputs" in caught.value.words("en") and "1200 входов" in caught.value.words("ru")

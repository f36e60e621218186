"""Predict-then-run questions: built-in answers computed with PyTorch equal the course's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnlib.classroom.questions import BUILT_IN, CHOICE, NUMBER, check, load_questions
from nnlib.core import messages
from nnlib.core.errors import InputError

COURSE_ANSWERS = {  # texts 004 «Функции потерь», 002 autograd, 003 (sign of dL/dw = 2(wx - y)x = -12)
    "mse_course": 0.58,
    "bce_course": 0.5108,
    "cross_entropy_course": 0.7306,
    "autograd_course": 52.0,
    "gradient_sign": "negative",
}


@pytest.mark.parametrize("question_id", list(BUILT_IN))
def test_built_in_answers_equal_the_course_and_are_worded(question_id: str) -> None:
    question = BUILT_IN[question_id]
    assert question.expected() == COURSE_ANSWERS[question_id]
    for part in ("prompt", "explanation"):
        assert messages.template(f"classroom.question_{question_id}_{part}") is not None
    for choice in question.choices:
        assert messages.template(f"classroom.choice_{choice}") is not None


def test_a_number_is_right_within_the_tolerance_only() -> None:
    mse = BUILT_IN["mse_course"]
    assert check(mse, "0.585").correct
    assert check(mse, 0.5701).correct
    assert not check(mse, 0.56).correct
    assert check(mse, 0.7).expected == 0.58
    with pytest.raises(InputError) as wrong:
        check(mse, "about a half")
    assert wrong.value.code == "classroom.answer_not_a_number"
    with pytest.raises(InputError):
        check(mse, "nan")


def test_a_choice_must_be_offered() -> None:
    sign = BUILT_IN["gradient_sign"]
    assert sign.kind == CHOICE
    assert check(sign, "negative").correct and not check(sign, "positive").correct
    with pytest.raises(InputError) as wrong:
        check(sign, "sideways")
    assert wrong.value.code == "classroom.answer_not_a_choice"


def test_an_instructors_file_adds_questions_in_their_own_words(tmp_path: Path) -> None:
    path = tmp_path / "questions.toml"
    path.write_text(
        '[[questions]]\nid = "lr_too_big"\npage = "optimizers"\n'
        'prompt = "При lr = 1.5 на чаше SGD сойдётся?"\nchoices = ["да", "нет"]\nanswer = "нет"\n'
        'explanation = "Шаг больше 2/L: расходится."\n\n'
        '[[questions]]\nid = "sigmoid_zero"\npage = "activations"\nprompt = "σ(0) = ?"\n'
        'answer = 0.5\ntolerance = 0.001\n',
        encoding="utf-8",
    )
    questions = load_questions(path)
    assert list(questions) == ["lr_too_big", "sigmoid_zero"]
    assert questions["lr_too_big"].kind == CHOICE and questions["sigmoid_zero"].kind == NUMBER
    assert questions["lr_too_big"].words("prompt") == "При lr = 1.5 на чаше SGD сойдётся?"
    assert check(questions["sigmoid_zero"], 0.5004).correct
    assert not check(questions["lr_too_big"], "да").correct


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[[questions]]\nid = 1\n", "classroom.question_missing"),
        ('[[questions]]\nid="a"\npage="x"\nprompt="p"\nanswer="b"\nchoices=["a"]\n',
         "classroom.question_answer_not_a_choice"),
        ('[[questions]]\nid="a"\npage="x"\nprompt="p"\nanswer=1\ntolerance=-1\n', "classroom.question_bad_tolerance"),
        ('[[questions]]\nid="mse_course"\npage="x"\nprompt="p"\nanswer=1\n', "classroom.question_duplicate"),
        ("questions = [ [ [", "classroom.questions_file_unreadable"),
        ('__import__("os").system("id")', "classroom.questions_file_unreadable"),
    ],
    ids=["missing", "choice", "tolerance", "duplicate", "broken", "code"],
)
def test_a_bad_questions_file_gets_one_clear_message(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "questions.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as wrong:
        load_questions(path)
    assert wrong.value.code == code
    assert "classroom." not in str(wrong.value)  # worded, not a bare code

"""Predict, then run: questions a student answers before the dashboard shows the result.

A :class:`Question` is asked on a page where intuition is the lesson. Its answer is a number
(checked within a tolerance) or one of a few choices. The built-in questions come from the course
texts and their answers are *computed* with PyTorch when asked, never typed in; an instructor adds
their own in a TOML file (see :func:`load_questions`), in the class's language.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlib.core import messages
from nnlib.core.errors import InputError

NUMBER = "number"
CHOICE = "choice"
MAX_QUESTIONS_FILE_BYTES = 256 * 1024
MAX_QUESTIONS = 200


@dataclass(frozen=True)
class Question:
    """One question. Built-ins word ``prompt`` and ``explanation`` by catalogue code; a file's are literal."""

    id: str
    page: str
    kind: str
    answer: Callable[[], float | str] | float | str
    tolerance: float = 0.0
    choices: tuple[str, ...] = ()
    prompt: str = ""
    explanation: str = ""
    source: str = ""
    built_in: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)

    def expected(self) -> float | str:
        return self.answer() if callable(self.answer) else self.answer

    def words(self, part: str, language: str | None = None) -> str:
        """The prompt or the explanation in ``language`` (a file's own text as written)."""
        if not self.built_in:
            return self.prompt if part == "prompt" else self.explanation
        return messages.word(f"classroom.question_{self.id}_{part}", self.details, language)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    given: float | str
    expected: float | str
    tolerance: float


def check(question: Question, given: Any) -> Verdict:
    """Whether ``given`` is right: within the tolerance for a number, the same choice otherwise."""
    expected = question.expected()
    if question.kind == NUMBER:
        try:
            value = float(given)
        except (TypeError, ValueError):
            raise InputError("classroom.answer_not_a_number", field="answer", given=str(given)[:40]) from None
        if not math.isfinite(value):
            raise InputError("classroom.answer_not_a_number", field="answer", given=str(given)[:40])
        return Verdict(abs(value - float(expected)) <= question.tolerance, value, expected, question.tolerance)
    if str(given) not in question.choices:
        raise InputError("classroom.answer_not_a_choice", field="answer", given=str(given)[:40])
    return Verdict(str(given) == str(expected), str(given), expected, 0.0)


# ---------------------------------------------------------------- built-in answers, computed


def _course_mse() -> float:
    import torch

    prediction = torch.tensor([[0.6], [0.2], [0.5]])
    target = torch.tensor([[0.5], [1.5], [0.7]])
    return round(float(torch.nn.functional.mse_loss(prediction, target)), 4)


def _course_bce() -> float:
    import torch

    prediction = torch.tensor([[0.9], [0.3], [0.2]])
    target = torch.tensor([[1.0], [1.0], [0.0]])
    return round(float(torch.nn.functional.binary_cross_entropy(prediction, target)), 4)


def _course_cross_entropy() -> float:
    import torch

    logits = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]])
    return round(float(torch.nn.functional.cross_entropy(logits, torch.tensor([1, 2, 0]))), 4)


def _course_autograd() -> float:
    """Text 002: x = ones(2, 3), w = 2x, y = w^3 + 3w^2 + 2w + 1, z = sum(y); each dz/dx."""
    import torch

    x = torch.ones(2, 3, requires_grad=True)
    w = 2 * x
    z = torch.sum(w * w * w + 3 * w * w + 2 * w + 1)
    z.backward()
    return float(x.grad[0, 0])


def _gradient_sign() -> str:
    """L = (w x - y)^2 at w = 1, x = 2, y = 5: which way does dL/dw point?"""
    import torch

    w = torch.tensor(1.0, requires_grad=True)
    loss = (w * 2.0 - 5.0) ** 2
    loss.backward()
    slope = float(w.grad)
    return "positive" if slope > 0 else "negative" if slope < 0 else "zero"


BUILT_IN: dict[str, Question] = {
    q.id: q
    for q in (
        Question("mse_course", "losses", NUMBER, _course_mse, tolerance=0.01, built_in=True,
                 source="004 «Функции потерь»"),
        Question("bce_course", "losses", NUMBER, _course_bce, tolerance=0.01, built_in=True,
                 source="004 «Функции потерь»"),
        Question("cross_entropy_course", "losses", NUMBER, _course_cross_entropy, tolerance=0.01, built_in=True,
                 source="004 «Функции потерь»"),
        Question("autograd_course", "tensors", NUMBER, _course_autograd, tolerance=0.0, built_in=True,
                 source="002 A.7 autograd"),
        Question("gradient_sign", "backprop", CHOICE, _gradient_sign, choices=("positive", "negative", "zero"),
                 built_in=True, source="003 «Backpropagation»"),
    )
}


# ---------------------------------------------------------------- an instructor's own questions


def load_questions(path: str | Path) -> dict[str, Question]:
    """An instructor's questions from a TOML file: ``[[questions]]`` tables (see the README).

    Each needs ``id``, ``page``, ``prompt``, ``answer`` and, for a choice, ``choices``; a number may
    give ``tolerance`` (default 0), any question ``explanation``. The file is data: nothing in it runs.
    """
    path = Path(path)
    if path.stat().st_size > MAX_QUESTIONS_FILE_BYTES:
        raise InputError("classroom.questions_file_too_big", limit_kb=MAX_QUESTIONS_FILE_BYTES // 1024)
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError("classroom.questions_file_unreadable", file=path.name, reason=str(error)[:200]) from None
    entries = parsed.get("questions", [])
    if not isinstance(entries, list) or len(entries) > MAX_QUESTIONS:
        raise InputError("classroom.questions_file_shape", file=path.name, limit=MAX_QUESTIONS)
    questions: dict[str, Question] = {}
    for number, entry in enumerate(entries, start=1):
        question = _question_from(entry, number)
        if question.id in questions or question.id in BUILT_IN:
            raise InputError("classroom.question_duplicate", number=number, id=question.id)
        questions[question.id] = question
    return questions


def _question_from(entry: Any, number: int) -> Question:
    if not isinstance(entry, dict):
        raise InputError("classroom.question_not_a_table", number=number)
    missing = [key for key in ("id", "page", "prompt", "answer") if key not in entry]
    if missing:
        raise InputError("classroom.question_missing", number=number, keys=", ".join(missing))
    choices = tuple(str(choice) for choice in entry.get("choices", ()))
    answer = entry["answer"]
    if choices:
        if str(answer) not in choices:
            raise InputError("classroom.question_answer_not_a_choice", number=number)
        kind, answer = CHOICE, str(answer)
    else:
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
            raise InputError("classroom.question_answer_not_a_number", number=number)
        kind, answer = NUMBER, float(answer)
    tolerance = entry.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise InputError("classroom.question_bad_tolerance", number=number)
    return Question(
        id=str(entry["id"])[:64], page=str(entry["page"])[:32], kind=kind, answer=answer,
        tolerance=float(tolerance), choices=choices, prompt=str(entry["prompt"])[:2000],
        explanation=str(entry.get("explanation", ""))[:4000],
    )


QUESTIONS_FILE_VARIABLE = "NNLIB_QUESTIONS_FILE"


def available_questions(path: str | Path | None = None) -> dict[str, Question]:
    """The built-in questions and, if the instructor named a file (``NNLIB_QUESTIONS_FILE``), theirs."""
    import os

    path = path or os.environ.get(QUESTIONS_FILE_VARIABLE, "").strip() or None
    questions = dict(BUILT_IN)
    if path:
        questions.update(load_questions(path))
    return questions

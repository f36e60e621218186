"""Iris trained exactly as course text 004 trains it («Обучаем нейросеть»), for one seed or many.

Text 004's code, which this module reproduces on the :class:`~nnlib.training.Trainer`::

    X_train, X_val = X[:100], X[100:]       # its data.pt is iris shuffled once beforehand
    y_train, y_val = y[:100], y[100:]
    model = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.01)
    for _ in range(500):                    # 500 steps, each over all 100 flowers
        loss = loss_fn(model(X_train), y_train)
        loss.backward(); optimizer.step(); optimizer.zero_grad()

Raw measurements in centimetres (no standardization), no test part, and the course prints the
loss going from 1.414 to 0.347 and 88 % validation accuracy. It also says the result "varies
strongly from run to run": :func:`run_course_seeds` trains many seeds and :class:`CourseSpread`
holds the spread of their validation accuracies.

The course's ``data.pt`` is not available; here the shuffle is ``torch.randperm(150)`` from a
generator seeded with the run's seed, and the model is initialised after ``torch.manual_seed(seed)``,
as the Trainer always does. One epoch of the Trainer with ``batch_size=0`` is one full-batch step, and
its ``train_loss`` is the loss the course prints in that step (computed before the step). The Trainer
reorders the 100 rows every epoch, which for a full batch only changes the order of the float
additions: after 500 steps the weights agree with the course's loop within 1e-6 (3e-7 at most for
seeds 0-2), and bit for bit with the same loop taking the rows in the Trainer's order.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.data import load_iris
from nnlib.data.dataset import Split
from nnlib.layers.model import check_seed
from nnlib.training.config import TrainConfig
from nnlib.training.trainer import Trainer

if TYPE_CHECKING:
    from nnlib.training.runner import RunSlots

COURSE_TRAIN_SIZE = 100  # X[:100] trains, X[100:] (the other 50) validates
COURSE_STEPS = 500
COURSE_LR = 0.01
COURSE_ACCURACY = 0.88  # "Точность модели: 88%"
COURSE_FIRST_LOSS = 1.414  # the first and last lines of the course's printed loss trace
COURSE_LAST_LOSS = 0.347
DEFAULT_SEED_COUNT = 20
MAX_SEED_COUNT = 50  # about 0.25 s each on one core


def course_config(seed: int = 0) -> TrainConfig:
    """The course's settings: 4→16→3, CrossEntropyLoss, SGD(lr=0.01), full batch, 500 steps, raw features.

    On the CPU, as the course's code runs, with one thread: a network of 131 parameters on 100 rows
    gains nothing from more, and a class running many seeds at once shares the cores.
    """
    return TrainConfig(dataset="iris", network="iris", loss="cross_entropy", optimizer="sgd", lr=COURSE_LR,
                       batch_size=0, epochs=COURSE_STEPS, seed=check_seed(seed), device="cpu",
                       standardize=False, threads=1).validate()


def course_split(seed: int = 0) -> Split:
    """Iris shuffled once with ``seed``, the first 100 flowers for training and the other 50 for validation.

    The measurements stay in centimetres, as in the course; the test part is empty (the course has none).
    """
    iris = load_iris()
    features = torch.tensor(np.asarray(iris.features, dtype=np.float32))
    labels = torch.tensor(np.asarray(iris.labels, dtype=np.int64))
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(check_seed(seed)))
    features, labels = features[order], labels[order]
    train, val = slice(0, COURSE_TRAIN_SIZE), slice(COURSE_TRAIN_SIZE, None)
    return Split(features[train], labels[train], features[val], labels[val], features[:0], labels[:0],
                 iris.classes, None, None)


def course_trainer(seed: int = 0) -> Trainer:
    """A Trainer set up with the course's split and settings for ``seed``, not yet trained."""
    return Trainer(course_config(seed), course_split(seed))


@dataclass(frozen=True)
class CourseRun:
    """One seed of the course's recipe, trained to the end."""

    seed: int
    losses: tuple[float, ...]  # the training loss of each step, as the course prints it
    val_accuracy: float  # 0-1 on the 50 validation flowers
    val_loss: float
    val_correct: int
    val_flowers: int  # 50

    @property
    def first_loss(self) -> float:
        return self.losses[0]

    @property
    def last_loss(self) -> float:
        return self.losses[-1]

    @property
    def reaches_course(self) -> bool:
        """At least the course's 88 % (44 of 50 flowers)."""
        return self.val_accuracy >= COURSE_ACCURACY

    def result_details(self) -> dict[str, float | int]:
        """The details of the ``course.one_run`` message."""
        return {"seed": self.seed, "correct": self.val_correct, "flowers": self.val_flowers,
                "accuracy": self.val_accuracy * 100, "course": COURSE_ACCURACY * 100}

    def loss_trace_details(self) -> dict[str, float | int]:
        """The details of the ``course.loss_trace`` message."""
        return {"seed": self.seed, "first": self.first_loss, "last": self.last_loss, "steps": len(self.losses),
                "course_first": COURSE_FIRST_LOSS, "course_last": COURSE_LAST_LOSS}


def finished_run(trainer: Trainer) -> CourseRun:
    """What a trained course Trainer reached."""
    last = trainer.history[-1]
    return CourseRun(seed=trainer.config.seed, losses=tuple(r.train_loss for r in trainer.history),
                     val_accuracy=last.val_acc, val_loss=last.val_loss,
                     val_correct=round(last.val_acc * len(trainer.val_y)), val_flowers=len(trainer.val_y))


def run_course(seed: int = 0) -> CourseRun:
    """Train the course's recipe for one seed."""
    trainer = course_trainer(seed)
    trainer.run()
    return finished_run(trainer)


@dataclass(frozen=True)
class CourseSpread:
    """Many seeds of the course's recipe: how far the validation accuracy varies."""

    runs: tuple[CourseRun, ...]

    @property
    def accuracies(self) -> list[float]:
        return [run.val_accuracy for run in self.runs]

    @property
    def lowest(self) -> float:
        return min(self.accuracies)

    @property
    def median(self) -> float:
        return statistics.median(self.accuracies)

    @property
    def highest(self) -> float:
        return max(self.accuracies)

    @property
    def reaching_course(self) -> int:
        """How many seeds reach the course's 88 %."""
        return sum(run.reaches_course for run in self.runs)

    def summary_details(self) -> dict[str, float | int]:
        """The details of the ``course.spread`` message."""
        return {"count": self.reaching_course, "seeds": len(self.runs), "lowest": self.lowest * 100,
                "median": self.median * 100, "highest": self.highest * 100, "course": COURSE_ACCURACY * 100}


def course_seeds(first: int, count: int) -> list[int]:
    """``count`` consecutive seeds from ``first``; refuses more than :data:`MAX_SEED_COUNT`."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SEED_COUNT:
        raise InputError("course.bad_seed_count", field="seeds", value=count, maximum=MAX_SEED_COUNT)
    check_seed(first)
    check_seed(first + count - 1)
    return list(range(first, first + count))


def run_course_seeds(
    seeds: Iterable[int],
    progress: Callable[[int, int], None] | None = None,
    slots: RunSlots | None = None,
) -> CourseSpread:
    """Train the course's recipe once per seed, one after another; ``progress(done, total)`` after each.

    Each seed is exactly :func:`run_course` for that seed. With ``slots`` (the server's
    :class:`~nnlib.training.runner.RunSlots`) the whole set waits its turn and holds one slot,
    as one run of the Training page does.
    """
    seeds = list(seeds)
    if not 1 <= len(seeds) <= MAX_SEED_COUNT:
        raise InputError("course.bad_seed_count", field="seeds", value=len(seeds), maximum=MAX_SEED_COUNT)
    for seed in seeds:
        check_seed(seed)
    ticket = slots.ticket() if slots is not None else None
    try:
        if slots is not None:
            slots.acquire(ticket)
        runs = []
        for done, seed in enumerate(seeds, start=1):
            runs.append(run_course(seed))
            if progress is not None:
                progress(done, len(seeds))
    finally:
        if slots is not None:
            slots.release(ticket)
    return CourseSpread(tuple(runs))


def course_code(seed: int = 0) -> str:
    """Text 004's code with its shuffle and initialisation seeded: plain PyTorch that trains what
    :func:`run_course` trains for ``seed`` (iris from scikit-learn, in place of the course's data.pt).

    The identifiers stay English; the comments are in the current language (``course.code_*``)."""
    seed = check_seed(seed)
    shuffle = messages.word("course.code_shuffle")
    return "\n".join([
        "import torch",
        "from sklearn.datasets import load_iris",
        "from torch.nn import Sequential, Linear, ReLU, CrossEntropyLoss",
        "from torch.optim import SGD",
        "",
        "iris = load_iris()",
        "X = torch.tensor(iris.data, dtype=torch.float32)",
        "y = torch.tensor(iris.target)",
        f"order = torch.randperm(150, generator=torch.Generator().manual_seed({seed}))  # {shuffle}",
        "X, y = X[order], y[order]",
        f"X_train, X_val = X[:{COURSE_TRAIN_SIZE}], X[{COURSE_TRAIN_SIZE}:]",
        f"y_train, y_val = y[:{COURSE_TRAIN_SIZE}], y[{COURSE_TRAIN_SIZE}:]",
        "",
        f"torch.manual_seed({seed})",
        "model = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))",
        "loss_fn = CrossEntropyLoss()",
        f"optimizer = SGD(model.parameters(), lr={COURSE_LR})",
        "",
        f"for _ in range({COURSE_STEPS}):",
        "    y_hat = model(X_train)",
        "    loss = loss_fn(y_hat, y_train)",
        "    loss.backward()",
        "    optimizer.step()",
        "    optimizer.zero_grad()",
        '    print(f"{loss:.3f}")',
        "",
        "score = (model(X_val).argmax(1) == y_val).sum() / len(y_val) * 100",
        'print(f"Accuracy: {score:.0f}%")',
    ])


def loss_rows(runs: Sequence[CourseRun]) -> list[dict[str, float | int]]:
    """(seed, step, loss) rows of every run's loss trace, steps counted from 1 as the course prints them."""
    return [{"seed": run.seed, "step": step, "loss": loss}
            for run in runs for step, loss in enumerate(run.losses, start=1)]

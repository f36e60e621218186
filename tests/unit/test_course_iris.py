"""Iris as course text 004 trains it: the preset against the course's own loop, one seed and many."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import CrossEntropyLoss, Linear, ReLU, Sequential
from torch.optim import SGD

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.data import load_iris
from nnlib.training import course
from nnlib.training.runner import RunSlots


def course_loop(seed: int, reorder_rows: bool = False) -> tuple[Sequential, list[float], float]:
    """Text 004's code, «Обучаем нейросеть», with the two lines it leaves to chance made explicit.

    Its data.pt is iris shuffled once; here the shuffle is seeded, and so is the model's
    initialisation. With ``reorder_rows`` each step sees its 100 rows in the order the Trainer
    draws them (the same rows, one full batch, added up in another order).
    """
    iris = load_iris()
    X = torch.tensor(np.asarray(iris.features))  # noqa: N806 (the course's names)
    y = torch.tensor(np.asarray(iris.labels))
    order = torch.randperm(150, generator=torch.Generator().manual_seed(seed))
    X, y = X[order], y[order]  # noqa: N806
    X_train, X_val = X[:100], X[100:]  # noqa: N806
    y_train, y_val = y[:100], y[100:]

    torch.manual_seed(seed)
    model = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.01)
    rows = torch.Generator().manual_seed(seed)

    printed = []
    for _ in range(500):
        index = torch.randperm(100, generator=rows) if reorder_rows else slice(None)
        y_hat = model(X_train[index])
        loss = loss_fn(y_hat, y_train[index])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        printed.append(loss.item())  # the course prints f"{loss:.3f}" here

    score = (model(X_val).argmax(1) == y_val).sum() / len(y_val) * 100
    return model, printed, score.item()


def test_the_split_is_one_seeded_shuffle_of_the_raw_measurements() -> None:
    iris = load_iris()
    split = course.course_split(7)
    order = torch.randperm(150, generator=torch.Generator().manual_seed(7))
    assert (len(split.train_x), len(split.val_x), len(split.test_x)) == (100, 50, 0)
    assert split.mean is None and split.std is None  # centimetres, as the course trains on them
    torch.testing.assert_close(split.train_x, torch.tensor(iris.features)[order[:100]], rtol=0, atol=0)
    torch.testing.assert_close(split.val_y, torch.tensor(iris.labels)[order[100:]], rtol=0, atol=0)
    # Every flower once: the 100 and the 50 are the whole data set.
    assert sorted(torch.cat([split.train_x, split.val_x]).sum(dim=1).tolist()) == \
        sorted(torch.tensor(iris.features).sum(dim=1).tolist())
    assert split.classes == ("setosa", "versicolor", "virginica")


def test_the_settings_are_the_courses() -> None:
    config = course.course_config(3)
    assert (config.network, config.loss, config.optimizer, config.lr) == ("iris", "cross_entropy", "sgd", 0.01)
    assert (config.batch_size, config.epochs, config.standardize, config.seed) == (0, 500, False, 3)


def test_the_preset_trains_as_the_courses_own_loop() -> None:
    model, printed, score = course_loop(0)
    trainer = course.course_trainer(0)
    trainer.run()
    run = course.finished_run(trainer)
    assert trainer.samples_seen == 500 * 100  # 500 steps over all 100 training flowers
    assert len(run.losses) == 500
    # The Trainer reorders the rows of its one batch each step: the same sum in another order.
    for name, weight in model.state_dict().items():
        torch.testing.assert_close(trainer.weights()[name], weight, rtol=0, atol=1e-6)
    np.testing.assert_allclose(run.losses, printed, rtol=0, atol=1e-6)
    assert run.val_accuracy * 100 == pytest.approx(score)

    # With the rows in the Trainer's order, the course's loop gives the same weights bit for bit.
    reordered, _, _ = course_loop(0, reorder_rows=True)
    for name, weight in reordered.state_dict().items():
        assert torch.equal(trainer.weights()[name], weight), name


def test_seed_0_against_the_courses_printed_numbers() -> None:
    """Measured: 1.409 → 0.340 and 94 % (47 of 50) where the course printed 1.414 → 0.347 and 88 %."""
    run = course.run_course(0)
    assert run.first_loss == pytest.approx(1.40867, abs=1e-4)
    assert run.last_loss == pytest.approx(0.33975, abs=1e-4)
    assert (run.val_correct, run.val_flowers) == (47, 50)
    assert run.reaches_course
    assert messages.word("course.loss_trace", run.loss_trace_details()) == (
        "Seed 0: the loss goes from 1.409 to 0.340 in 500 steps; the course printed 1.414 → 0.347 "
        "(its own random initialization and shuffle).")
    assert messages.word("course.one_run", run.result_details()) == (
        "Seed 0: 47 of 50 validation flowers right, 94 % (the course: 88 %).")


def test_many_seeds_are_the_same_as_separate_runs() -> None:
    reported = []
    spread = course.run_course_seeds(course.course_seeds(8, 3), progress=lambda done, total: reported.append(
        (done, total)))
    assert reported == [(1, 3), (2, 3), (3, 3)]
    assert [run.seed for run in spread.runs] == [8, 9, 10]
    for run in spread.runs:
        assert run == course.run_course(run.seed)
    # Seeds 8, 9, 10: 49, 43 and 49 of 50 flowers.
    assert [run.val_correct for run in spread.runs] == [49, 43, 49]
    assert (spread.lowest, spread.median, spread.highest) == (0.86, 0.98, 0.98)
    assert spread.reaching_course == 2
    assert messages.word("course.spread", spread.summary_details()) == (
        "Validation accuracy over 3 seeds: lowest 86 %, median 98 %, highest 98 %; 2 seeds reach the "
        "course's 88 %.")


def test_many_seeds_hold_one_slot_of_the_servers_queue() -> None:
    slots = RunSlots(1)
    busy = []
    course.run_course_seeds([0, 1], progress=lambda done, total: busy.append(slots.active), slots=slots)
    assert busy == [1, 1]
    assert (slots.active, slots.waiting) == (0, 0)


@pytest.mark.parametrize("count", [0, 51, True])
def test_a_seed_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(InputError) as caught:
        course.course_seeds(0, count)
    assert caught.value.code == "course.bad_seed_count"
    assert caught.value.field == "seeds"
    assert str(caught.value) == f"Run the course's recipe for 1 to 50 seeds at once, got {count}."


def test_loss_rows_count_steps_from_one() -> None:
    run = course.CourseRun(seed=4, losses=(1.5, 1.2, 0.9), val_accuracy=0.9, val_loss=0.3, val_correct=45,
                           val_flowers=50)
    assert course.loss_rows([run]) == [{"seed": 4, "step": 1, "loss": 1.5}, {"seed": 4, "step": 2, "loss": 1.2},
                                       {"seed": 4, "step": 3, "loss": 0.9}]


def test_the_code_shown_to_the_student_trains_the_same_run(capsys) -> None:
    exec(compile(course.course_code(8), "course_code", "exec"), {})  # our own text, never a student's
    printed = capsys.readouterr().out.splitlines()
    run = course.run_course(8)
    assert len(printed) == 501
    assert printed[0] == f"{run.first_loss:.3f}"
    assert printed[499] == f"{run.last_loss:.3f}"
    assert printed[500] == "Accuracy: 98%"  # 49 of 50, as the preset reaches for seed 8


def test_the_russian_words_pick_their_plural_forms() -> None:
    details = {"seeds": 20, "lowest": 86.0, "median": 96.0, "highest": 98.0, "course": 88.0}
    assert messages.word("course.spread", {**details, "count": 19}, "ru").endswith(
        "19 запусков достигают 88 %, как в курсе.")
    assert messages.word("course.spread", {**details, "count": 2}, "ru").endswith(
        "2 запуска достигают 88 %, как в курсе.")
    assert messages.word("course.spread", {**details, "count": 1}, "ru").endswith(
        "1 запуск достигает 88 %, как в курсе.")
    assert messages.word("course.one_run", {"seed": 0, "correct": 47, "flowers": 50, "accuracy": 94.0,
                                            "course": 88.0}, "ru") == (
        "Seed 0: точность модели на выборке валидации 94 % (47 из 50); в курсе: 88 %.")


def test_a_server_that_caps_epochs_below_500_refuses_the_course_with_its_limit(monkeypatch) -> None:
    from nnlib.core.settings import get_settings

    monkeypatch.setenv("NNLIB_MAX_EPOCHS", "200")
    get_settings.cache_clear()
    try:
        with pytest.raises(InputError) as caught:
            course.run_course_seeds([0])
    finally:
        monkeypatch.delenv("NNLIB_MAX_EPOCHS")
        get_settings.cache_clear()
    assert caught.value.code == "training.bad_epochs"
    assert caught.value.details["max_epochs"] == 200

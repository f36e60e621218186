from __future__ import annotations

import threading
import time

import torch

from nnlib.runner import BackgroundRun, RunSlots
from nnlib.training import TrainConfig, Trainer
from tests.unit.test_training import blobs


def make_trainer(seed: int = 0, epochs: int = 30, optimizer: str = "adam", width: int = 8) -> Trainer:
    config = TrainConfig(optimizer=optimizer, lr=0.01, batch_size=4, epochs=epochs, seed=seed, device="cpu")
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, 3))
    return Trainer(config, blobs(seed), model=model)


def test_slots_are_first_come_first_served() -> None:
    slots = RunSlots(limit=1)
    first, second, third = slots.ticket(), slots.ticket(), slots.ticket()
    assert [slots.position(t) for t in (first, second, third)] == [1, 2, 3]
    assert slots.acquire(first)
    assert [slots.position(t) for t in (first, second, third)] == [0, 1, 2]
    order: list[int] = []

    def take(ticket: int) -> None:
        slots.acquire(ticket)
        order.append(ticket)
        slots.release(ticket)

    threads = [threading.Thread(target=take, args=(t,)) for t in (third, second)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    assert order == []  # both wait while the first trains
    slots.release(first)
    for thread in threads:
        thread.join(5)
    assert order == [second, third]
    assert slots.active == 0 and slots.waiting == 0


def test_cancelled_ticket_leaves_the_queue() -> None:
    slots = RunSlots(limit=1)
    holder, waiter = slots.ticket(), slots.ticket()
    slots.acquire(holder)
    assert slots.acquire(waiter, cancelled=lambda: True) is False
    assert slots.waiting == 0


def test_background_run_finishes_like_a_foreground_run() -> None:
    foreground = make_trainer()
    foreground.run()
    run = BackgroundRun(make_trainer(), slots=RunSlots(2))
    run.start()
    assert run.wait(60)
    assert run.progress().status == "finished"
    assert run.trainer.state["val_loss"] == foreground.state["val_loss"]
    assert run.trainer.state["test_acc"] == foreground.state["test_acc"]


def test_pause_resume_mid_run_changes_nothing() -> None:
    reference = make_trainer(epochs=40)
    reference.run()
    run = BackgroundRun(make_trainer(epochs=40), slots=RunSlots(1))
    run.start()
    time.sleep(0.05)
    run.pause()
    time.sleep(0.3)
    paused_at = run.trainer.samples_seen
    time.sleep(0.3)
    assert run.trainer.samples_seen == paused_at  # nothing trains while paused
    assert run.progress().status == "paused"
    run.resume()
    assert run.wait(60)
    for ours, theirs in zip(run.trainer.model.state_dict().values(), reference.model.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs)


def test_step_one_epoch_then_stop() -> None:
    run = BackgroundRun(make_trainer(epochs=50), slots=RunSlots(1))
    run.step_epoch()
    assert run.wait(30)
    assert run.trainer.epoch == 1 and run.progress().status == "ready"
    run.start()
    time.sleep(0.2)
    run.stop()
    assert not run.is_alive
    assert run.progress().status == "stopped"
    assert run.trainer.epoch < 50


def test_queued_run_waits_then_starts_by_itself() -> None:
    slots = RunSlots(limit=1)
    blocker = slots.ticket()
    slots.acquire(blocker)
    run = BackgroundRun(make_trainer(epochs=2), slots=slots)
    run.start()
    time.sleep(0.3)
    progress = run.progress()
    assert progress.status == "queued" and progress.queue_position == 1
    slots.release(blocker)
    assert run.wait(30)
    assert run.progress().status == "finished" and run.progress().queued_seconds >= 0.25


def test_two_sessions_training_at_once_never_share_state() -> None:
    slots = RunSlots(limit=2)
    first = BackgroundRun(make_trainer(seed=1, optimizer="adam", width=8), slots=slots)
    second = BackgroundRun(make_trainer(seed=2, optimizer="sgd", width=12), slots=slots)
    first.start()
    second.start()
    assert first.wait(60) and second.wait(60)
    alone_first, alone_second = make_trainer(seed=1, optimizer="adam", width=8), make_trainer(seed=2, optimizer="sgd", width=12)
    alone_first.run()
    alone_second.run()
    assert first.trainer.model is not second.trainer.model
    assert first.trainer.model[0].out_features == 8 and second.trainer.model[0].out_features == 12
    assert first.trainer.state["val_loss"] == alone_first.state["val_loss"]
    assert second.trainer.state["val_loss"] == alone_second.state["val_loss"]


def test_run_records_gradient_norms_and_dead_units() -> None:
    from nnlib.insights import dead_relu_units

    run = BackgroundRun(make_trainer(epochs=3), slots=RunSlots(1))
    run.BATCH_SAMPLE_SECONDS = 0.0  # sample every batch
    run.start()
    assert run.wait(30)
    progress = run.progress()
    names = {name for _, name, _ in progress.grad_norms}
    assert names == {"0: Linear(4→8)", "2: Linear(8→3)"}
    assert len(progress.grad_norms) == 2 * len(progress.batch_losses)
    assert all(norm >= 0 for _, _, norm in progress.grad_norms)
    assert [epoch for epoch, *_ in progress.dead_units] == [1, 2, 3]
    final = dead_relu_units(run.trainer.model, run.trainer.val_x)
    assert progress.dead_units[-1][1:] == (final[0].index, final[0].dead, final[0].total)

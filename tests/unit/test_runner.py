from __future__ import annotations

import threading
import time

import pytest
import torch

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings
from nnlib.training import TrainConfig, Trainer
from nnlib.training.runner import (
    BackgroundRun,
    PlannedTrainer,
    RunBoard,
    RunSlots,
    check_run_work,
    give_memory_back,
)
from tests.unit.test_training import TinySplit, blobs


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
    run = BackgroundRun(plan(epochs=500, n=3000).build(), slots=RunSlots(1))
    run.step_epoch()
    assert run.wait(30)
    assert run.trainer.epoch == 1 and run.progress().status == "ready"
    run.start()
    assert wait_for(lambda: run.trainer.epoch >= 2)
    run.stop()
    assert not run.is_alive
    assert run.progress().status == "stopped"
    assert run.trainer.epoch < 500


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
    from nnlib.training.insights import dead_relu_units

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


# ------------------------------------------------------------------ a class on one server


def plan(seed: int = 0, epochs: int = 30, optimizer: str = "adam", n: int = 90, **extra) -> PlannedTrainer:
    config = TrainConfig(network="iris", optimizer=optimizer, lr=0.01, batch_size=4, epochs=epochs, seed=seed,
                         device="cpu", **extra)
    return PlannedTrainer(config, blobs(seed, n), label=optimizer)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_paused_run_gives_its_slot_to_the_next_and_queues_again_on_resume() -> None:
    slots = RunSlots(limit=1)
    first = BackgroundRun(plan(seed=1, epochs=200, n=900), slots=slots)
    second = BackgroundRun(plan(seed=2, epochs=3), slots=slots)
    first.start()
    assert wait_for(lambda: first.status == "running")
    second.start()
    time.sleep(0.2)
    assert second.progress().status == "queued" and second.progress().queue_position == 1
    first.pause()
    assert second.wait(30) and second.status == "finished"  # trained in the slot the paused run gave back
    assert first.status == "paused" and slots.active == 0
    first.resume()
    assert wait_for(lambda: first.status == "running")
    first.stop()
    alone = plan(seed=2, epochs=3).build()
    alone.run()
    assert same_weights(second.trainer.model, alone.model)


def test_nothing_is_built_before_the_slot_and_pause_resume_keeps_the_results() -> None:
    slots = RunSlots(limit=1)
    blocker = slots.ticket()
    slots.acquire(blocker)
    run = BackgroundRun(plan(epochs=20), slots=slots)
    run.start()
    time.sleep(0.2)
    assert run.status == "queued" and run.trainer is None  # no model, no optimizer yet
    run.pause()
    assert run.status == "paused"
    assert wait_for(lambda: slots.waiting == 0)  # a paused run leaves the queue too
    run.resume()
    slots.release(blocker)
    assert run.wait(60) and run.status == "finished"
    alone = plan(epochs=20).build()
    alone.run()
    assert same_weights(run.trainer.model, alone.model)
    assert run.trainer.state["test_acc"] == alone.state["test_acc"]


def test_plus_one_epoch_from_a_pause_finishes_the_epoch_under_way_then_pauses() -> None:
    run = BackgroundRun(plan(epochs=50, n=3000), slots=RunSlots(1))
    run.BATCH_SAMPLE_SECONDS = 0.0
    run.start()
    assert wait_for(lambda: run.progress().batch >= 3)
    run.pause()
    assert wait_for(lambda: run.status == "paused")
    epoch = run.epoch
    run.step_epoch()
    assert wait_for(lambda: run.epoch == epoch + 1)
    assert wait_for(lambda: run.status == "paused")
    time.sleep(0.3)
    assert run.epoch == epoch + 1  # and then it waits
    run.stop()
    assert run.status == "stopped"


def test_a_run_over_its_training_time_is_stopped_with_its_results_kept() -> None:
    run = BackgroundRun(plan(epochs=500, n=3000), slots=RunSlots(1), max_seconds=0.5)
    started = time.monotonic()
    run.start()
    assert run.wait(30)
    assert time.monotonic() - started < 10
    progress = run.progress()
    assert progress.status == "stopped"
    assert "this server allows 0.5 seconds of training per run" in progress.message
    assert 0.5 <= run.trained_seconds() < 5 and 0 < run.epoch < 500


def test_a_race_trains_its_two_legs_in_turn_in_one_slot_with_the_results_of_each_alone() -> None:
    slots = RunSlots(limit=2)
    race = BackgroundRun(plan(seed=3, epochs=6, optimizer="sgd"), plan(seed=3, epochs=6, optimizer="adam"),
                         slots=slots)
    most = 0

    def watch() -> None:
        nonlocal most
        while race.status != "finished":
            most = max(most, slots.active)
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()  # before the race: a loaded machine may start the watcher after a short race ended
    race.start()
    assert race.wait(60)
    watcher.join(5)
    assert most == 1
    for leg, optimizer in zip(race.legs, ("sgd", "adam"), strict=True):
        alone = plan(seed=3, epochs=6, optimizer=optimizer).build()
        alone.run()
        assert leg.epoch == 6 and same_weights(leg.trainer.model, alone.model)
        assert leg.trainer.state["test_acc"] == alone.state["test_acc"]


def board(**changes) -> RunBoard:
    return RunBoard(Settings().replace(**changes), start_sweeper=False)


def test_one_run_per_student_counts_races_and_tabs_together() -> None:
    slots = RunSlots(limit=4)
    runs = board(runs_per_student=1)
    mine = BackgroundRun(plan(epochs=300, n=900), slots=slots)
    token = runs.start("alice", "train", mine)
    race = BackgroundRun(plan(epochs=2), plan(epochs=2, optimizer="sgd"), slots=slots)
    with pytest.raises(InputError) as refused:
        runs.start("alice", "race", race)
    assert refused.value.code == "training.busy_with_train" and "a training run" in refused.value.message
    assert not race.started
    other = BackgroundRun(plan(epochs=2), slots=slots)
    runs.start("bob", "train", other)  # another student is not limited by alice
    assert runs.find(token, "alice").run is mine
    assert runs.find(token, "bob") is None  # a token is no key to someone else's run
    assert runs.latest("alice", "train").run is mine and runs.latest("bob", "race") is None
    mine.pause()
    with pytest.raises(InputError):  # a paused run is still a run in progress
        runs.start("alice", "race", race)
    mine.stop()
    runs.start("alice", "race", race)
    assert race.wait(30) and other.wait(30)


def test_two_tabs_of_one_student_pressing_start_at_once_get_one_run() -> None:
    runs = board(runs_per_student=1)
    slots = RunSlots(limit=4)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        run = BackgroundRun(plan(epochs=100, n=600), slots=slots)
        barrier.wait()
        try:
            runs.start("alice", "train", run)
            results.append("started")
        except InputError:
            results.append("refused")

    tabs = [threading.Thread(target=press) for _ in range(8)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(10)
    assert sorted(results) == ["refused"] * 7 + ["started"]
    for entry in runs.entries():
        entry.run.stop()


def test_a_forgotten_run_is_paused_then_stopped_then_dropped() -> None:
    slots = RunSlots(limit=1)
    runs = board(idle_pause_seconds=120, idle_stop_seconds=600, keep_results_seconds=3600)
    run = BackgroundRun(plan(epochs=400, n=900), slots=slots)
    token = runs.start("alice", "train", run)
    assert wait_for(lambda: run.epoch >= 1)
    now = time.monotonic()
    runs.sweep(now + 60)
    assert run.status == "running"  # seen a minute ago: nothing happens
    runs.sweep(now + 121)
    assert wait_for(lambda: run.status == "paused") and slots.active == 0
    assert "nobody has looked at this run for 2 minutes" in run.progress().message
    runs.touch("alice", now + 200)  # the student is back: the run waits for Resume, not stopped
    runs.sweep(now + 700)
    assert run.status == "paused"
    runs.sweep(now + 801)
    assert wait_for(lambda: run.status == "stopped")
    assert "nobody had looked at this run for 10 minutes" in run.progress().message
    assert run.epoch > 0 and runs.find(token, "alice") is not None  # results are kept a while
    runs.sweep(now + 200 + 3601)
    assert runs.find(token, "alice") is None and runs.dropped == 1


def test_a_run_left_paused_is_stopped_after_the_pause_limit() -> None:
    runs = board(pause_limit_seconds=900, idle_stop_seconds=10**6, idle_pause_seconds=10**6)
    run = BackgroundRun(plan(epochs=400, n=900), slots=RunSlots(1))
    runs.start("alice", "train", run)
    run.pause()
    assert wait_for(lambda: run.status == "paused")
    runs.sweep(run.paused_since + 899)
    assert run.status == "paused"
    runs.sweep(run.paused_since + 901)
    assert wait_for(lambda: run.status == "stopped")
    assert "stayed paused for 15 minutes" in run.progress().message


def test_a_run_too_big_for_the_server_is_refused_before_anything_is_built() -> None:
    huge = [{"kind": "Flatten"}, {"kind": "Linear", "in_features": 784, "out_features": 4000}, {"kind": "ReLU"},
            {"kind": "Linear", "in_features": 4000, "out_features": 4000}, {"kind": "ReLU"},
            {"kind": "Linear", "in_features": 4000, "out_features": 10}]
    images = torch.zeros(13_000, 28, 28)
    labels = torch.arange(13_000) % 10
    split = TinySplit(images, labels, images[:10], labels[:10], images[:10], labels[:10], tuple("ABCDEFGHIJ"))
    config = TrainConfig(dataset="notmnist", network=huge, batch_size=1, epochs=500, device="cpu")
    parameters = 784 * 4000 + 4000 + 4000 * 4000 + 4000 + 4000 * 10 + 10
    with pytest.raises(InputError) as refused:
        check_run_work([PlannedTrainer(config, split)])
    assert refused.value.code == "training.run_too_big"
    assert refused.value.details["work"] == 500 * parameters * (13_000 + 13_000)
    assert "Lower the epochs, make the network smaller, or use a larger batch size" in refused.value.message
    config.batch_size, config.epochs = 128, 5
    assert check_run_work([PlannedTrainer(config, split)]) == 5 * parameters * (13_000 + 102)


def test_memory_is_given_back_after_runs_are_dropped() -> None:
    give_memory_back()  # glibc's malloc_trim where there is one; must never raise


def test_limits_are_worded_as_people_say_them() -> None:
    from nnlib.training.runner import duration_text

    assert [duration_text(s) for s in (1, 4, 45, 60, 90, 120, 3600, 5400)] == [
        "1 second", "4 seconds", "45 seconds", "1 minute", "1.5 minutes", "2 minutes", "1 hour", "1.5 hours"]


def test_each_run_is_capped_at_its_share_of_the_cores_and_the_caller_keeps_its_threads(monkeypatch) -> None:
    from nnlib.core.settings import get_settings
    from nnlib.training import runner

    monkeypatch.setenv("NNLIB_THREADS_PER_RUN", "0")
    monkeypatch.setattr(runner, "usable_cores", lambda: 8)
    get_settings.cache_clear()
    caller = torch.get_num_threads()
    slots = RunSlots(limit=2)
    first = BackgroundRun(plan(epochs=300, n=900), slots=slots)
    second = BackgroundRun(plan(seed=1, epochs=300, n=900), slots=slots)
    try:
        first.start()
        assert wait_for(lambda: first.trainer is not None and first.epoch >= 1)
        assert first.trainer.thread_cap == 8  # alone on the server: every core
        second.start()
        assert wait_for(lambda: second.trainer is not None and second.trainer.thread_cap == 4)
        assert wait_for(lambda: first.trainer.thread_cap == 4)  # from its next epoch on: half each
        second.stop()
        assert wait_for(lambda: first.trainer.thread_cap == 8)  # alone again
        assert first.trainer.threads <= 8
    finally:
        first.stop()
        second.stop()
    assert torch.get_num_threads() == caller  # caps, never the process's own thread count

    monkeypatch.setenv("NNLIB_THREADS_PER_RUN", "1")  # a class server's fixed share
    get_settings.cache_clear()
    try:
        fixed = BackgroundRun(plan(epochs=2, threads=64), slots=slots)
        fixed.start()
        assert fixed.wait(60)
        assert fixed.trainer.thread_cap == 1 and fixed.trainer.threads == 1
    finally:
        get_settings.cache_clear()


def test_every_status_is_a_code_worded_by_the_catalogue() -> None:
    from nnlib.core import messages
    from nnlib.training import runner

    codes = [runner.STOPPED_IN_QUEUE, runner.STOPPED_MID_EPOCH, runner.TIME_LIMIT, runner.IDLE_STOPPED,
             runner.PAUSE_LIMIT, runner.IDLE_PAUSED, runner.SERVER_SHUTDOWN, runner.FAILED_UNEXPECTEDLY]
    assert all(code.startswith("training.") and messages.template(code) for code in codes)
    busy = {kind: messages.word(f"training.busy_with_{kind}", {"status": "queued", "limit": 1})
            for kind in ("train", "race", "run")}  # the board's refusal names what the student already has
    assert busy["race"] == ("You already have a race in progress (queued). Stop it or let it finish first: "
                            "this server allows 1 at a time per student.")
    assert busy["train"].startswith("You already have a training run in progress")
    assert busy["run"].startswith("You already have a run in progress")
    assert runner.RunMessage(runner.TIME_LIMIT, {"seconds": 0.5}).words() == (
        "Stopped: this server allows 0.5 seconds of training per run. Its results so far are kept.")
    assert runner.RunMessage(runner.IDLE_PAUSED, {"seconds": 60}).words() == (
        "Paused: nobody has looked at this run for 1 minute. Resume to go on.")
    assert runner.RunMessage(runner.FAILED_UNEXPECTEDLY, {"error_type": "RuntimeError", "error": "boom"}).words() == (
        "Training failed: RuntimeError: boom")

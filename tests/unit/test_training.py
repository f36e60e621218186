from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from nnlib import device as dev
from nnlib.errors import InputError
from nnlib.training import (
    BatchRecord,
    RunLog,
    TrainConfig,
    Trainer,
    confusion_matrix,
)


@dataclass
class TinySplit:
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...] = ("a", "b", "c")


def blobs(seed: int = 0, n: int = 90) -> TinySplit:
    """Three separable Gaussian blobs in 4-D, split 60/15/15."""
    generator = torch.Generator().manual_seed(seed)
    centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    y = torch.arange(n) % 3
    x = centers[y] + 0.5 * torch.randn(n, 4, generator=generator)
    return TinySplit(x[:60], y[:60], x[60:75], y[60:75], x[75:], y[75:])


def tiny_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def plain_loop(config: TrainConfig, split: TinySplit, optimizer_class: type, **optimizer_kwargs: object) -> nn.Module:
    """The loop a student writes from the course texts, with the same seed and shuffle."""
    torch.manual_seed(config.seed)
    model = tiny_model()
    optimizer = optimizer_class(model.parameters(), **optimizer_kwargs)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(config.seed)
    n = len(split.train_x)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, config.batch_size):
            index = order[start:start + config.batch_size]
            loss = loss_fn(model(split.train_x[index]), split.train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


@pytest.mark.parametrize(
    ("optimizer", "torch_class", "kwargs"),
    [
        ("sgd", torch.optim.SGD, {"lr": 0.1}),
        ("momentum", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
        ("adam", torch.optim.Adam, {"lr": 0.01, "betas": (0.9, 0.999)}),
        ("rmsprop", torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.99}),
        ("adagrad", torch.optim.Adagrad, {"lr": 0.1}),
    ],
)
def test_trainer_reproduces_a_plain_loop_exactly(optimizer: str, torch_class: type, kwargs: dict) -> None:
    config = TrainConfig(dataset="iris", optimizer=optimizer, lr=kwargs["lr"], momentum=0.9, batch_size=16,
                         epochs=5, seed=7, device="cpu")
    split = blobs()
    torch.manual_seed(config.seed)
    trainer = Trainer(config, split, model=tiny_model())
    trainer.run()
    fused_kwargs = {"fused": True} if trainer.fused else {}
    reference = plain_loop(config, split, torch_class, **kwargs, **fused_kwargs)
    for (name, ours), theirs in zip(trainer.model.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs), name


def test_same_config_and_seed_give_the_same_run() -> None:
    config = TrainConfig(optimizer="adam", lr=0.01, epochs=4, seed=3, device="cpu")
    runs = []
    for _ in range(2):
        torch.manual_seed(config.seed)
        trainer = Trainer(config, blobs(), model=tiny_model())
        trainer.run()
        runs.append((trainer.state["train_loss"], trainer.state["val_acc"], trainer.state["test_acc"]))
    assert runs[0] == runs[1]


def test_pause_and_resume_equal_one_whole_run() -> None:
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=8, epochs=6, seed=1, device="cpu")
    torch.manual_seed(config.seed)
    whole = Trainer(config, blobs(), model=tiny_model())
    whole.run()
    torch.manual_seed(config.seed)
    halves = Trainer(config, blobs(), model=tiny_model())
    first = halves.run(epochs=3)
    assert len(first) == 3 and not halves.finished and halves.state["test_acc"] == -1
    calls = iter([False, False, True])  # pause after two more epochs
    halves.run(should_pause=lambda: next(calls))
    assert halves.epoch == 5
    halves.run()
    assert halves.epoch == 6 and halves.finished
    assert halves.state["val_loss"] == whole.state["val_loss"]
    for ours, theirs in zip(halves.model.state_dict().values(), whole.model.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs)


def test_stop_conditions() -> None:
    target = TrainConfig(optimizer="adam", lr=0.05, epochs=200, target_accuracy=0.99, seed=0, device="cpu")
    trainer = Trainer(target, blobs(), model=tiny_model())
    trainer.run()
    assert trainer.epoch < 200
    assert trainer.history[-1].val_acc >= 0.99
    assert all(r.val_acc < 0.99 for r in trainer.history[:-1])
    assert trainer.state["stop_early"] and "accuracy" in trainer.stop_reason
    assert trainer.state["test_acc"] >= 0.9

    loss_target = TrainConfig(optimizer="adam", lr=0.05, epochs=200, target_loss=0.2, device="cpu")
    trainer = Trainer(loss_target, blobs(), model=tiny_model())
    trainer.run()
    assert trainer.history[-1].val_loss <= 0.2 < trainer.history[-2].val_loss

    # lr so small nothing improves for long: patience ends the run
    patient = TrainConfig(optimizer="sgd", lr=1e-9, epochs=100, patience=3, device="cpu")
    trainer = Trainer(patient, blobs(), model=tiny_model())
    trainer.run()
    assert trainer.epoch < 100 and "no better validation loss for 3 epochs" == trainer.stop_reason


def test_full_batch_and_listener_records() -> None:
    config = TrainConfig(batch_size=0, epochs=2, device="cpu")
    log = RunLog()
    trainer = Trainer(config, blobs(), model=tiny_model(), listeners=[log])
    trainer.run()
    assert trainer.batches_per_epoch == 1
    assert [b.batch for b in log.batches] == [1, 1]
    assert [e.epoch_index for e in log.epochs] == [1, 2]
    assert log.batches[-1].samples_seen == 120
    assert isinstance(log.batches[0], BatchRecord) and log.batches[0].loss > 0
    # train state has the course's fields
    for key in ("epoch_index", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc"):
        assert key in trainer.state
    assert trainer.state["epoch_index"] == 2 and len(trainer.state["val_acc"]) == 2


def test_evaluation_is_in_eval_mode_without_grad() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    trainer = Trainer(TrainConfig(device="cpu", epochs=1), blobs(), model=model)
    first = trainer.evaluate(trainer.val_x, trainer.val_y)
    assert first == trainer.evaluate(trainer.val_x, trainer.val_y)  # dropout off: deterministic
    assert trainer.model.training  # evaluation restores the mode


def test_device_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "cuda_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    trainer = Trainer(TrainConfig(device="auto", epochs=1), blobs(), model=tiny_model())
    assert trainer.device == torch.device("cpu") and trainer.train_x.device.type == "cpu"
    with pytest.raises(InputError, match="no NVIDIA GPU"):
        Trainer(TrainConfig(device="cuda", epochs=1), blobs(), model=tiny_model())


def test_config_round_trips_and_rejects_bad_values() -> None:
    config = TrainConfig(dataset="notmnist", optimizer="adam", lr=0.001, batch_size=128, epochs=3,
                         network=[{"kind": "Flatten"}, {"kind": "Linear", "in_features": 784, "out_features": 10}])
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config
    for bad, fragment in [({"lr": 0}, "learning rate"), ({"epochs": 0}, "Epochs"), ({"optimizer": "lbfgs"}, "optimizer"),
                          ({"batch_size": -1}, "batch size"), ({"momentum": 1.5}, "momentum"),
                          ({"dataset": "mnist"}, "dataset"), ({"lr": float("nan")}, "learning rate")]:
        with pytest.raises(InputError, match=fragment):
            TrainConfig.from_dict(bad)
    with pytest.raises(InputError, match="Unknown training setting"):
        TrainConfig.from_dict({"learning_rate": 0.1})


def test_confusion_matrix_counts() -> None:
    predicted = torch.tensor([0, 1, 1, 2, 2, 2])
    true = torch.tensor([0, 1, 2, 2, 2, 0])
    assert confusion_matrix(predicted, true, 3).tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]


def test_warm_up_pays_the_first_optimizer_import() -> None:
    import sys

    from nnlib.training import warm_up

    warm_up()
    assert "torch._dynamo" in sys.modules  # imported by the first optimizer; a later one is cheap

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from nnlib.core import device as dev
from nnlib.core.errors import InputError
from nnlib.optimizers import OPTIMIZERS
from nnlib.training import (
    BatchRecord,
    RunLog,
    TrainConfig,
    Trainer,
    confusion_matrix,
    reproduce_code,
    training_losses,
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


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_registered_optimizer_trains_like_its_torch_class_in_a_plain_loop(optimizer: str) -> None:
    """A new optimizer record is trained by the trainer (fused kernel called directly where it has one)
    exactly as its own torch class steps in the textbook loop, and written so in the reproducing code."""
    record = OPTIMIZERS[optimizer]
    config = TrainConfig(optimizer=optimizer, lr=0.02, batch_size=16, epochs=3, seed=5, device="cpu")
    split = blobs()
    torch.manual_seed(config.seed)
    trainer = Trainer(config, split, model=tiny_model())
    trainer.run()
    kwargs = record.torch_kwargs(config.lr, config.optimizer_hyperparameters())
    reference = plain_loop(config, split, record.torch_class, **kwargs, **({"fused": True} if trainer.fused else {}))
    for (name, ours), theirs in zip(trainer.model.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs), name
    assert f"optimizer = torch.optim.{record.torch_class.__name__}(model.parameters(), lr=0.02" in reproduce_code(config)


@pytest.mark.parametrize("loss", list(training_losses()))
def test_every_training_loss_of_the_loss_registry_trains_like_its_torch_module(loss: str) -> None:
    info = training_losses()[loss]
    ends_in_log_probabilities = info.expects == "log_probabilities"

    def model() -> nn.Sequential:
        layers = [*tiny_model(), *([nn.LogSoftmax(dim=1)] if ends_in_log_probabilities else [])]
        return nn.Sequential(*layers)

    config = TrainConfig(optimizer="sgd", lr=0.1, loss=loss, batch_size=16, epochs=3, seed=2, device="cpu")
    split = blobs()
    torch.manual_seed(config.seed)
    trainer = Trainer(config, split, model=model())
    trainer.run()
    torch.manual_seed(config.seed)
    reference = model()
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, **({"fused": True} if trainer.fused else {}))
    loss_fn = info.module()
    generator = torch.Generator().manual_seed(config.seed)
    for _ in range(config.epochs):
        order = torch.randperm(len(split.train_x), generator=generator)
        for start in range(0, len(order), config.batch_size):
            index = order[start:start + config.batch_size]
            batch_loss = loss_fn(reference(split.train_x[index]), split.train_y[index])
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
    for (name, ours), theirs in zip(trainer.model.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs), name
    assert f"loss_fn = nn.{info.module.__name__}()" in reproduce_code(config)
    assert isinstance(trainer.loss_fn, info.module)


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
    assert (trainer.stop_code, trainer.stop_details) == ("training.stop_patience", {"count": 3})

    # one epoch of patience, one epoch of training: the catalogue's singular forms
    once = Trainer(TrainConfig(optimizer="sgd", lr=1e-9, epochs=100, patience=1, device="cpu"), blobs(),
                   model=tiny_model())
    once.run()
    assert once.stop_reason == "no better validation loss for 1 epoch"
    single = Trainer(TrainConfig(epochs=1, device="cpu"), blobs(), model=tiny_model())
    single.run()
    assert single.stop_reason == "1 epoch done"


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


# ---------------------------------------------------------------- the fast inner loop


@pytest.fixture()
def one_thread():
    """Both loops at one thread: a different count rounds the big matrix products differently."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def plain_loop_on(model: nn.Module, split: TinySplit, config: TrainConfig, optimizer: torch.optim.Optimizer,
                  autocast: bool = False) -> nn.Module:
    """The textbook loop on any model: index a batch, forward, loss, zero_grad, backward, step."""
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(config.seed)
    n = len(split.train_x)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, config.batch_size):
            index = order[start:start + config.batch_size]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                loss = loss_fn(model(split.train_x[index]), split.train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def assert_same_weights(ours: nn.Module, theirs: nn.Module) -> None:
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def letters(n: int = 1500) -> TinySplit:
    """A slice of the bundled offline letters, as (N, 28, 28) images in [0, 1]."""
    from nnlib import data as datasets

    split = datasets.split_dataset(datasets.load_offline_letters(), seed=0)
    cut = lambda t: t[:n]  # noqa: E731
    return TinySplit(cut(split.train_x), cut(split.train_y), split.val_x[:500], split.val_y[:500],
                     split.test_x[:500], split.test_y[:500], tuple(split.classes))


@pytest.mark.parametrize(("optimizer", "lr"), [("adam", 1e-3), ("momentum", 0.1), ("rmsprop", 1e-3)])
def test_course_network_on_letters_equals_a_plain_loop(optimizer: str, lr: float, one_thread: None) -> None:
    """784 → 256 → 10 at batch 128 (the last batch is short): the written-out pass, bit for bit."""
    split = letters()
    config = TrainConfig(dataset="notmnist", network="notmnist", optimizer=optimizer, lr=lr, momentum=0.9,
                         batch_size=128, epochs=2, seed=3, device="cpu", standardize=False, threads=1)
    trainer = Trainer(config, split)
    assert trainer.program is not None
    trainer.run()
    torch.manual_seed(config.seed)
    from nnlib.optimizers import build_optimizer
    from nnlib.training import build_network

    model = build_network("notmnist", (28, 28), 10)
    optim = build_optimizer(optimizer, model.parameters(), config.lr, fused=trainer.fused,
                            **config.optimizer_hyperparameters())
    reference = plain_loop_on(model, split, config, optim)
    assert_same_weights(trainer.model, reference)


def _deep() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 5, bias=False), nn.Sigmoid(),
                         nn.Linear(5, 1), nn.ReLU(), nn.Linear(1, 3))


@pytest.mark.parametrize(
    ("build", "written_out"),
    [
        (_deep, True),  # Tanh, Sigmoid, a layer without bias, a hidden layer one unit wide
        (lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)), True),
        (lambda: nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.ReLU(), nn.Linear(8, 3)), False),
        (lambda: nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(), nn.Linear(8, 3)), False),
    ],
)
@pytest.mark.parametrize("batch_size", [7, 59, 60])  # 60 samples: a last batch of 4, of 1, one full batch
def test_any_network_equals_a_plain_loop(build, written_out: bool, batch_size: int) -> None:
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=batch_size, epochs=3, seed=5, device="cpu")
    split = blobs()
    torch.manual_seed(config.seed)
    trainer = Trainer(config, split, model=build())
    assert (trainer.program is not None) is written_out
    trainer.run()
    torch.manual_seed(config.seed)
    model = build()
    torch.manual_seed(config.seed)  # as the Trainer does: dropout then draws the same masks in both loops
    reference = plain_loop_on(model, split, config, torch.optim.Adam(model.parameters(), lr=0.01, fused=True))
    assert_same_weights(trainer.model, reference)


def test_step_hooks_and_module_hooks_fall_back_to_the_general_path() -> None:
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=16, epochs=3, seed=2, device="cpu")
    seen: list[int] = []
    torch.manual_seed(config.seed)
    model = tiny_model()
    model[1].register_forward_hook(lambda module, args, out: seen.append(out.shape[0]))
    trainer = Trainer(config, blobs(), model=model)
    trainer.optimizer.register_step_post_hook(lambda optimizer, args, kwargs: seen.append(-1))
    trainer.run()
    assert seen.count(-1) == 12 and len(seen) > 12  # every step and every forward pass was seen
    reference = plain_loop(config, blobs(), torch.optim.Adam, lr=0.01, fused=True)
    assert_same_weights(trainer.model, reference)


def test_gradients_stay_readable_after_each_step() -> None:
    """Charts read .grad after the step (the runner's gradient norms)."""
    norms: list[float] = []
    trainer: Trainer

    def listen(record: object) -> None:
        if isinstance(record, BatchRecord):
            norms.append(float(trainer.model[0].weight.grad.norm()))

    config = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16, epochs=1, device="cpu")
    trainer = Trainer(config, blobs(), model=tiny_model(), listeners=[listen])
    trainer.run()
    assert len(norms) == 4 and all(n > 0 for n in norms) and len(set(norms)) == 4


def test_threads_are_the_configs_during_an_epoch_and_the_callers_after() -> None:
    seen: list[tuple[str, int]] = []
    config = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16, epochs=2, device="cpu", threads=1)
    trainer = Trainer(config, blobs(), model=tiny_model(),
                      listeners=[lambda record: seen.append((type(record).__name__, torch.get_num_threads()))])
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        trainer.run()
        assert {threads for kind, threads in seen if kind == "BatchRecord"} == {1}
        assert {threads for kind, threads in seen if kind == "EpochRecord"} == {2}  # listeners see the caller's
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert trainer.threads == 1
    with pytest.raises(InputError, match="Threads"):
        TrainConfig(threads=-1).validate()


def test_a_servers_thread_cap_bounds_fixed_and_automatic_counts() -> None:
    from nnlib.training.speed import usable_cores

    for threads in (0, 64):
        seen: list[int] = []
        config = TrainConfig(dataset="notmnist", network="notmnist", optimizer="sgd", batch_size=128, epochs=2,
                             device="cpu", standardize=False, threads=threads)
        def listen(record: object, seen: list[int] = seen) -> None:
            if isinstance(record, BatchRecord):
                seen.append(torch.get_num_threads())

        trainer = Trainer(config, letters(600), listeners=[listen])
        trainer.thread_cap = 1
        trainer.run()
        assert set(seen) == {1}
        trainer.thread_cap = None
        assert trainer.threads == (min(64, usable_cores()) if threads else 1)


# ---------------------------------------------------------------- fast mode


def allow_fast_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the fast mode run here even without native bf16 (correct, only slow)."""
    from nnlib.training import speed

    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: "AVX-512 BF16")


def test_fast_mode_is_refused_with_the_reason_where_the_cpu_lacks_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    from nnlib.training import speed

    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: None)
    support = speed.fast_mode_support("cpu")
    assert not support.available and "AVX-512 BF16 or AMX" in support.reason
    with pytest.raises(InputError, match="native bfloat16") as caught:
        TrainConfig(device="cpu", fast=True).validate()
    assert caught.value.code == "training.fast_cpu_lacks_bf16" and caught.value.field == "fast"
    with pytest.raises(InputError, match="native bfloat16"):
        TrainConfig.from_dict({"device": "cpu", "fast": True})
    TrainConfig(device="cpu", fast=False).validate()  # off is always fine
    with pytest.raises(InputError, match="on or off"):
        TrainConfig(device="cpu", fast="yes").validate()


def test_fast_mode_on_gpus_and_mps(monkeypatch: pytest.MonkeyPatch) -> None:
    from nnlib.training import speed

    monkeypatch.setattr(dev, "cuda_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "NVIDIA T4")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: False)
    support = speed.fast_mode_support("cuda")
    assert not support.available and "NVIDIA T4" in support.reason
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "NVIDIA A100")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert speed.fast_mode_support("cuda").available
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    mps = speed.fast_mode_support("mps")
    assert not mps.available and "MPS" in mps.reason


def test_every_fast_mode_reason_and_the_switch_are_worded() -> None:
    from nnlib.core import messages
    from nnlib.training import speed

    for code in ("training.fast_cpu_ready", "training.fast_cpu_lacks_bf16", "training.fast_gpu_ready",
                 "training.fast_gpu_lacks_bf16", "training.fast_on_mps", speed.FAST_MODE_LABEL, speed.FAST_MODE_HELP):
        assert messages.template(code), code
    assert speed.FastModeSupport(True, "cuda", "NVIDIA A100", "training.fast_gpu_ready").reason == (
        "NVIDIA A100 has native bf16 arithmetic: the fast mode can run.")
    assert messages.word(speed.FAST_MODE_LABEL) == "Fast mode: bfloat16 autocast"


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_fast_mode_equals_the_plain_loop_under_autocast(monkeypatch: pytest.MonkeyPatch, optimizer: str,
                                                        one_thread: None) -> None:
    """The written-out bf16 pass does what torch.autocast does, bit for bit."""
    allow_fast_mode(monkeypatch)
    split = letters(700)
    config = TrainConfig(dataset="notmnist", network="notmnist", optimizer=optimizer, lr=0.01, momentum=0.9,
                         batch_size=128, epochs=2, seed=1, device="cpu", standardize=False, threads=1, fast=True)
    trainer = Trainer(config, split)
    assert trainer.program is not None and trainer.program.dtype == torch.bfloat16
    trainer.run()
    from nnlib.optimizers import build_optimizer
    from nnlib.training import build_network

    torch.manual_seed(config.seed)
    model = build_network("notmnist", (28, 28), 10)
    optim = build_optimizer(optimizer, model.parameters(), config.lr, fused=True, **config.optimizer_hyperparameters())
    assert_same_weights(trainer.model, plain_loop_on(model, split, config, optim, autocast=True))
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())


def test_fast_mode_on_a_network_autograd_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    allow_fast_mode(monkeypatch)
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=16, epochs=3, seed=4, device="cpu", fast=True)
    build = lambda: nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(), nn.Linear(8, 3))  # noqa: E731
    torch.manual_seed(config.seed)
    trainer = Trainer(config, blobs(), model=build())
    assert trainer.program is None
    trainer.run()
    torch.manual_seed(config.seed)
    model = build()
    reference = plain_loop_on(model, blobs(), config, torch.optim.Adam(model.parameters(), lr=0.01, fused=True),
                              autocast=True)
    assert_same_weights(trainer.model, reference)


def test_fast_mode_accuracy_stays_within_half_a_point_on_the_letters() -> None:
    """The default notMNIST run on the bundled letters, in float32 and in the fast mode."""
    from nnlib.training import default_config, prepare_split, speed

    support = speed.fast_mode_support("cpu")
    if not support.available:
        pytest.skip(support.reason)
    config = default_config("notmnist")
    config.device, config.threads = "cpu", 1
    split = prepare_split(config)
    accuracy = {}
    for fast in (False, True):
        config.fast = fast
        trainer = Trainer(config, split)
        trainer.run()
        accuracy[fast] = trainer.state["test_acc"]
    assert accuracy[False] > 0.95
    assert abs(accuracy[True] - accuracy[False]) <= 0.005, accuracy


# ------------------------------------------------------------------ the toy sets, through the same trainer


def test_toy_data_through_the_trainer_equals_a_plain_pytorch_loop() -> None:
    """moons with the playground's defaults (2 → 8 → 8 → 2 Tanh, Adam 0.03, batch 16), extra inputs x² and xy."""
    from nnlib.data import make_toy_dataset, split_dataset
    from nnlib.training import default_config, prepare_split

    config = dataclasses.replace(default_config("moons"), epochs=4, seed=3, device="cpu", threads=1,
                                 toy_samples=300, toy_noise=0.25, toy_seed=9, toy_features=("x²", "xy"))
    split = prepare_split(config)
    trainer = Trainer(config, split)
    trainer.run()
    # The loop a student writes: the same points, the same split, the same seed.
    data = make_toy_dataset("moons", samples=300, noise=0.25, seed=9, features=("x²", "xy"))
    mine = split_dataset(data, seed=3, standardize=True)
    assert torch.equal(mine.train_x, split.train_x) and mine.train_x.shape == (208, 4)
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03, **({"fused": True} if trainer.fused else {}))
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(3)
    for _ in range(4):
        order = torch.randperm(208, generator=generator)
        for start in range(0, 208, 16):
            index = order[start:start + 16]
            loss = loss_fn(model(mine.train_x[index]), mine.train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for (name, ours), theirs in zip(trainer.model.state_dict().items(), model.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs), name
    code = reproduce_code(config)
    assert "make_toy_dataset('moons', samples=300, noise=0.25, seed=9, features=['x²', 'xy'])" in code
    assert "nn.Linear(in_features=4, out_features=8, bias=True)," in code and "nn.Tanh()," in code


def test_every_dataset_of_the_registry_is_a_config_name_with_its_records_defaults() -> None:
    from nnlib.data.registry import DATASETS as RECORDS
    from nnlib.training import DATASETS, default_config

    assert DATASETS == ("iris", "notmnist", "circles", "moons", "xor", "spirals", "blobs", "curve", "diabetes",
                        "csv") == tuple(RECORDS)
    for name, record in RECORDS.items():
        config = default_config(name).validate()
        assert config.dataset == name
        assert {key: getattr(config, key) for key in record.training} == dict(record.training)
    assert (default_config("iris").network, default_config("iris").lr, default_config("iris").epochs) == ("iris", 0.1, 60)
    assert default_config("notmnist").optimizer == "momentum" and default_config("notmnist").standardize is False
    assert default_config("moons").network == "playground" and default_config("spirals").network == "playground_spirals"


def test_a_toy_config_round_trips_and_refuses_bad_points_noise_seed_or_inputs() -> None:
    config = TrainConfig(dataset="blobs", network="playground", toy_samples=120, toy_noise=0.5, toy_seed=4,
                         toy_features=("sin x", "y²"))
    again = TrainConfig.from_dict(json.loads(config.to_json()))
    assert again == config and again.toy_features == ("sin x", "y²")
    for bad, code in [({"toy_samples": 5}, "data.toy_samples"), ({"toy_noise": 1.5}, "data.toy_noise"),
                      ({"toy_features": ("cos x",)}, "data.toy_feature"), ({"toy_seed": -1}, "training.bad_toy_seed"),
                      ({"dataset": "swirl"}, "data.dataset_unknown")]:
        with pytest.raises(InputError) as refused:
            dataclasses.replace(config, **bad).validate()
        assert refused.value.code == code
        assert "data." not in refused.value.message and "training." not in refused.value.message


def test_the_playground_networks_are_sized_to_the_inputs_and_classes() -> None:
    from nnlib.training import build_network

    model = build_network("playground", (5,), 3)
    assert [type(layer).__name__ for layer in model] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert [(layer.in_features, layer.out_features) for layer in model if isinstance(layer, nn.Linear)] == [
        (5, 8), (8, 8), (8, 3)]
    spirals = build_network("playground_spirals", (2,), 2)
    assert [(layer.in_features, layer.out_features) for layer in spirals if isinstance(layer, nn.Linear)] == [
        (2, 32), (32, 32), (32, 32), (32, 2)]
    with pytest.raises(InputError) as unknown:
        build_network("playground_huge", (2,), 2)
    assert "playground_spirals" in unknown.value.message


def test_the_cli_trains_a_toy_set_and_prints_the_same_json_line_as_for_iris(capsys: pytest.CaptureFixture) -> None:
    from nnlib.__main__ import main

    assert main(["train", "--dataset", "iris", "--epochs", "2", "--json"]) == 0
    iris = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["train", "--dataset", "moons", "--noise", "0.2", "--samples", "400", "--features", "x²,y2",
                 "--epochs", "100", "--device", "cpu", "--json"]) == 0
    moons = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(moons) == set(iris)
    assert moons["dataset"] == "moons" and moons["epochs"] == 100 and moons["test_acc"] >= 0.95
    assert main(["train", "--dataset", "moons", "--features", "cos x", "--json"]) == 2
    assert "There is no extra input called cos x" in capsys.readouterr().err

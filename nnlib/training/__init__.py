"""The training engine shared by the page, the CLI, the benchmark and the tests.

A :class:`TrainConfig` is plain, serializable data (same config and seed, same
run). A :class:`Trainer` owns one model, its optimizer and its history; it
reports per-batch and per-epoch records to whoever listens and never draws.

Speed comes from doing less per batch, never from changing the arithmetic: the
data moves to the device once, as rows; each batch is gathered with one
``index_select`` into a buffer that is reused; the course's networks (Linear and
ReLU/Tanh/Sigmoid stacks with CrossEntropyLoss) run a written-out forward and
backward pass with the kernels autograd itself calls (:mod:`nnlib.training.speed`); the
optimizer's fused kernel is called directly; the losses and predictions stay on the
device until the epoch ends (no ``.item()`` per batch). In float32 the weights equal
the textbook loop's bit for bit. ``TrainConfig.fast`` adds bf16 autocast where the
hardware has it, and ``TrainConfig.threads`` (0: automatic) picks the CPU threads
with :class:`nnlib.training.speed.ThreadPolicy`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nnlib.core.device import resolve_device, synchronize
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.training.speed import (
    FAST_DTYPE,
    FusedStep,
    MLPProgram,
    ThreadPolicy,
    check_fast_mode,
    usable_cores,
)

# torch.manual_seed is process-wide; sessions that start runs at the same moment
# must not interleave seeding and weight initialisation.
_SEED_LOCK = threading.Lock()
EVAL_CHUNK = 8192


# ---------------------------------------------------------------- optimizers


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    label: str
    default: float
    minimum: float
    maximum: float
    help: str


@dataclass(frozen=True)
class OptimizerInfo:
    key: str
    title: str
    torch_class: type[torch.optim.Optimizer]
    hyperparameters: tuple[str, ...]  # names of TrainConfig fields it reads
    supports_fused: bool
    formula: str  # LaTeX of the update rule

    def kwargs(self, config: TrainConfig) -> dict[str, Any]:
        """The keyword arguments torch.optim receives for this config."""
        values: dict[str, Any] = {"lr": config.lr}
        if "momentum" in self.hyperparameters:
            values["momentum"] = config.momentum
        if "betas" in self.hyperparameters:
            values["betas"] = (config.beta1, config.beta2)
        if "alpha" in self.hyperparameters:
            values["alpha"] = config.alpha
        if config.weight_decay:
            values["weight_decay"] = config.weight_decay
        return values

    def build(self, parameters: Iterable[nn.Parameter], config: TrainConfig, fused: bool) -> torch.optim.Optimizer:
        extra: dict[str, Any] = {"fused": True} if fused and self.supports_fused else {}
        return self.torch_class(parameters, **self.kwargs(config), **extra)

    def code(self, config: TrainConfig) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs(config).items())
        return f"torch.optim.{self.torch_class.__name__}(model.parameters(), {args})"


OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo(
        "sgd", "SGD", torch.optim.SGD, (), True,
        r"w \leftarrow w - \eta \, \nabla_w L",
    ),
    "momentum": OptimizerInfo(
        "momentum", "SGD with momentum", torch.optim.SGD, ("momentum",), True,
        r"v \leftarrow \mu v + \nabla_w L,\quad w \leftarrow w - \eta v",
    ),
    "adagrad": OptimizerInfo(
        "adagrad", "AdaGrad", torch.optim.Adagrad, (), True,
        r"G \leftarrow G + (\nabla_w L)^2,\quad w \leftarrow w - \eta \frac{\nabla_w L}{\sqrt{G} + \varepsilon}",
    ),
    "rmsprop": OptimizerInfo(
        "rmsprop", "RMSProp", torch.optim.RMSprop, ("alpha",), False,
        r"E \leftarrow \alpha E + (1-\alpha)(\nabla_w L)^2,\quad w \leftarrow w - \eta \frac{\nabla_w L}{\sqrt{E} + \varepsilon}",
    ),
    "adam": OptimizerInfo(
        "adam", "Adam", torch.optim.Adam, ("betas",), True,
        r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
        r"w \leftarrow w - \eta \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \varepsilon}",
    ),
}

# The loss each dataset's classifier trains with; the network ends in raw logits.
LOSSES: dict[str, Callable[[], nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "nll": nn.NLLLoss,  # for networks that end in LogSoftmax
}
LOSS_CODE = {"cross_entropy": "nn.CrossEntropyLoss()", "nll": "nn.NLLLoss()"}
DATASETS = ("iris", "notmnist")


# ---------------------------------------------------------------- config


def warm_up() -> None:
    """Pay PyTorch's one-time costs now: the first optimizer built imports torch._dynamo (~2.5 s)."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


@dataclass
class TrainConfig:
    """Everything that defines a run; ``to_dict``/``from_dict`` round-trip it as JSON."""

    dataset: str = "iris"
    data_path: str | None = None
    network: str | list[dict[str, Any]] = "iris"  # a preset name or a builder stack
    loss: str = "cross_entropy"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    alpha: float = 0.99
    weight_decay: float = 0.0
    batch_size: int = 16  # 0 means the full training set in one batch, as in the course
    epochs: int = 100
    seed: int = 0
    device: str = "auto"
    standardize: bool = True
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    target_loss: float | None = None  # stop when validation loss falls to this
    target_accuracy: float | None = None  # stop when validation accuracy (0-1) reaches this
    patience: int | None = None  # stop after this many epochs without a better validation loss
    fast: bool = False  # bf16 autocast where the hardware has native bf16 (nnlib.training.speed.fast_mode_support)
    threads: int = 0  # CPU threads; 0: chosen by nnlib.training.speed.ThreadPolicy from the measured speed

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"Unknown training setting(s): {', '.join(unknown)}.", code="bad_config",
                             details={"unknown": unknown})
        config = cls(**data)
        config.validate()
        return config

    def validate(self) -> TrainConfig:
        settings = get_settings()

        def fail(message: str, name: str) -> None:
            raise InputError(message, code="bad_config", field=name)

        if self.dataset not in DATASETS:
            fail(f"Unknown dataset {self.dataset!r}: choose iris or notmnist.", "dataset")
        if self.optimizer not in OPTIMIZERS:
            fail(f"Unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.", "optimizer")
        if self.loss not in LOSSES:
            fail(f"Unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}.", "loss")
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and 0 < self.lr <= 10):
            fail(f"The learning rate must be a number in (0, 10], got {self.lr!r}.", "lr")
        for name in ("momentum", "beta1", "beta2", "alpha"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                fail(f"{name} must be in [0, 1), got {value!r}.", name)
        if not 0 <= self.weight_decay <= 1:
            fail(f"Weight decay must be in [0, 1], got {self.weight_decay!r}.", "weight_decay")
        if not isinstance(self.batch_size, int) or self.batch_size < 0:
            fail("The batch size must be a whole number ≥ 1, or 0 for the full batch.", "batch_size")
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= settings.max_epochs:
            fail(f"Epochs must be between 1 and {settings.max_epochs}, got {self.epochs!r}.", "epochs")
        if not 0 < self.val_fraction < 0.5 or not 0 < self.test_fraction < 0.5:
            fail("Validation and test fractions must each be between 0 and 0.5.", "val_fraction")
        if self.target_accuracy is not None and not 0 < self.target_accuracy <= 1:
            fail("The target accuracy is a fraction between 0 and 1 (e.g. 0.95).", "target_accuracy")
        if self.patience is not None and self.patience < 1:
            fail("Patience must be at least 1 epoch.", "patience")
        if not isinstance(self.threads, int) or isinstance(self.threads, bool) or not 0 <= self.threads <= 1024:
            fail(f"Threads must be a whole number from 0 (automatic) to 1024, got {self.threads!r}.", "threads")
        if not isinstance(self.fast, bool):
            fail(f"fast is on or off (true or false), got {self.fast!r}.", "fast")
        resolve_device(self.device)
        if self.fast:
            check_fast_mode(self.device)
        return self


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class BatchRecord:
    epoch: int  # 1-based epoch this batch belongs to
    batch: int  # 1-based index within the epoch
    batches: int
    samples_seen: int  # in this run, all epochs
    seconds: float  # wall time spent training so far in this trainer
    loss_tensor: torch.Tensor  # on the device; read .loss only when you need the number

    @property
    def loss(self) -> float:
        return float(self.loss_tensor)


@dataclass(frozen=True)
class EpochRecord:
    epoch_index: int  # 1-based
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float  # this epoch's training time
    samples_per_s: float


Listener = Callable[[BatchRecord | EpochRecord], None]


def make_train_state(config: TrainConfig) -> dict[str, Any]:
    """The course's train state (text 000), plus the early-stopping bookkeeping."""
    return {
        "stop_early": False,
        "early_stopping_step": 0,
        "early_stopping_best_val": math.inf,
        "learning_rate": config.lr,
        "epoch_index": 0,
        "train_loss": [],
        "train_acc": [],
        "val_loss": [],
        "val_acc": [],
        "test_loss": -1,
        "test_acc": -1,
    }


# ---------------------------------------------------------------- trainer


class Trainer:
    """One run: model, optimizer, data on the device, history. Pause = stop calling ``run``.

    CPU threads: each epoch runs at ``TrainConfig.threads`` or, when that is 0, at the count
    :class:`~nnlib.training.speed.ThreadPolicy` measures best, and the caller's count is restored
    afterwards. ``thread_cap`` (a server's share of the cores per run) bounds both; when
    it is None the automatic count is bounded by the calling thread's count at the start
    of the epoch (what ``torch.set_num_threads`` set there), and a fixed one by the cores.
    """

    def __init__(
        self,
        config: TrainConfig,
        split: Any,
        model: nn.Module | None = None,
        *,
        fused: bool = True,
        listeners: Iterable[Listener] = (),
    ) -> None:
        self.config = config.validate()
        self.device = resolve_device(config.device)
        self.classes = tuple(split.classes)
        with _SEED_LOCK:
            torch.manual_seed(config.seed)
            if model is None:
                model = build_network(config.network, tuple(split.train_x.shape[1:]), len(self.classes))
        self.model = model.to(self.device)
        self.loss_fn = LOSSES[config.loss]()
        info = OPTIMIZERS[config.optimizer]
        self.fused = bool(fused and info.supports_fused and self.device.type in ("cpu", "cuda"))
        self.optimizer = info.build(self.model.parameters(), config, self.fused)
        self.train_x, self.train_y = self._to_device(split.train_x, split.train_y)
        self.val_x, self.val_y = self._to_device(split.val_x, split.val_y)
        self.test_x, self.test_y = self._to_device(split.test_x, split.test_y)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.listeners: list[Listener] = list(listeners)
        self.state = make_train_state(config)
        self.history: list[EpochRecord] = []
        self.samples_seen = 0
        self.train_seconds = 0.0
        self.stop_reason: str | None = None
        self.fast = bool(config.fast)
        self.thread_cap: int | None = None
        self._prepare_loop()

    def _to_device(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.to(self.device, torch.float32).contiguous(), y.to(self.device, torch.int64).contiguous()

    def _prepare_loop(self) -> None:
        """Everything the inner loop reuses from batch to batch."""
        n, size = len(self.train_x), self.batch_size
        self.sample_shape = tuple(self.train_x.shape[1:])
        self.program = None
        if self.device.type == "cpu":  # the written-out pass is checked bit for bit on the CPU only
            self.program = MLPProgram.build(self.model, self.loss_fn, self.sample_shape, size, self.device,
                                            fast=self.fast)
        rows = self.train_x.reshape(n, -1)
        if self.program is not None and self.fast:
            rows = rows.to(FAST_DTYPE)  # what autocast would cast each batch to, cast once
        self._rows = rows
        self._batch_x = torch.empty(size, rows.shape[1], dtype=rows.dtype, device=self.device)
        self._batch_y = torch.empty(size, dtype=torch.int64, device=self.device)
        self._batch_views: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self._predicted = torch.empty(n, dtype=torch.int64, device=self.device)
        sizes = [min(size, n - start) for start in range(0, n, size)]
        self._batch_sizes = torch.tensor(sizes, dtype=torch.float32, device=self.device)
        self._params = [p for group in self.optimizer.param_groups for p in group["params"]]
        self._step = FusedStep.for_optimizer(self.optimizer) or self.optimizer.step
        work = sum(p.numel() for p in self.model.parameters()) * size
        self.thread_policy = ThreadPolicy(work) if self.device.type == "cpu" and not self.config.threads else None

    def _batch_view(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        view = self._batch_views[m] = (self._batch_x[:m], self._batch_y[:m])
        return view

    # -- state
    @property
    def epoch(self) -> int:
        return len(self.history)

    @property
    def batch_size(self) -> int:
        n = len(self.train_x)
        return n if self.config.batch_size in (0, None) else min(self.config.batch_size, n)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.train_x) / self.batch_size)

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None or self.epoch >= self.config.epochs

    @property
    def threads(self) -> int:
        """The CPU threads this trainer trains with now (or last did)."""
        if self.config.threads:
            return self._fixed_threads()
        return self.thread_policy.threads if self.thread_policy is not None else torch.get_num_threads()

    def _fixed_threads(self) -> int:
        """``TrainConfig.threads``, but never more than the cores here or ``thread_cap``."""
        return max(1, min(self.config.threads, usable_cores(), self.thread_cap or self.config.threads))

    def _emit(self, record: BatchRecord | EpochRecord) -> None:
        for listener in self.listeners:
            listener(record)

    # -- training
    def _begin_threads(self) -> int | None:
        """Set this epoch's CPU threads; returns the caller's count, to restore afterwards."""
        if self.device.type != "cpu":
            return None
        before = torch.get_num_threads()
        if self.config.threads:
            wanted = self._fixed_threads()
        elif self.thread_policy is not None:
            wanted = self.thread_policy.begin_epoch(self.thread_cap or before)
        else:
            return before
        if wanted != before:
            torch.set_num_threads(wanted)
        return before

    def _autograd_step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Any network: forward (under bf16 autocast in the fast mode), backward, fresh gradients."""
        if self.fast:
            with torch.autocast(device_type=self.device.type, dtype=FAST_DTYPE):
                logits = self.model(xb)
                loss = self.loss_fn(logits, yb)
        else:
            logits = self.model(xb)
            loss = self.loss_fn(logits, yb)
        for parameter in self._params:  # optimizer.zero_grad(set_to_none=True), without its overhead
            parameter.grad = None
        loss.backward()
        return loss.detach(), logits.detach()

    def run_epoch(self) -> EpochRecord:
        """Train one epoch over a fresh shuffle, then evaluate on the validation set."""
        epoch = self.epoch + 1
        n, size = len(self.train_x), self.batch_size
        batches = self.batches_per_epoch
        self.model.train()
        program = self.program if self.program is not None and self.program.usable() else None
        policy = self.thread_policy if self.device.type == "cpu" and not self.config.threads else None
        listeners = bool(self.listeners)
        synchronize(self.device)
        started = time.perf_counter()
        caller_threads = self._begin_threads()
        try:
            order = torch.randperm(n, generator=self.generator).to(self.device)
            losses: list[torch.Tensor] = []
            for index, start in enumerate(range(0, n, size), start=1):
                stop = min(start + size, n)
                m = stop - start
                rows = order[start:stop]
                xb, yb = self._batch_views[m] if m in self._batch_views else self._batch_view(m)
                torch.index_select(self._rows, 0, rows, out=xb)
                torch.index_select(self.train_y, 0, rows, out=yb)
                if program is not None:
                    loss, logits = program.step(xb, yb)
                else:
                    loss, logits = self._autograd_step(xb.view(m, *self.sample_shape), yb)
                self._step()
                torch.argmax(logits, dim=1, out=self._predicted[start:stop])
                losses.append(loss)
                self.samples_seen += m
                if policy is not None:
                    wanted = policy.after_batch(m) or policy.threads
                    if wanted != torch.get_num_threads():
                        torch.set_num_threads(wanted)
                if listeners:
                    paused = time.perf_counter()
                    self._emit(BatchRecord(epoch, index, batches, self.samples_seen,
                                           self.train_seconds + paused - started, loss))
                    if policy is not None:  # a listener's time (a chart, a pause) is not training speed
                        policy.exclude(time.perf_counter() - paused)
            loss_sum = torch.dot(torch.stack(losses).float(), self._batch_sizes)
            correct = (self._predicted == self.train_y[order]).sum()
            synchronize(self.device)
            seconds = time.perf_counter() - started
            self.train_seconds += seconds
            val_loss, val_acc = self.evaluate(self.val_x, self.val_y)
            train_loss, train_acc = float(loss_sum) / n, float(correct) / n
        finally:
            if caller_threads is not None and torch.get_num_threads() != caller_threads:
                torch.set_num_threads(caller_threads)
        record = EpochRecord(
            epoch_index=epoch,
            train_loss=train_loss,
            train_acc=train_acc,
            val_loss=val_loss,
            val_acc=val_acc,
            seconds=seconds,
            samples_per_s=n / seconds if seconds > 0 else math.inf,
        )
        self._record(record)
        self._emit(record)
        return record

    def _record(self, record: EpochRecord) -> None:
        self.history.append(record)
        state = self.state
        state["epoch_index"] = record.epoch_index
        for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
            state[key].append(getattr(record, key))
        config = self.config
        if record.val_loss < state["early_stopping_best_val"]:
            state["early_stopping_best_val"] = record.val_loss
            state["early_stopping_step"] = 0
        else:
            state["early_stopping_step"] += 1
        if config.target_loss is not None and record.val_loss <= config.target_loss:
            self.stop_reason = f"validation loss reached {record.val_loss:.4f} ≤ {config.target_loss}"
        elif config.target_accuracy is not None and record.val_acc >= config.target_accuracy:
            self.stop_reason = f"validation accuracy reached {record.val_acc:.2%} ≥ {config.target_accuracy:.2%}"
        elif config.patience is not None and state["early_stopping_step"] >= config.patience:
            self.stop_reason = f"no better validation loss for {config.patience} epochs"
        state["stop_early"] = self.stop_reason is not None
        if self.stop_reason is None and record.epoch_index >= config.epochs:
            self.stop_reason = f"all {config.epochs} epochs done"

    def run(self, epochs: int | None = None, should_pause: Callable[[], bool] | None = None) -> list[EpochRecord]:
        """Train until finished, ``epochs`` more epochs, or ``should_pause()`` says so."""
        done: list[EpochRecord] = []
        while not self.finished and (epochs is None or len(done) < epochs):
            if should_pause is not None and should_pause():
                break
            done.append(self.run_epoch())
        if self.finished and self.state["test_acc"] == -1:
            self.test()
        return done

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """Mean loss and accuracy in eval mode, in chunks so memory stays bounded."""
        was_training = self.model.training
        self.model.eval()
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        for start in range(0, len(x), EVAL_CHUNK):
            logits = self.model(x[start:start + EVAL_CHUNK])
            target = y[start:start + EVAL_CHUNK]
            loss_sum += self.loss_fn(logits, target) * len(target)
            correct += (logits.argmax(dim=1) == target).sum()
        self.model.train(was_training)
        n = max(len(x), 1)
        return float(loss_sum) / n, float(correct) / n

    def test(self) -> tuple[float, float]:
        loss, acc = self.evaluate(self.test_x, self.test_y)
        self.state["test_loss"], self.state["test_acc"] = loss, acc
        return loss, acc

    @torch.no_grad()
    def predict(self, part: str = "test") -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted, true) class indices on the CPU for "train", "val" or "test"."""
        x, y = {"train": (self.train_x, self.train_y), "val": (self.val_x, self.val_y),
                "test": (self.test_x, self.test_y)}[part]
        was_training = self.model.training
        self.model.eval()
        predicted = torch.cat([self.model(x[s:s + EVAL_CHUNK]).argmax(dim=1) for s in range(0, len(x), EVAL_CHUNK)])
        self.model.train(was_training)
        return predicted.cpu(), y.cpu()

    def summary(self) -> dict[str, Any]:
        """The numbers a run is judged by (the CLI's JSON line)."""
        last = self.history[-1] if self.history else None
        return {
            "dataset": self.config.dataset,
            "device": str(self.device),
            "optimizer": self.config.optimizer,
            "fast": self.fast,
            "threads": self.threads if self.device.type == "cpu" else None,
            "epochs": self.epoch,
            "seconds": round(self.train_seconds, 4),
            "samples_per_s": round(self.samples_seen / self.train_seconds, 1) if self.train_seconds else 0.0,
            "train_loss": last.train_loss if last else None,
            "train_acc": last.train_acc if last else None,
            "val_loss": last.val_loss if last else None,
            "val_acc": last.val_acc if last else None,
            "test_loss": self.state["test_loss"],
            "test_acc": self.state["test_acc"],
            "stop_reason": self.stop_reason,
        }

    def weights(self) -> dict[str, torch.Tensor]:
        """The trained weights on the CPU, ready for torch.save (load with weights_only=True)."""
        return {name: tensor.detach().cpu().clone() for name, tensor in self.model.state_dict().items()}


# ---------------------------------------------------------------- wiring


def build_network(network: str | list[dict[str, Any]], input_shape: tuple[int, ...], n_classes: int) -> nn.Sequential:
    """A preset by name or a builder stack, checked against the data it will see."""
    from nnlib import layers as net

    if isinstance(network, str):
        if network not in net.PRESETS:
            raise InputError(f"Unknown network preset {network!r}: choose one of {', '.join(net.PRESETS)}.",
                             code="bad_config", field="network")
        layers = list(net.PRESETS[network].layers)
    else:
        layers = net.layers_from_data(network)
    summary = net.analyze(layers, input_shape)
    errors = [problem for problem in summary.problems if problem.severity == "error"]
    if errors:
        raise InputError(errors[0].message, code="bad_network", field="network")
    out_shape = summary.layers[-1].output_shape if summary.layers else input_shape
    if out_shape[-1] != n_classes:
        raise InputError(
            f"The network ends with {out_shape[-1]} outputs but the dataset has {n_classes} classes: "
            f"make the last Linear layer's out_features {n_classes}.",
            code="bad_network", field="network",
        )
    return net.build_model(layers)


def planned_work(config: TrainConfig, split: Any) -> int:
    """About the multiply-adds a run will do: epochs x parameters x (training samples + batches).

    The network is built on PyTorch's "meta" device, which allocates nothing, so a run that
    is too big can be refused before anything is built. Each sample costs a pass over every
    weight; each batch one more (the optimizer's step), which is what makes batch 1 slow.
    """
    n = len(split.train_x)
    batch = n if config.batch_size in (0, None) else min(config.batch_size, n)
    with torch.device("meta"):
        model = build_network(config.network, tuple(split.train_x.shape[1:]), len(split.classes))
    parameters = sum(p.numel() for p in model.parameters())
    return int(config.epochs) * parameters * (n + math.ceil(n / max(1, batch)))


def default_config(dataset: str) -> TrainConfig:
    """Defaults that teach well (and reach the course's accuracies) for each dataset.

    notMNIST trains with SGD with momentum 0.9 (optimizer "momentum": plain "sgd" ignores
    ``momentum``); on the offline letters it reaches about 97.5 % test accuracy in 10
    epochs, plain SGD at the same learning rate about 95.6 %.
    """
    if dataset == "notmnist":
        return TrainConfig(dataset="notmnist", network="notmnist", optimizer="momentum", lr=0.1, momentum=0.9,
                           batch_size=128, epochs=10, standardize=False)
    return TrainConfig(dataset="iris", network="iris", optimizer="sgd", lr=0.1, batch_size=16, epochs=60)


def prepare_split(config: TrainConfig, progress: Callable[[int, int], None] | None = None) -> Any:
    """Load and split the config's dataset (iris, the real notMNIST, or the offline letters)."""
    from nnlib import data as datasets

    if config.dataset == "iris":
        data = datasets.load_iris()
    elif config.data_path:
        data = datasets.load_notmnist(config.data_path, progress=progress)
    else:
        data = datasets.load_letters(progress=progress)
    return datasets.split_dataset(data, val_fraction=config.val_fraction, test_fraction=config.test_fraction,
                                  seed=config.seed, standardize=config.standardize)


def confusion_matrix(predicted: torch.Tensor, true: torch.Tensor, n_classes: int) -> torch.Tensor:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    index = true.to(torch.int64) * n_classes + predicted.to(torch.int64)
    return torch.bincount(index, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def reproduce_code(config: TrainConfig) -> str:
    """Plain PyTorch that reproduces this run's recipe (model, loss, optimizer, loop)."""
    from nnlib import layers as net

    layers = list(net.PRESETS[config.network].layers) if isinstance(config.network, str) else \
        net.layers_from_data(config.network)
    model_lines = [f"    {line}," for line in _layer_code_lines(net.build_model(layers))]
    batch = "len(X_train)" if not config.batch_size else str(config.batch_size)
    return "\n".join([
        "import torch",
        "from torch import nn",
        "",
        f"# Dataset: {config.dataset}; X_train, y_train, X_val, y_val as float32 / int64 tensors",
        f"torch.manual_seed({config.seed})",
        "model = nn.Sequential(",
        *model_lines,
        ")",
        f"loss_fn = {LOSS_CODE[config.loss]}",
        f"optimizer = {OPTIMIZERS[config.optimizer].code(config)}",
        f"generator = torch.Generator().manual_seed({config.seed})",
        f"batch_size = {batch}",
        "",
        f"for epoch in range({config.epochs}):",
        "    model.train()",
        "    order = torch.randperm(len(X_train), generator=generator)",
        "    for start in range(0, len(X_train), batch_size):",
        "        index = order[start:start + batch_size]",
        "        loss = loss_fn(model(X_train[index]), y_train[index])",
        "        optimizer.zero_grad()",
        "        loss.backward()",
        "        optimizer.step()",
        "    model.eval()",
        "    with torch.no_grad():",
        "        val_acc = (model(X_val).argmax(1) == y_val).float().mean().item()",
        "    print(f'epoch {epoch + 1}: loss {loss.item():.4f}, val accuracy {val_acc:.2%}')",
    ])


def _layer_code_lines(model: nn.Sequential) -> list[str]:
    return [f"nn.{repr(layer)}" for layer in model]


@dataclass
class RunLog:
    """Collects a trainer's records (what a test or the CLI listens with)."""

    batches: list[BatchRecord] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    def __call__(self, record: BatchRecord | EpochRecord) -> None:
        (self.batches if isinstance(record, BatchRecord) else self.epochs).append(record)

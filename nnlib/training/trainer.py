"""The trainer: one run's model, optimizer, data on the device and history; it fires records, never draws.

Speed comes from doing less per batch, never from changing the arithmetic: the data moves to
the device once, as rows; each batch is gathered with one ``index_select`` into a buffer that
is reused; the course's networks (Linear and ReLU/Tanh/Sigmoid stacks with CrossEntropyLoss)
run a written-out forward and backward pass with the kernels autograd itself calls
(:mod:`nnlib.training.speed`); the optimizer's fused kernel is called directly; the losses and
predictions stay on the device until the epoch ends (no ``.item()`` per batch). In float32 the
weights equal the textbook loop's bit for bit. ``TrainConfig.fast`` adds bf16 autocast where
the hardware has it, and ``TrainConfig.threads`` (0: automatic) picks the CPU threads with
:class:`nnlib.training.speed.ThreadPolicy`.

Why a run stopped is a message code (``training.stop_*``) with its numbers, worded by
:attr:`Trainer.stop_reason` from the catalogue.

A split with no classes is a regression: the targets are float32 values, shaped (N, 1) like the
network's one output; the loss is a regression record of the loss registry (MSE, L1, Huber,
SmoothL1); the epoch records carry the validation MSE, MAE and MAPE where a classification's
carry accuracies, and ``predict`` gives predicted and true values.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from nnlib.core import messages
from nnlib.core.device import resolve_device, synchronize
from nnlib.losses.metrics import regression_scores
from nnlib.optimizers import OPTIMIZERS, build_optimizer
from nnlib.training.config import (
    CLASSIFICATION,
    REGRESSION,
    TrainConfig,
    all_training_losses,
    check_loss_task,
)
from nnlib.training.recipes import build_network
from nnlib.training.records import BatchRecord, EpochRecord, Listener, make_train_state
from nnlib.training.speed import (
    FAST_DTYPE,
    FusedStep,
    MLPProgram,
    ThreadPolicy,
    usable_cores,
)

# torch.manual_seed is process-wide; sessions that start runs at the same moment
# must not interleave seeding and weight initialisation.
_SEED_LOCK = threading.Lock()
EVAL_CHUNK = 8192


def warm_up() -> None:
    """Pay PyTorch's one-time costs now: the first optimizer built imports torch._dynamo (~2.5 s)."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


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
        self.task = CLASSIFICATION if self.classes else REGRESSION
        self.regression = self.task == REGRESSION
        check_loss_task(config.loss, self.task)
        self.mean, self.std = getattr(split, "mean", None), getattr(split, "std", None)  # the inputs' scaling
        with _SEED_LOCK:
            torch.manual_seed(config.seed)
            if model is None:
                model = build_network(config.network, tuple(split.train_x.shape[1:]), len(self.classes))
        self.model = model.to(self.device)
        self.loss_fn = all_training_losses()[config.loss].module()
        self.fused = bool(fused and OPTIMIZERS[config.optimizer].supports_fused and self.device.type in ("cpu", "cuda"))
        self.optimizer = build_optimizer(config.optimizer, self.model.parameters(), config.lr,
                                         weight_decay=config.weight_decay, fused=self.fused,
                                         **config.optimizer_hyperparameters())
        self.train_x, self.train_y = self._to_device(split.train_x, split.train_y)
        self.val_x, self.val_y = self._to_device(split.val_x, split.val_y)
        self.test_x, self.test_y = self._to_device(split.test_x, split.test_y)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.listeners: list[Listener] = list(listeners)
        self.state = make_train_state(config)
        if self.regression:
            self.state.update(val_mse=[], val_mae=[], val_mape=[], test_mse=-1, test_mae=-1, test_mape=-1)
        self.history: list[EpochRecord] = []
        self.samples_seen = 0
        self.train_seconds = 0.0
        self.stop_code: str | None = None  # why the run stopped: a training.stop_* message code
        self.stop_details: dict[str, Any] = {}
        self.fast = bool(config.fast)
        self.thread_cap: int | None = None
        self._prepare_loop()

    def _to_device(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.regression:  # (N, 1) float values, the shape of the network's one output
            return x.to(self.device, torch.float32).contiguous(), \
                y.to(self.device, torch.float32).reshape(-1, 1).contiguous()
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
        self._batch_y = torch.empty(size, *self.train_y.shape[1:], dtype=self.train_y.dtype, device=self.device)
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
        return self.stop_code is not None or self.epoch >= self.config.epochs

    @property
    def stop_reason(self) -> str | None:
        """Why the run stopped, in words ("validation accuracy reached 99.00% ≥ 99.00%"), or None."""
        return self.stop_words()

    def stop_words(self, language: str | None = None) -> str | None:
        return None if self.stop_code is None else messages.word(self.stop_code, self.stop_details, language)

    def _stop(self, code: str, **details: Any) -> None:
        self.stop_code, self.stop_details = code, details

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
                if not self.regression:
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
            correct = None if self.regression else (self._predicted == self.train_y[order]).sum()
            synchronize(self.device)
            seconds = time.perf_counter() - started
            self.train_seconds += seconds
            val_loss, val_acc = self.evaluate(self.val_x, self.val_y)
            scores = self.scores("val") if self.regression else None
            train_loss, train_acc = float(loss_sum) / n, None if correct is None else float(correct) / n
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
            **({"val_mse": scores.mse, "val_mae": scores.mae, "val_mape": scores.mape} if scores else {}),
        )
        self._record(record)
        self._emit(record)
        return record

    def _record(self, record: EpochRecord) -> None:
        self.history.append(record)
        state = self.state
        state["epoch_index"] = record.epoch_index
        keys = ("train_loss", "val_loss", "val_mse", "val_mae", "val_mape") if self.regression else \
            ("train_loss", "train_acc", "val_loss", "val_acc")
        for key in keys:
            state[key].append(getattr(record, key))
        config = self.config
        if record.val_loss < state["early_stopping_best_val"]:
            state["early_stopping_best_val"] = record.val_loss
            state["early_stopping_step"] = 0
        else:
            state["early_stopping_step"] += 1
        if config.target_loss is not None and record.val_loss <= config.target_loss:
            self._stop("training.stop_target_loss", val_loss=record.val_loss, target=config.target_loss)
        elif config.target_accuracy is not None and record.val_acc is not None and \
                record.val_acc >= config.target_accuracy:
            self._stop("training.stop_target_accuracy", val_acc=record.val_acc, target=config.target_accuracy)
        elif config.patience is not None and state["early_stopping_step"] >= config.patience:
            self._stop("training.stop_patience", count=config.patience)
        state["stop_early"] = self.stop_code is not None
        if self.stop_code is None and record.epoch_index >= config.epochs:
            self._stop("training.stop_all_epochs", count=config.epochs)

    def run(self, epochs: int | None = None, should_pause: Callable[[], bool] | None = None) -> list[EpochRecord]:
        """Train until finished, ``epochs`` more epochs, or ``should_pause()`` says so."""
        done: list[EpochRecord] = []
        while not self.finished and (epochs is None or len(done) < epochs):
            if should_pause is not None and should_pause():
                break
            done.append(self.run_epoch())
        if self.finished and self.state["test_loss"] == -1:
            self.test()
        return done

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float | None]:
        """Mean loss and accuracy (None for a regression) in eval mode, in chunks so memory stays bounded."""
        was_training = self.model.training
        self.model.eval()
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        for start in range(0, len(x), EVAL_CHUNK):
            logits = self.model(x[start:start + EVAL_CHUNK])
            target = y[start:start + EVAL_CHUNK]
            loss_sum += self.loss_fn(logits, target) * len(target)
            if not self.regression:
                correct += (logits.argmax(dim=1) == target).sum()
        self.model.train(was_training)
        n = max(len(x), 1)
        return float(loss_sum) / n, None if self.regression else float(correct) / n

    def test(self) -> tuple[float, float | None]:
        loss, acc = self.evaluate(self.test_x, self.test_y)
        if self.regression:  # no accuracy: test_acc stays -1, as the course's train state starts it
            scores = self.scores("test")
            self.state.update(test_mse=scores.mse, test_mae=scores.mae, test_mape=scores.mape)
        else:
            self.state["test_acc"] = acc
        self.state["test_loss"] = loss  # last: a reader that sees it sees the test's other numbers too
        return loss, acc

    def _part(self, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        return {"train": (self.train_x, self.train_y), "val": (self.val_x, self.val_y),
                "test": (self.test_x, self.test_y)}[part]

    @torch.no_grad()
    def outputs(self, x: torch.Tensor) -> torch.Tensor:
        """The network's outputs for inputs already on the device (and scaled), in eval mode, in chunks."""
        was_training = self.model.training
        self.model.eval()
        out = torch.cat([self.model(x[s:s + EVAL_CHUNK]) for s in range(0, len(x), EVAL_CHUNK)])
        self.model.train(was_training)
        return out

    @torch.no_grad()
    def predict(self, part: str = "test") -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted, true) on the CPU for "train", "val" or "test": class indices, or for a regression
        the (N,) predicted and true values (a predicted-vs-true scatter; residuals are true − predicted)."""
        x, y = self._part(part)
        out = self.outputs(x)
        if self.regression:
            return out.reshape(-1).float().cpu(), y.reshape(-1).cpu()
        return out.argmax(dim=1).cpu(), y.cpu()

    def scores(self, part: str = "val") -> Any:
        """A regression's MSE, MAE and MAPE on "train", "val" or "test"
        (:class:`~nnlib.losses.metrics.RegressionScores`)."""
        predicted, true = self.predict(part)
        return regression_scores(predicted, true)

    def summary(self) -> dict[str, Any]:
        """The numbers a run is judged by (the CLI's JSON line)."""
        last = self.history[-1] if self.history else None
        state = self.state

        def tested(key: str) -> float | None:
            value = state.get(key, -1)
            return None if value is None or value == -1 or not math.isfinite(value) else value

        def last_of(key: str) -> float | None:
            value = getattr(last, key) if last else None
            return None if value is None or not math.isfinite(value) else value

        return {
            "dataset": self.config.dataset,
            "task": self.task,
            "loss": self.config.loss,
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
            "test_acc": None if self.regression else self.state["test_acc"],
            "val_mse": last_of("val_mse"),
            "val_mae": last_of("val_mae"),
            "val_mape": last_of("val_mape"),  # None where a target is 0 (MAPE is infinite there)
            "test_mse": tested("test_mse"),
            "test_mae": tested("test_mae"),
            "test_mape": tested("test_mape"),
            "stop_reason": self.stop_reason,
        }

    def weights(self) -> dict[str, torch.Tensor]:
        """The trained weights on the CPU, ready for torch.save (load with weights_only=True)."""
        return {name: tensor.detach().cpu().clone() for name, tensor in self.model.state_dict().items()}

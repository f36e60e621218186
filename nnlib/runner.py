"""Training in the background, fairly shared by everyone on one server.

A :class:`BackgroundRun` drives one :class:`~nnlib.training.Trainer` in its own
thread so a page can redraw, pause, resume, step or stop while it trains, and a
student can leave the page and come back to the same run. :class:`RunSlots`
is the server-wide queue: at most ``concurrent_runs`` runs train at once, the
rest wait in arrival order and can see their place.

PyTorch's CPU thread pool is process-wide, so "threads per run" is set for the
whole process each time a run starts an epoch: the configured number, or, when
``threads_per_run`` is 0, the cores shared equally among the runs training now.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from nnlib.errors import InputError
from nnlib.insights import dead_relu_units, weight_grad_norms
from nnlib.settings import get_settings
from nnlib.training import BatchRecord, EpochRecord, Trainer


class RunSlots:
    """A fair (first come, first served) limit on how many runs train at once."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self._condition = threading.Condition()
        self._waiting: deque[int] = deque()
        self._active: set[int] = set()
        self._tickets = itertools.count(1)

    def ticket(self) -> int:
        with self._condition:
            number = next(self._tickets)
            self._waiting.append(number)
            return number

    def position(self, ticket: int) -> int:
        """0 when training, else the 1-based place in the queue (-1 when unknown)."""
        with self._condition:
            if ticket in self._active:
                return 0
            try:
                return self._waiting.index(ticket) + 1
            except ValueError:
                return -1

    def acquire(self, ticket: int, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Block until this ticket may train; False if it was cancelled while waiting."""
        with self._condition:
            while not (self._waiting and self._waiting[0] == ticket and len(self._active) < self.limit):
                if cancelled():
                    self._waiting.remove(ticket)
                    self._condition.notify_all()
                    return False
                self._condition.wait(timeout=0.2)
            self._waiting.popleft()
            self._active.add(ticket)
            self._condition.notify_all()
            return True

    def release(self, ticket: int) -> None:
        with self._condition:
            self._active.discard(ticket)
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._condition.notify_all()

    @property
    def active(self) -> int:
        with self._condition:
            return len(self._active)

    @property
    def waiting(self) -> int:
        with self._condition:
            return len(self._waiting)


_SHARED_SLOTS: RunSlots | None = None
_SHARED_LOCK = threading.Lock()


def shared_slots() -> RunSlots:
    """The one queue every session on this server shares."""
    global _SHARED_SLOTS
    with _SHARED_LOCK:
        if _SHARED_SLOTS is None:
            _SHARED_SLOTS = RunSlots(get_settings().concurrent_runs)
        return _SHARED_SLOTS


def threads_for(active_runs: int) -> int:
    """Threads each run gets: the configured cap, or the cores shared among active runs."""
    configured = get_settings().threads_per_run
    if configured > 0:
        return configured
    return max(1, (os.cpu_count() or 1) // max(1, active_runs))


INSIGHT_SAMPLES = 512  # validation samples the dead-unit count looks at after each epoch


class _Stop(Exception):
    """Raised inside the training thread to end a run between two batches."""


@dataclass
class Progress:
    """What a page draws from; copied out under the run's lock."""

    status: str = "ready"  # ready, queued, running, paused, finished, stopped, failed
    epoch: int = 0
    batch: int = 0
    batches: int = 0
    samples_per_s: float = 0.0
    queue_position: int = 0
    queued_seconds: float = 0.0
    batch_losses: list[tuple[float, float]] = field(default_factory=list)  # (epoch + batch fraction, loss)
    # (epoch + batch fraction, layer name, ||dL/dW||) sampled with the batch losses
    grad_norms: list[tuple[float, str, float]] = field(default_factory=list)
    # (epoch, ReLU position, dead units, units) measured on validation data after each epoch
    dead_units: list[tuple[int, int, int, int]] = field(default_factory=list)
    message: str | None = None


class BackgroundRun:
    """One student's training run in a thread: start, pause, resume, step, stop."""

    BATCH_SAMPLE_SECONDS = 0.2  # read a batch loss at most this often (reading forces a sync)
    MAX_BATCH_POINTS = 2000

    def __init__(self, trainer: Trainer, slots: RunSlots | None = None) -> None:
        self.trainer = trainer
        self.slots = slots or shared_slots()
        self._lock = threading.Lock()
        self._resume = threading.Event()
        self._resume.set()
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._ticket: int | None = None
        self._progress = Progress(batches=trainer.batches_per_epoch, epoch=trainer.epoch)
        self._last_sample = 0.0
        self._epoch_started = 0.0
        trainer.listeners.append(self._on_record)

    # -- control (called from the page's thread)
    def start(self, epochs: int | None = None) -> None:
        """Train until finished (or ``epochs`` more epochs) in the background."""
        if self.is_alive or self.trainer.finished:
            return
        self._stop_requested = False
        self._resume.set()
        self._ticket = self.slots.ticket()
        with self._lock:
            self._progress.status = "queued"
            self._progress.message = None
        self._thread = threading.Thread(target=self._work, args=(epochs,), name="nnlib-training", daemon=True)
        self._thread.start()

    def step_epoch(self) -> None:
        self.start(epochs=1)

    def pause(self) -> None:
        if self.is_alive:
            self._resume.clear()
            with self._lock:
                if self._progress.status == "running":
                    self._progress.status = "paused"

    def resume(self) -> None:
        if self.is_alive:
            self._resume.set()
            with self._lock:
                if self._progress.status == "paused":
                    self._progress.status = "running"
        else:
            self.start()

    def stop(self) -> None:
        self._stop_requested = True
        self._resume.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends (tests, CLI); True if it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_alive

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def progress(self) -> Progress:
        with self._lock:
            snapshot = Progress(**{
                **self._progress.__dict__,
                "batch_losses": list(self._progress.batch_losses),
                "grad_norms": list(self._progress.grad_norms),
                "dead_units": list(self._progress.dead_units),
            })
        if snapshot.status == "queued" and self._ticket is not None:
            snapshot.queue_position = self.slots.position(self._ticket)
        return snapshot

    def history(self) -> list[EpochRecord]:
        return list(self.trainer.history)

    # -- the training thread
    def _work(self, epochs: int | None) -> None:
        ticket = self._ticket
        queued_at = time.perf_counter()
        if not self.slots.acquire(ticket, cancelled=lambda: self._stop_requested):
            self._set(status="stopped", message="Stopped while waiting in the queue.")
            return
        try:
            self._set(status="running", queued_seconds=time.perf_counter() - queued_at)
            self._epoch_started = time.perf_counter()
            self._set_threads()
            self.trainer.run(epochs=epochs, should_pause=self._should_end)
            if self.trainer.finished:
                self._set(status="finished", message=self.trainer.stop_reason)
            elif self._stop_requested:
                self._set(status="stopped")
            else:
                self._set(status="ready")
        except _Stop:
            self._set(status="stopped", message="Stopped during an epoch; its partial updates are kept.")
        except InputError as error:
            self._set(status="failed", message=error.message)
        except Exception as error:  # a run must never take the server down; say what happened
            traceback.print_exc()
            self._set(status="failed", message=f"Training failed: {type(error).__name__}: {error}")
        finally:
            self.slots.release(ticket)

    def _set_threads(self) -> None:
        """Resize PyTorch's thread pool only when the share changes (resizing is not free)."""
        wanted = threads_for(self.slots.active)
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)

    def _should_end(self) -> bool:
        """Between epochs: wait out a pause, then say whether to stop."""
        if not self._resume.is_set():
            self._resume.wait()
            if not self._stop_requested:
                self._set(status="running")
        return self._stop_requested

    def _wait_if_paused(self) -> None:
        """Between batches: wait out a pause; end the run mid-epoch if asked to stop."""
        if not self._resume.is_set():
            self._resume.wait()
            if not self._stop_requested:
                self._set(status="running")
        if self._stop_requested:
            raise _Stop

    def _on_record(self, record: BatchRecord | EpochRecord) -> None:
        now = time.perf_counter()
        if isinstance(record, EpochRecord):
            self._set_threads()
            dead = dead_relu_units(self.trainer.model, self.trainer.val_x[:INSIGHT_SAMPLES])
            with self._lock:
                self._progress.epoch = record.epoch_index
                self._progress.samples_per_s = record.samples_per_s
                self._progress.dead_units.extend((record.epoch_index, d.index, d.dead, d.total) for d in dead)
            self._epoch_started = now
            return
        if not self._resume.is_set() or self._stop_requested:
            self._wait_if_paused()
        if now - self._last_sample >= self.BATCH_SAMPLE_SECONDS or record.batch == record.batches:
            self._last_sample = now
            loss = record.loss
            # After step() the .grad fields still hold this batch's gradients.
            norms = weight_grad_norms(self.trainer.model)
            with self._lock:
                progress = self._progress
                progress.epoch = record.epoch - 1
                progress.batch, progress.batches = record.batch, record.batches
                elapsed = now - self._epoch_started
                if elapsed > 0:
                    done = min(record.batch * self.trainer.batch_size, len(self.trainer.train_x))
                    progress.samples_per_s = done / elapsed
                at = record.epoch - 1 + record.batch / record.batches
                progress.batch_losses.append((at, loss))
                progress.grad_norms.extend((at, f"{n.index}: {n.name}", n.norm) for n in norms)
                if len(progress.batch_losses) > self.MAX_BATCH_POINTS:
                    # keep the whole run, at half the resolution
                    del progress.batch_losses[::2]
                    kept = {t for t, _ in progress.batch_losses}
                    progress.grad_norms[:] = [g for g in progress.grad_norms if g[0] in kept]

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self._progress, name, value)

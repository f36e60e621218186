"""Training in the background, fairly shared by everyone on one server.

A :class:`BackgroundRun` drives one or more :class:`~nnlib.training.Trainer`\\ s (a
Race has two, trained epoch by epoch in turn) in one thread, so a page can redraw,
pause, resume, step or stop while it trains. :class:`RunSlots` is the server-wide
queue: at most ``concurrent_runs`` runs train at once, the rest wait in arrival
order and can see their place. A paused run gives its slot back and queues again
when resumed. Nothing heavy (model, optimizer, data on the device) is built before
a run has its slot.

:class:`RunBoard` is the server's list of runs and whose they are: a run belongs to
a student (an owner key the page derives from the browser), can be found again from
another tab or after a reload, counts against that student's limit, and is paused,
stopped and finally forgotten when its student is no longer seen.

CPU threads: each run's trainer gets a cap (``Trainer.thread_cap``), set whenever the
run gets its slot and after every epoch: ``threads_per_run`` when it is set, else the
cores shared equally among the runs training now. Within the cap the trainer's own
:class:`~nnlib.training.speed.ThreadPolicy` (or the config's fixed count) picks the count.

Statuses and stop reasons are :class:`RunMessage` records: a ``training.*`` code and its
details, worded from the catalogue in the language asked for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import secrets
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.settings import Settings, get_settings
from nnlib.training.config import TrainConfig
from nnlib.training.insights import dead_relu_units, weight_grad_norms
from nnlib.training.recipes import planned_work
from nnlib.training.records import BatchRecord, EpochRecord
from nnlib.training.speed import usable_cores
from nnlib.training.trainer import Trainer


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
    return max(1, usable_cores() // max(1, active_runs))


INSIGHT_SAMPLES = 512  # validation samples the dead-unit count looks at after each epoch

# A run's states. "Alive" ones have a thread: queued, running, paused.
READY, QUEUED, RUNNING, PAUSED = "ready", "queued", "running", "paused"
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
IN_PROGRESS = (QUEUED, RUNNING, PAUSED)

# Why a run stopped or paused without the student pressing Stop: training.* message codes.
# Those with a limit take its length as the detail ``seconds`` (worded as a duration).
STOPPED_IN_QUEUE = "training.stopped_in_queue"
STOPPED_MID_EPOCH = "training.stopped_mid_epoch"
TIME_LIMIT = "training.time_limit"
IDLE_STOPPED = "training.idle_stopped"
PAUSE_LIMIT = "training.pause_limit"
IDLE_PAUSED = "training.idle_paused"
SERVER_SHUTDOWN = "training.server_shutdown"
FAILED_UNEXPECTEDLY = "training.failed"


def duration_text(seconds: float, language: str | None = None) -> str:
    """A limit as people say it: "45 seconds", "1 minute", "2 minutes", "1.5 hours"."""
    unit, value = "seconds", round(seconds, 1)
    for name, size in (("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            unit, value = name, round(seconds / size, 1)
            break
    if float(value).is_integer():  # whole: the catalogue's plural forms pick "1 minute" / "2 minutes"
        return messages.word(f"training.duration_{unit}", {"count": int(value)}, language)
    # A fraction takes no plural rule of gettext's (they count whole things): one entry of its own.
    return messages.word(f"training.duration_{unit}_fraction", {"value": value}, language)


def status_words(status: str, language: str | None = None) -> str:
    """A run's status as a student reads it: "running" (training.status_running), "выполняется"."""
    return messages.word(f"training.status_{status}", None, language)


class RunStatus(str):
    """A status handed to a message as a detail: the status itself, worded in the language the
    message is read in (the current one) when the message is formatted."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return format(status_words(str(self)), spec)


@dataclass(frozen=True)
class RunMessage:
    """A status or stop reason: a message code and its details, worded in any language."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: InputError) -> RunMessage:
        return cls(error.code, {**error.details, "_words": error.message})

    def words(self, language: str | None = None) -> str:
        details = dict(self.details)
        if messages.template(self.code, language) is None and "_words" in details:
            return details["_words"]  # an error from a concept still on the old inline wording
        if "seconds" in details:
            details["duration"] = duration_text(details["seconds"], language)
        return messages.word(self.code, details, language)


class _Stop(Exception):
    """Raised inside the training thread to end a run between two batches."""


@dataclass
class Progress:
    """What a page draws from; copied out under the run's lock."""

    status: str = READY  # ready, queued, running, paused, finished, stopped, failed
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
    note: RunMessage | None = None  # why the run stopped, paused or failed

    @property
    def message(self) -> str | None:
        """The note in English words (a page in another language calls ``note.words(language)``)."""
        return self.note.words() if self.note is not None else None


@dataclass
class PlannedTrainer:
    """A trainer to build once its run has a training slot: config, data and a label."""

    config: TrainConfig
    split: Any
    label: str = ""

    def build(self) -> Trainer:
        return Trainer(self.config, self.split)


class Leg:
    """One trainer inside a run, with its own live records."""

    def __init__(self, plan: Trainer | PlannedTrainer, owner: BackgroundRun) -> None:
        self._run = owner
        self.progress = Progress()
        self.last_sample = 0.0
        self.epoch_started = 0.0
        if isinstance(plan, Trainer):
            self.trainer: Trainer | None = None
            self.plan: PlannedTrainer | None = None
            self.config = plan.config
            self.label = ""
            self._attach(plan)
        else:
            self.trainer = None
            self.plan = plan
            self.config = plan.config
            self.label = plan.label
        self.split = getattr(plan, "split", None)  # the data it trains on, for the page's results

    def _attach(self, trainer: Trainer) -> None:
        trainer.listeners.append(lambda record: self._run._on_record(self, record))
        self.progress.batches, self.progress.epoch = trainer.batches_per_epoch, trainer.epoch
        self.trainer = trainer

    def build(self) -> None:
        if self.trainer is None and self.plan is not None:
            self._attach(self.plan.build())
            self.plan = None

    @property
    def epoch(self) -> int:
        return self.trainer.epoch if self.trainer is not None else 0

    @property
    def finished(self) -> bool:
        return self.trainer is not None and self.trainer.finished

    def history(self) -> list[EpochRecord]:
        return list(self.trainer.history) if self.trainer is not None else []


class BackgroundRun:
    """One student's training run in a thread: start, pause, resume, step, stop.

    Give it a built :class:`Trainer` (tests, the CLI), or :class:`PlannedTrainer`\\ s
    (the page): those are built only once the run has its slot. Several legs train in
    turn, one epoch each, in the one slot (a Race).
    """

    BATCH_SAMPLE_SECONDS = 0.2  # read a batch loss at most this often (reading forces a sync)
    MAX_BATCH_POINTS = 2000

    def __init__(self, *plans: Trainer | PlannedTrainer, slots: RunSlots | None = None,
                 max_seconds: float | None = None) -> None:
        if not plans:
            raise ValueError("A run needs at least one trainer.")
        self.slots = slots or shared_slots()
        self.max_seconds = float(get_settings().max_run_seconds if max_seconds is None else max_seconds)
        self.legs = [Leg(plan, self) for plan in plans]
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._resume = threading.Event()
        self._resume.set()
        self._stop_requested = False
        self._stop_code: str | None = None
        self._pause_after_epoch = False
        self._thread: threading.Thread | None = None
        self._ticket: int | None = None
        self._status = READY
        self._message: RunMessage | None = None
        self._queued_seconds = 0.0
        self._trained_seconds = 0.0  # training time so far, queue and pauses not counted
        self._training_since: float | None = None
        self.paused_since: float | None = None
        self.created = time.monotonic()
        # Called from the training thread after every epoch and once when the run ends (the class
        # database learns about a run even when its tab is closed); an observer must be quick.
        self.observers: list[Callable[[BackgroundRun], None]] = []

    # -- what a page reads
    @property
    def trainer(self) -> Trainer | None:
        """The first leg's trainer (None until the run has had its slot)."""
        return self.legs[0].trainer

    @property
    def config(self) -> TrainConfig:
        return self.legs[0].config

    @property
    def epoch(self) -> int:
        return self.legs[0].epoch

    @property
    def finished(self) -> bool:
        return all(leg.finished for leg in self.legs)

    @property
    def started(self) -> bool:
        """Whether anything was trained or asked to train (the settings are then locked)."""
        return self._thread is not None

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def progress(self, leg: int = 0) -> Progress:
        """A copy of one leg's live records, with the run's status, queue place and message."""
        part = self.legs[leg]
        with self._lock:
            snapshot = Progress(**{
                **part.progress.__dict__,
                "batch_losses": list(part.progress.batch_losses),
                "grad_norms": list(part.progress.grad_norms),
                "dead_units": list(part.progress.dead_units),
                "status": self._status,
                "note": self._message,
                "queued_seconds": self._queued_seconds,
            })
        if snapshot.status == QUEUED and self._ticket is not None:
            snapshot.queue_position = self.slots.position(self._ticket)
        return snapshot

    def history(self, leg: int = 0) -> list[EpochRecord]:
        return self.legs[leg].history()

    def trained_seconds(self) -> float:
        with self._lock:
            running = time.monotonic() - self._training_since if self._training_since is not None else 0.0
            return self._trained_seconds + running

    # -- control (called from the page's thread, or the board's sweeper)
    def start(self, epochs: int | None = None) -> None:
        """Train until finished (or ``epochs`` more epochs per leg) in the background."""
        with self._start_lock:  # two tabs pressing at once must not start two threads on one model
            if self.is_alive or self.finished:
                return
            self._stop_requested = False
            self._stop_code = None
            self._pause_after_epoch = False
            self._resume.set()
            self._ticket = self.slots.ticket()
            self._set(_status=QUEUED, _message=None)
            self._thread = threading.Thread(target=self._work, args=(epochs,), name="nnlib-training", daemon=True)
            self._thread.start()

    def step_epoch(self) -> None:
        """One more epoch, then wait; from a pause, the epoch under way is finished instead."""
        if self.is_alive:
            if self.status == PAUSED:
                self._pause_after_epoch = True
                self.resume()
            return
        self.start(epochs=1)

    def pause(self, code: str | None = None, **details: Any) -> None:
        """Pause between two batches; the slot is given back until :meth:`resume`."""
        if self.is_alive and self._resume.is_set():
            self._resume.clear()
            with self._lock:
                if code is not None:
                    self._message = RunMessage(code, details)
                if self._status == QUEUED:  # not training yet: pause right away, leave the queue
                    self._status = PAUSED
                    self.paused_since = time.monotonic()

    def resume(self) -> None:
        if self.is_alive:
            with self._lock:
                self._message = None
            self._resume.set()
        else:
            self.start()

    def request_stop(self, code: str | None = None, **details: Any) -> None:
        """Ask the run to end between two batches, without waiting for it."""
        if code is not None:
            self._stop_code = code
            with self._lock:
                self._message = RunMessage(code, details)
        self._stop_requested = True
        self._resume.set()

    def stop(self, code: str | None = None, **details: Any) -> None:
        self.request_stop(code, **details)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends (tests, CLI); True if it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_alive

    # -- the training thread
    def _acquire(self) -> bool:
        """Queue for a slot (the run's status is QUEUED); False if stopped while waiting."""
        queued_at = time.monotonic()
        ticket = self._ticket
        if ticket is None:
            ticket = self._ticket = self.slots.ticket()
        while True:
            got = self.slots.acquire(ticket, cancelled=lambda: self._stop_requested or not self._resume.is_set())
            if got:
                break
            if self._stop_requested:
                self._ticket = None
                return False
            # Paused while queued: wait out the pause outside the queue, then queue again.
            self._wait_out_pause()
            if self._stop_requested:
                self._ticket = None
                return False
            ticket = self._ticket = self.slots.ticket()
            self._set(_status=QUEUED)
        with self._lock:
            self._queued_seconds += time.monotonic() - queued_at
            self._status = RUNNING
            self._training_since = time.monotonic()
        return True

    def _release(self) -> None:
        if self._ticket is not None:
            self.slots.release(self._ticket)
            self._ticket = None
        with self._lock:
            if self._training_since is not None:
                self._trained_seconds += time.monotonic() - self._training_since
                self._training_since = None

    def _wait_out_pause(self) -> None:
        with self._lock:
            self._status = PAUSED
            if self.paused_since is None:
                self.paused_since = time.monotonic()
        self._resume.wait()
        self.paused_since = None

    def _checkpoint(self) -> None:
        """Between batches and epochs: stop if asked or over time; sit out a pause without a slot."""
        if self._stop_requested:
            raise _Stop
        if self.trained_seconds() > self.max_seconds:
            self.request_stop(TIME_LIMIT, seconds=self.max_seconds)
            raise _Stop
        if not self._resume.is_set():
            self._release()
            self._wait_out_pause()
            if self._stop_requested:
                raise _Stop
            self._set(_status=QUEUED)
            if not self._acquire():
                raise _Stop
            self._set_threads()

    def _work(self, epochs: int | None) -> None:
        done = [0] * len(self.legs)
        try:
            if not self._acquire():
                self._end(STOPPED, self._stopped_message(STOPPED_IN_QUEUE))
                return
            for leg in self.legs:
                leg.build()
            self._set_threads()
            while True:
                todo = [i for i, leg in enumerate(self.legs)
                        if not leg.finished and (epochs is None or done[i] < epochs)]
                if not todo:
                    break
                for index in todo:
                    self._checkpoint()
                    leg = self.legs[index]
                    leg.epoch_started = time.perf_counter()
                    leg.trainer.run(epochs=1)
                    done[index] += 1
                    if self._pause_after_epoch:
                        self._pause_after_epoch = False
                        self.pause()
            if self.finished:
                trainer = self.legs[0].trainer
                self._end(FINISHED, RunMessage(trainer.stop_code, trainer.stop_details) if trainer.stop_code else None)
            else:
                self._end(READY)
        except _Stop:
            self._end(STOPPED, self._stopped_message(STOPPED_MID_EPOCH))
        except InputError as error:
            self._end(FAILED, RunMessage.from_error(error))
        except Exception as error:  # a run must never take the server down; say what happened
            traceback.print_exc()
            self._end(FAILED, RunMessage(FAILED_UNEXPECTEDLY, {"error_type": type(error).__name__,
                                                               "error": str(error)[:500]}))
        finally:
            self._release()

    def _end(self, status: str, message: RunMessage | None = None) -> None:
        """The thread's last word; ``message`` None keeps one a stop request already set."""
        with self._lock:
            self._status = status
            if message is not None:
                self._message = message
            self.paused_since = None
        self._tell_observers()

    def _tell_observers(self) -> None:
        for observer in list(self.observers):
            try:
                observer(self)
            except Exception:  # an observer (the class database, say) must never stop a run
                traceback.print_exc()

    def _stopped_message(self, default_code: str) -> RunMessage | None:
        # A stop with a reason (time limit, idle, pause limit) has set its message already.
        return None if self._stop_code else RunMessage(default_code)

    def _set_threads(self) -> None:
        """Cap each leg's CPU threads at this run's share of the cores (the trainer picks within it)."""
        cap = threads_for(self.slots.active)
        for leg in self.legs:
            if leg.trainer is not None:
                leg.trainer.thread_cap = cap

    def _on_record(self, leg: Leg, record: BatchRecord | EpochRecord) -> None:
        now = time.perf_counter()
        trainer = leg.trainer
        if isinstance(record, EpochRecord):
            self._set_threads()
            dead = dead_relu_units(trainer.model, trainer.val_x[:INSIGHT_SAMPLES]) if len(trainer.val_x) else []
            with self._lock:
                leg.progress.epoch = record.epoch_index
                leg.progress.samples_per_s = record.samples_per_s
                leg.progress.dead_units.extend((record.epoch_index, d.index, d.dead, d.total) for d in dead)
            leg.epoch_started = now
            self._tell_observers()
            return
        self._checkpoint()
        if now - leg.last_sample >= self.BATCH_SAMPLE_SECONDS or record.batch == record.batches:
            leg.last_sample = now
            loss = record.loss
            # After step() the .grad fields still hold this batch's gradients.
            norms = weight_grad_norms(trainer.model)
            with self._lock:
                progress = leg.progress
                progress.epoch = record.epoch - 1
                progress.batch, progress.batches = record.batch, record.batches
                elapsed = now - leg.epoch_started
                if elapsed > 0:
                    done = min(record.batch * trainer.batch_size, len(trainer.train_x))
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
                setattr(self, name, value)


# ------------------------------------------------------------------ whose runs


def check_run_work(plans: Iterable[PlannedTrainer], settings: Settings | None = None) -> int:
    """Refuse a run whose work (epochs x parameters x (samples + batches)) is over the server's cap."""
    settings = settings or get_settings()
    total = 0
    for plan in plans:
        total += planned_work(plan.config, plan.split)
    if total > settings.max_run_work:
        raise InputError("training.run_too_big", work=total, limit=settings.max_run_work)
    return total


@dataclass
class BoardEntry:
    token: str
    owner: str
    kind: str  # "train" or "race"
    run: BackgroundRun
    last_seen: float


class RunBoard:
    """The server's runs and their students: find again, limit, pause the forgotten, forget the gone.

    ``owner`` is an opaque key for a student (the page derives it from the browser).
    Times are ``time.monotonic()`` seconds; tests pass ``now``.
    """

    SWEEP_SECONDS = 5.0

    def __init__(self, settings: Settings | None = None, *, start_sweeper: bool = True) -> None:
        self.settings = settings or get_settings()
        self._lock = threading.Lock()
        self._entries: dict[str, BoardEntry] = {}
        self._seen: dict[str, float] = {}
        self._start_sweeper = start_sweeper
        self._sweeper: threading.Thread | None = None
        self.dropped = 0  # entries forgotten so far (tests, the benchmark)

    # -- starting and finding
    def start(self, owner: str, kind: str, run: BackgroundRun, epochs: int | None = None,
              now: float | None = None) -> str:
        """Start (or go on with) a run of ``owner`` and return its token; refuses one over the limit.

        Checking the limit and starting happen under one lock, so two tabs of one student
        pressing Start at the same moment get one run, not two.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            token = next((t for t, e in self._entries.items() if e.run is run), None)
            busy = [e for e in self._entries.values()
                    if e.owner == owner and e.run.in_progress and e.run is not run]
            if len(busy) >= self.settings.runs_per_student:
                kind = busy[0].kind if busy[0].kind in ("train", "race") else "run"
                raise InputError(f"training.busy_with_{kind}", limit=self.settings.runs_per_student,
                                 kind=busy[0].kind, status=RunStatus(busy[0].run.status))
            if token is None:
                token = secrets.token_urlsafe(12)
                self._entries[token] = BoardEntry(token, owner, kind, run, now)
            self._entries[token].last_seen = self._seen[owner] = now
            run.start(epochs)
        self._ensure_sweeper()
        return token

    def find(self, token: str | None, owner: str) -> BoardEntry | None:
        """The entry for a token, only for the student who owns it."""
        with self._lock:
            entry = self._entries.get(token or "")
            return entry if entry is not None and entry.owner == owner else None

    def latest(self, owner: str, kind: str) -> BoardEntry | None:
        """The student's newest run of this kind (another tab, a reload without the token)."""
        with self._lock:
            mine = [e for e in self._entries.values() if e.owner == owner and e.kind == kind]
        return max(mine, key=lambda e: e.run.created) if mine else None

    def touch(self, owner: str, now: float | None = None) -> None:
        """The student is here (a page ran, or a live panel ticked)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._seen[owner] = now
            for entry in self._entries.values():
                if entry.owner == owner:
                    entry.last_seen = now

    def drop(self, run: BackgroundRun) -> None:
        """Forget a run (the student pressed Reset, or its results gave way to newer ones)."""
        with self._lock:
            tokens = [t for t, e in self._entries.items() if e.run is run]
            for token in tokens:
                del self._entries[token]
        run.request_stop()

    def token_of(self, run: BackgroundRun) -> str | None:
        with self._lock:
            return next((t for t, e in self._entries.items() if e.run is run), None)

    def has_live_run(self, owner: str) -> bool:
        with self._lock:
            return any(e.owner == owner and e.run.in_progress for e in self._entries.values())

    def entries(self) -> list[BoardEntry]:
        with self._lock:
            return list(self._entries.values())

    # -- forgetting
    def sweep(self, now: float | None = None) -> int:
        """Pause, stop and forget runs whose students are gone; returns how many were forgotten."""
        now = time.monotonic() if now is None else now
        s = self.settings
        forgotten: list[BoardEntry] = []
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            run, away = entry.run, now - entry.last_seen
            status = run.status
            if status in IN_PROGRESS and away >= s.idle_stop_seconds:
                run.request_stop(IDLE_STOPPED, seconds=s.idle_stop_seconds)
            elif status in (QUEUED, RUNNING) and away >= s.idle_pause_seconds:
                run.pause(IDLE_PAUSED, seconds=s.idle_pause_seconds)
            elif status == PAUSED and run.paused_since is not None and \
                    now - run.paused_since >= s.pause_limit_seconds:
                run.request_stop(PAUSE_LIMIT, seconds=s.pause_limit_seconds)
            elif status not in IN_PROGRESS and away >= s.keep_results_seconds:
                forgotten.append(entry)
        if forgotten:
            with self._lock:
                for entry in forgotten:
                    self._entries.pop(entry.token, None)
                live_owners = {e.owner for e in self._entries.values()}
                for owner, seen in list(self._seen.items()):
                    if owner not in live_owners and now - seen >= s.keep_results_seconds:
                        del self._seen[owner]
            self.dropped += len(forgotten)
            forgotten.clear()
            give_memory_back()
        return self.dropped

    def _ensure_sweeper(self) -> None:
        if not self._start_sweeper:
            return
        with self._lock:
            if self._sweeper is not None and self._sweeper.is_alive():
                return
            self._sweeper = threading.Thread(target=self._sweep_forever, name="nnlib-run-sweeper", daemon=True)
            self._sweeper.start()

    def _sweep_forever(self) -> None:
        # Often enough that a run is paused close to idle_pause_seconds, never busily.
        period = min(self.SWEEP_SECONDS, max(0.5, self.settings.idle_pause_seconds / 4))
        while True:
            time.sleep(period)
            try:
                self.sweep()
            except Exception:  # the sweeper must outlive any one bad run
                traceback.print_exc()


_BOARD: RunBoard | None = None


def shared_board() -> RunBoard:
    """The one board every session on this server shares."""
    global _BOARD
    with _SHARED_LOCK:
        if _BOARD is None:
            _BOARD = RunBoard()
        return _BOARD


def give_memory_back() -> None:
    """Collect dropped runs' cycles and hand freed heap pages back to the operating system.

    glibc keeps freed memory in its arenas; ``malloc_trim`` returns what it can, so a class
    server's memory goes back down after a class leaves. A no-op where there is no glibc.
    """
    gc.collect()
    _malloc_trim()


def _malloc_trim() -> None:
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)

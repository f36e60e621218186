"""What makes a run fast: the fast mode, the thread policy, and the trainer's lean inner loop.

- **Fast mode** (:func:`fast_mode_support`): the forward pass and the loss under
  ``torch.autocast`` in bfloat16 on a CPU with native bf16 instructions (AVX-512 BF16 or
  AMX) or an NVIDIA GPU with bf16; the weights and the optimizer stay in float32. Refused,
  with the reason, where the hardware lacks it (bf16 emulated in software is slower, not faster).
- **Threads** (:class:`ThreadPolicy`): how many CPU threads a run uses, chosen from the speed
  it measures, so a run never collapses when other programs want the same cores.
- **The inner loop** (:class:`MLPProgram`, :class:`FusedStep`): for the course's networks
  (Flatten, Linear and ReLU/Tanh/Sigmoid layers with CrossEntropyLoss) the forward and
  backward pass written out with the very kernels autograd would call, into buffers reused
  from batch to batch, and the fused optimizer kernel called directly. The weights come
  out bit for bit as from the textbook loop; only the bookkeeping around the kernels is gone.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnlib.core import messages
from nnlib.core.errors import InputError

FAST_DTYPE = torch.bfloat16
# What a fast-mode switch says: message codes, worded in locales/<language>/LC_MESSAGES/training.po.
FAST_MODE_LABEL = "training.fast_mode_label"
FAST_MODE_HELP = "training.fast_mode_help"


# ---------------------------------------------------------------- fast mode


@dataclass(frozen=True)
class FastModeSupport:
    """Whether the fast mode can run on a device, and why (for a switch's label and help)."""

    available: bool
    device: str  # "cpu", "cuda" or "mps"
    hardware: str  # what was found: "AVX-512 BF16", "AMX", "NVIDIA A100", "no bf16 instructions"
    code: str  # why, as a training.fast_* message code (its detail: ``hardware``)

    @property
    def reason(self) -> str:
        """One sentence a page or the CLI can show as it is."""
        return self.words()

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, {"hardware": self.hardware}, language)


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_bf16_hardware() -> str | None:
    """The CPU's native bf16 instructions ("AMX", "AVX-512 BF16"), or None."""
    cpu = getattr(torch, "cpu", None)
    checks = (("AMX", "_is_amx_tile_supported", "amx_bf16"), ("AVX-512 BF16", "_is_avx512_bf16_supported", "avx512_bf16"))
    flags: set[str] | None = None
    for name, probe, flag in checks:
        test = getattr(cpu, probe, None)
        if test is not None:
            try:
                if test():
                    return name
                continue
            except Exception:  # an old or unusual build: fall back to the kernel's flags
                pass
        if flags is None:
            flags = _cpu_flags()
        if flag in flags:
            return name
    return None


def fast_mode_support(device: str | torch.device = "auto") -> FastModeSupport:
    """Whether bf16 autocast is worth running on ``device`` ("auto", "cpu", "cuda", "cuda:1", "mps")."""
    from nnlib.core.device import resolve_device

    resolved = resolve_device(device)
    kind = resolved.type
    if kind == "cpu":
        hardware = cpu_bf16_hardware()
        if hardware:
            return FastModeSupport(True, kind, hardware, "training.fast_cpu_ready")
        return FastModeSupport(False, kind, "no bf16 instructions", "training.fast_cpu_lacks_bf16")
    if kind == "cuda":
        index = resolved.index if resolved.index is not None else torch.cuda.current_device()
        name = torch.cuda.get_device_name(index)
        try:
            native = bool(torch.cuda.is_bf16_supported(including_emulation=False))
        except TypeError:  # older PyTorch without the argument
            native = bool(torch.cuda.is_bf16_supported())
        if native:
            return FastModeSupport(True, kind, name, "training.fast_gpu_ready")
        return FastModeSupport(False, kind, name, "training.fast_gpu_lacks_bf16")
    return FastModeSupport(False, kind, "Apple MPS", "training.fast_on_mps")


def check_fast_mode(device: str | torch.device) -> FastModeSupport:
    """The support for ``device``; raises :class:`InputError` (its ``training.fast_*`` reason) if it has none."""
    support = fast_mode_support(device)
    if not support.available:
        raise InputError(support.code, field="fast", device=support.device, hardware=support.hardware)
    return support


# ---------------------------------------------------------------- threads


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity, and a container's CPU quota)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def free_cores_now() -> int | None:
    """Cores no other task wants at this instant (Linux: runnable tasks in /proc/loadavg, the
    least of three reads), or None where that cannot be told (another OS, a CPU quota or
    affinity that makes the machine-wide count meaningless)."""
    cores = usable_cores()
    if cores != (os.cpu_count() or cores):
        return None
    try:
        running = []
        for _ in range(3):
            with open("/proc/loadavg", "rb") as handle:
                running.append(int(handle.read().split()[3].split(b"/")[0]))
    except (OSError, ValueError, IndexError):
        return None
    return max(0, cores - (min(running) - 1))  # this thread is one of the runnable tasks


# Below this much work per batch per thread, a second thread costs more than it saves
# (PyTorch itself does not split an elementwise op under 32,768 elements).
MIN_WORK_PER_THREAD = 2_000_000  # multiply-adds of one batch's forward pass


class ThreadPolicy:
    """How many CPU threads a run uses, chosen from the speed it measures.

    A thread pool split across more cores than are free does not degrade gently: each
    operation waits for its slowest thread, and a thread that lost its core waits a whole
    time slice, so two threads on a busy machine ran 8-18x slower than one. The policy:

    - never more threads than the cap (the run's share of the cores) or than the work
      can use (a batch's forward pass over ``MIN_WORK_PER_THREAD`` multiply-adds per thread);
    - start at one thread and measure samples per second over short windows of batches;
    - now and then try one step up (double) or down (half) for one window, and keep it only
      if it beats the current count's recent speed (median of its last three windows) by 5 %;
      a step up is not tried while other programs keep the extra cores busy (on Linux: the
      runnable tasks at that instant);
    - a try that runs much slower than the current count is cut short after one batch; a
      count that lost waits twice as long as last time before it is tried again (up to 30 s
      of training), and at least twenty times what the failed try cost, so failed tries
      never take more than 5 % of the time;
    - when the current count runs at under half its best speed for two windows, or under a
      quarter for two batches (another program took the cores), fewer threads are tried at
      once; when it runs 25 % faster than when another count last lost (that program ended),
      the other count is tried again without waiting out its pause.

    So an idle machine ends up at the fastest count, a busy one at one thread, and a change
    of load is followed within a few windows. Different thread counts round differently,
    so a run is bit-for-bit reproducible only at a fixed count (``TrainConfig.threads``).
    """

    WINDOW_SECONDS = 0.04
    WINDOW_BATCHES = 6
    FIRST_TRY_AFTER = 0.05  # seconds of training before the first try of another count
    BACKOFF_MAX = 30.0  # seconds of training between tries of a count that keeps losing
    TRY_SHARE = 0.05  # failed tries may cost at most this share of the training time
    GAIN = 1.05  # a count must be this much faster to be kept
    ABORT_SLOWER = 2.5  # a try this much slower (per sample) is cut short after one batch
    COLLAPSE = 0.5  # two windows below this fraction of the count's best speed: try fewer threads
    COLLAPSE_BATCH = 0.25  # ... or two batches below this fraction
    LOAD_CHANGED = 1.25  # the current count this much faster than when another lost: try that one again
    RETRY_GAP = 0.5  # ... but not sooner than this many seconds of training after it lost
    BUSY_RECHECK = 0.25  # seconds of training before looking again for free cores

    def __init__(self, work_per_batch: float, clock: Any = time.perf_counter,
                 free_cores: Any = free_cores_now) -> None:
        self.work_per_batch = float(work_per_batch)
        self.clock = clock
        self.free_cores = free_cores
        self.cap = 1
        self.candidates: list[int] = [1]
        self.current = 1  # the count the run settled on
        self.trying: int | None = None  # a count being tried for one window
        self.recent: dict[int, deque[float]] = {}  # the last windows' samples/s per count, while it was current
        self.best: dict[int, float] = {}  # best samples/s seen per count
        self.backoff: dict[int, float] = {}  # the last wait before a count was tried again
        self.next_try: dict[int, float] = {}  # training seconds after which a count may be tried again
        self.lost: dict[int, tuple[float, float]] = {}  # count -> (earliest retry on a load change, winner's speed)
        self.started: set[int] = {1}  # counts whose threads exist (the first batch at a new count starts them)
        self.trained = 0.0  # seconds measured so far
        self.history: list[tuple[int, float]] = []  # (threads, samples/s) of every window, for tests and benches
        self._window_start = self._last_batch = 0.0
        self._window_samples = self._window_batches = 0
        self._slow_batches = 0

    @property
    def threads(self) -> int:
        return self.trying or self.current

    def useful_threads(self) -> int:
        return max(1, int(self.work_per_batch // MIN_WORK_PER_THREAD))

    def reference(self) -> float:
        """The current count's recent speed: the median of its last windows (0 before any)."""
        recent = self.recent.get(self.current)
        return statistics.median(recent) if recent else 0.0

    def begin_epoch(self, cap: int) -> int:
        """Go on measuring (after evaluation or a pause); returns the threads to use now."""
        cap = max(1, min(int(cap), self.useful_threads()))
        if cap != self.cap:
            self.cap = cap
            counts = {1, cap}
            step = 2
            while step < cap:
                counts.add(step)
                step *= 2
            self.candidates = sorted(counts)
            if self.current > cap:
                self.current = max(c for c in self.candidates if c <= cap)
            self.trying = None
            self._start_window()
        elif self._window_batches:
            self.exclude(self.clock() - self._last_batch)  # the window goes on where the last epoch left it
        else:
            self._start_window()
        return self.threads

    def exclude(self, seconds: float) -> None:
        """Leave time spent outside training (a listener drawing, a pause) out of the measurement."""
        self._window_start += seconds
        self._last_batch += seconds

    def after_batch(self, samples: int) -> int | None:
        """Count one finished batch; returns a new thread count when it should change now."""
        if len(self.candidates) == 1:
            return None
        now = self.clock()
        batch_seconds = max(now - self._last_batch, 1e-9)
        self._last_batch = now
        self._window_samples += samples
        self._window_batches += 1
        batch_rate = samples / batch_seconds
        if self.trying is not None and self._window_batches == 1:
            if batch_rate * self.ABORT_SLOWER < self.reference():
                # much slower than the current count: stop the try after its first batch
                self.trained += batch_seconds
                return self._end_try(batch_rate, batch_seconds)
            if self.trying not in self.started:  # that batch also started the threads: not a fair measure
                self.started.add(self.trying)
                self.trained += batch_seconds
                self._start_window()
                return None
        if self.trying is None and self.current > 1:
            slow = batch_rate < self.COLLAPSE_BATCH * self.best.get(self.current, 0.0)
            self._slow_batches = self._slow_batches + 1 if slow else 0
            if self._slow_batches >= 2:  # the cores went away mid-window: do not wait for it to end
                self._slow_batches = 0
                self._close_window(now)
                return self._try(self._lower())
        if now - self._window_start < self.WINDOW_SECONDS or self._window_batches < self.WINDOW_BATCHES:
            return None
        rate = self._close_window(now)
        if self.trying is not None:
            return self._end_try(rate, now - self._window_start)
        self._start_window()
        recent = list(self.recent[self.current])[-2:]
        if self.current > 1 and len(recent) == 2 and max(recent) < self.COLLAPSE * self.best[self.current]:
            return self._try(self._lower())
        if self.trained < self.FIRST_TRY_AFTER:
            return None
        for count in self._neighbours():
            if not self._may_try(count):
                continue
            if count > self.current:
                free = self.free_cores() if self.free_cores is not None else None
                if free is not None and free < count - self.current:
                    # the cores are taken right now: trying would only cost; look again soon
                    self.next_try[count] = self.trained + self.BUSY_RECHECK
                    continue
            return self._try(count)
        return None

    # -- internals
    def _start_window(self) -> None:
        self._window_start = self._last_batch = self.clock()
        self._window_samples = self._window_batches = 0

    def _close_window(self, now: float) -> float:
        """Account for the window so far; at the current count it joins its recent speeds."""
        elapsed = max(now - self._window_start, 1e-9)
        rate = self._window_samples / elapsed
        self.trained += elapsed
        self.history.append((self.threads, rate))
        if self.trying is None:
            self.recent.setdefault(self.current, deque(maxlen=3)).append(rate)
            self.best[self.current] = max(rate, self.best.get(self.current, 0.0))
        return rate

    def _neighbours(self) -> list[int]:
        index = self.candidates.index(self.current) if self.current in self.candidates else 0
        return [self.candidates[i] for i in (index + 1, index - 1) if 0 <= i < len(self.candidates)]

    def _lower(self) -> int:
        return max([c for c in self.candidates if c < self.current], default=1)

    def _may_try(self, count: int) -> bool:
        if self.trained >= self.next_try.get(count, 0.0):
            return True
        # the current count got much faster than when ``count`` last lost: the load changed
        not_before, rate_then = self.lost.get(count, (0.0, math.inf))
        return self.reference() > self.LOAD_CHANGED * rate_then and self.trained >= not_before

    def _try(self, count: int) -> int | None:
        before = self.threads
        self.trying = count if count != self.current else None
        self._start_window()
        return self.threads if self.threads != before else None

    def _end_try(self, rate: float, cost: float) -> int | None:
        count, before, reference = self.trying, self.threads, self.reference()
        assert count is not None
        self.trying = None
        self.best[count] = max(rate, self.best.get(count, 0.0))
        if rate > reference * self.GAIN:
            self.backoff.pop(count, None)
            self._wait(self.current, rate, 0.0)  # just measured slower: no need to go straight back
            self.current = count
            self.recent[count] = deque([rate], maxlen=3)
        else:
            self._wait(count, reference, cost)
            if count < self.current:  # fewer threads were no better: this speed is the new normal
                self.best[self.current] = reference
        self._slow_batches = 0
        self._start_window()
        return self.current if self.current != before else None

    def _wait(self, count: int, winner_rate: float, cost: float) -> None:
        """``count`` lost to a count running at ``winner_rate`` after ``cost`` seconds: try it again
        later, each time twice as late, and late enough that failed tries cost at most 5 %."""
        wait = max(min(self.BACKOFF_MAX, 2 * self.backoff.get(count, 0.5)), cost / self.TRY_SHARE)
        self.backoff[count] = wait
        self.next_try[count] = self.trained + wait
        self.lost[count] = (self.trained + max(self.RETRY_GAP, cost / self.TRY_SHARE), winner_rate)


# ---------------------------------------------------------------- optimizer step


class FusedStep:
    """``optimizer.step()`` for PyTorch's fused Adam, AdamW, SGD and Adagrad, without the
    Python around the kernel: the same kernel, the same state tensors, the same numbers.

    The first step goes through ``optimizer.step()`` (it creates the state); later ones call
    the kernel with that state. Anything unusual (step hooks, a gradient scaler, a tensor
    learning rate, a missing gradient, replaced state) goes back to ``optimizer.step()``.
    """

    KINDS = {torch.optim.Adam: "adam", torch.optim.AdamW: "adam", torch.optim.SGD: "sgd",
             torch.optim.Adagrad: "adagrad"}

    def __init__(self, optimizer: torch.optim.Optimizer, kind: str) -> None:
        self.optimizer = optimizer
        self.kind = kind
        self.groups: list[tuple[dict[str, Any], list[torch.Tensor], list[list[torch.Tensor]]]] | None = None
        self.disabled = False

    @classmethod
    def for_optimizer(cls, optimizer: torch.optim.Optimizer) -> FusedStep | None:
        kind = cls.KINDS.get(type(optimizer))
        if kind is None or not all(group.get("fused") for group in optimizer.param_groups):
            return None
        return cls(optimizer, kind)

    def _hooked(self) -> bool:
        from torch.optim import optimizer as module

        optimizer = self.optimizer
        return bool(optimizer._optimizer_step_pre_hooks or optimizer._optimizer_step_post_hooks
                    or module._global_optimizer_pre_hooks or module._global_optimizer_post_hooks
                    or getattr(optimizer, "grad_scale", None) is not None
                    or getattr(optimizer, "found_inf", None) is not None)

    def _state_keys(self, group: dict[str, Any]) -> list[str]:
        if self.kind == "adam":
            return ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"] if group["amsgrad"] else \
                ["exp_avg", "exp_avg_sq", "step"]
        if self.kind == "adagrad":
            return ["sum", "step"]
        return ["momentum_buffer"] if group["momentum"] != 0 else []

    def _collect(self) -> bool:
        """The state the first real step created, per group; False where a direct call could differ."""
        groups = []
        for group in self.optimizer.param_groups:
            params = list(group["params"])
            if not params or any(p.grad is None or p.grad.is_sparse or p.is_complex() for p in params):
                return False
            if group.get("differentiable") or group.get("capturable") or len({(p.device, p.dtype) for p in params}) > 1:
                return False
            values = [group.get(k) for k in ("lr", "momentum", "weight_decay", "eps")] + list(group.get("betas", ()))
            if any(isinstance(v, torch.Tensor) for v in values):
                return False
            states = [self.optimizer.state.get(p, {}) for p in params]
            keys = self._state_keys(group)
            if any(state.get(key) is None for state in states for key in keys):
                return False
            groups.append((group, params, [[state[key] for state in states] for key in keys]))
        self.groups = groups
        return True

    def _current(self) -> bool:
        """The cached state is still the optimizer's (nothing reloaded or replaced it)."""
        for group, params, lists in self.groups or ():
            if lists and self.optimizer.state.get(params[0], {}).get(self._state_keys(group)[0]) is not lists[0][0]:
                return False
        return self.groups is not None

    @torch.no_grad()
    def __call__(self) -> None:
        if not self.disabled and self.groups is not None and not self._hooked() and self._current() \
                and self._direct():
            return
        self.optimizer.step()
        if not self.disabled and (self.groups is None or not self._current()):
            self.groups = None
            self.disabled = not self._collect()

    def _direct(self) -> bool:
        calls = []
        for group, params, lists in self.groups or ():
            grads = [p.grad for p in params]
            if any(g is None for g in grads):
                return False
            calls.append((group, params, grads, lists))
        for group, params, grads, lists in calls:
            if self.kind == "adam":
                steps = lists[-1]
                torch._foreach_add_(steps, 1)
                kernel = torch._fused_adamw_ if group.get("decoupled_weight_decay") else torch._fused_adam_
                beta1, beta2 = group["betas"]
                kernel(params, grads, lists[0], lists[1], lists[2] if group["amsgrad"] else [], steps,
                       amsgrad=group["amsgrad"], lr=group["lr"], beta1=beta1, beta2=beta2,
                       weight_decay=group["weight_decay"], eps=group["eps"], maximize=group["maximize"],
                       grad_scale=None, found_inf=None)
            elif self.kind == "adagrad":
                torch._foreach_add_(lists[1], 1)
                torch._fused_adagrad_(params, grads, lists[0], lists[1], lr=group["lr"], lr_decay=group["lr_decay"],
                                      weight_decay=group["weight_decay"], eps=group["eps"],
                                      maximize=group["maximize"], grad_scale=None, found_inf=None)
            else:
                torch._fused_sgd_(params, grads, lists[0] if lists else [], weight_decay=group["weight_decay"],
                                  momentum=group["momentum"], lr=group["lr"], dampening=group["dampening"],
                                  nesterov=group["nesterov"], maximize=group["maximize"], is_first_step=False,
                                  grad_scale=None, found_inf=None)
        return True


# ---------------------------------------------------------------- the course's networks, written out

_aten = torch.ops.aten
_MEAN = 1  # nll_loss's reduction code for "mean"
_ACTIVATIONS = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}


def _plain_module(module: nn.Module) -> bool:
    """No hooks that a written-out pass would skip."""
    return not (module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
                or getattr(module, "_backward_pre_hooks", None))


def _no_global_hooks() -> bool:
    from torch.nn.modules import module as base

    names = ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks",
             "_global_backward_pre_hooks")
    return not any(getattr(base, name, None) for name in names)


class MLPProgram:
    """One training step of a Linear/activation stack with CrossEntropyLoss, written out.

    Forward: ``addmm`` (``mm`` without a bias), the activation, ``_log_softmax`` and
    ``nll_loss_forward``. Backward: autograd's own formulas with the same operands and
    layouts (``nll_loss_backward``, ``_log_softmax_backward_data``, ``threshold_backward``,
    ``tanh_backward`` or ``sigmoid_backward``, ``grad.t().mm(input)`` for a weight, a sum
    over the batch for a bias, ``grad.mm(weight)`` for a layer's input), so every gradient
    is bit for bit the one ``loss.backward()`` gives. In the fast mode it does what
    ``torch.autocast(dtype=torch.bfloat16)`` does: weights, biases and inputs cast to bf16
    for the linear layers, the loss in float32, the gradients cast back to float32.

    Activations and gradients live in buffers sized for one batch and reused, so a step
    allocates almost nothing.
    """

    def __init__(self, layers: list[tuple[str, Any]], features: int, batch_size: int, device: torch.device,
                 compute_dtype: torch.dtype) -> None:
        self.layers = layers
        self.dtype = compute_dtype
        self.cast = compute_dtype != torch.float32
        self.one = torch.ones((), device=device)
        linears: list[nn.Linear] = [module for kind, module in layers if kind == "linear"]
        self.params = [p for module in linears for p in (module.weight, module.bias) if p is not None]

        def empty(*shape: int, dtype: torch.dtype = compute_dtype) -> torch.Tensor:
            return torch.empty(*shape, device=device, dtype=dtype)

        # float32 gradients, left in .grad after each step (what optimizers and charts read); in the
        # fast mode the bf16 copies of the weights and their bf16 gradients, as autocast makes them
        self.param_grads = [torch.empty_like(p, memory_format=torch.contiguous_format) for p in self.params]
        self.low_params = [empty(*p.shape) for p in self.params] if self.cast else None
        low_grads = [empty(*p.shape) for p in self.params] if self.cast else self.param_grads
        operand = self.low_params or self.params
        index = {id(p): i for i, p in enumerate(self.params)}
        # per layer: its kind, and for a linear layer (weight, bias, weight grad, bias grad (1, out),
        # float32 weight grad, float32 bias grad), the weight and bias being what the product reads
        self.plan: list[tuple[str, tuple[Any, ...]]] = []
        for kind, module in layers:
            if kind != "linear":
                self.plan.append((kind, ()))
                continue
            w = index[id(module.weight)]
            b = index[id(module.bias)] if module.bias is not None else None
            self.plan.append((kind, (
                operand[w], None if b is None else operand[b],
                low_grads[w], None if b is None else low_grads[b].view(1, -1),
                self.param_grads[w], None if b is None else self.param_grads[b],
            )))
        width, self.outputs = features, []
        for kind, module in layers:
            width = module.out_features if kind == "linear" else width
            self.outputs.append(empty(batch_size, width))
        # gradient w.r.t. each layer's input (the layer below's output); none for the data
        self.input_grads: list[torch.Tensor | None] = [None] + [empty(*out.shape) for out in self.outputs[:-1]]
        classes = self.outputs[-1].shape[1]
        self.logits32 = empty(batch_size, classes, dtype=torch.float32) if self.cast else None
        self.log_probs = empty(batch_size, classes, dtype=torch.float32)
        self._views: dict[int, tuple[Any, ...]] = {}

    def _views_for(self, m: int) -> tuple[Any, ...]:
        """The first ``m`` rows of every buffer (a full batch and the last, shorter one)."""
        views = self._views.get(m)
        if views is None:
            views = self._views[m] = (
                [out[:m] for out in self.outputs],
                [None if g is None else g[:m] for g in self.input_grads],
                None if self.logits32 is None else self.logits32[:m],
                self.log_probs[:m],
            )
        return views

    @classmethod
    def build(cls, model: nn.Module, loss_fn: nn.Module, sample_shape: tuple[int, ...], batch_size: int,
              device: torch.device, fast: bool = False) -> MLPProgram | None:
        """The written-out step for ``model``, or None when it is not such a stack (autograd runs it then)."""
        if not isinstance(model, nn.Sequential) or type(loss_fn) is not nn.CrossEntropyLoss:
            return None
        if loss_fn.weight is not None or loss_fn.label_smoothing != 0 or loss_fn.reduction != "mean" \
                or loss_fn.ignore_index != -100 or not _plain_module(loss_fn) or not _plain_module(model):
            return None
        modules = list(model)
        features = math.prod(sample_shape)
        if modules and type(modules[0]) is nn.Flatten:
            if modules[0].start_dim != 1 or modules[0].end_dim != -1 or not _plain_module(modules[0]):
                return None
            modules = modules[1:]
        elif len(sample_shape) != 1:
            return None
        layers: list[tuple[str, Any]] = []
        width = features
        for module in modules:
            if not _plain_module(module):
                return None
            if type(module) is nn.Linear:
                weight, bias = module.weight, module.bias
                if module.in_features != width or weight.dtype != torch.float32 \
                        or weight.stride() != (module.in_features, 1) or not weight.requires_grad or (bias is not None and not bias.requires_grad) \
                        or weight.device != device:
                    return None
                layers.append(("linear", module))
                width = module.out_features
            elif type(module) in _ACTIVATIONS and layers:
                layers.append((_ACTIVATIONS[type(module)], module))
            else:
                return None
        if not layers or layers[-1][0] != "linear":
            return None
        return cls(layers, features, max(1, batch_size), device, FAST_DTYPE if fast else torch.float32)

    def usable(self) -> bool:
        """Nothing hooked onto the modules since the program was built."""
        return _no_global_hooks() and all(_plain_module(module) for _, module in self.layers)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward and backward for one batch (``x`` is (m, features) in the compute dtype);
        leaves the float32 gradients in each parameter's ``.grad``. Returns (loss, logits)."""
        with torch.no_grad():
            return self._step(x, y)

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs, input_grads, logits32, log_probs = self._views_for(x.shape[0])
        if self.low_params is not None:  # autocast casts every weight and bias once per forward pass
            for parameter, copy in zip(self.params, self.low_params, strict=True):
                copy.copy_(parameter)
        inputs: list[torch.Tensor] = []
        h = x
        for (kind, operands), out in zip(self.plan, outputs, strict=True):
            inputs.append(h)
            if kind == "linear":
                if operands[1] is None:
                    torch.mm(h, operands[0].t(), out=out)
                else:
                    torch.addmm(operands[1], h, operands[0].t(), out=out)
            elif kind == "relu":
                torch.clamp_min(h, 0, out=out)
            elif kind == "tanh":
                torch.tanh(h, out=out)
            else:
                torch.sigmoid(h, out=out)
            h = out
        logits = h
        wide = logits
        if logits32 is not None:  # autocast computes the loss in float32
            wide = logits32
            wide.copy_(logits)
        torch._log_softmax(wide, 1, False, out=log_probs)
        loss, total_weight = _aten.nll_loss_forward(log_probs, y, None, _MEAN, -100)
        grad = _aten.nll_loss_backward(self.one, log_probs, y, None, _MEAN, -100, total_weight)
        grad = _aten._log_softmax_backward_data(grad, log_probs, 1, torch.float32)
        if self.cast:
            grad = grad.to(self.dtype)
        for index in range(len(self.plan) - 1, -1, -1):
            kind, operands = self.plan[index]
            below = input_grads[index]
            if kind == "relu":
                grad = _aten.threshold_backward.grad_input(grad, outputs[index], 0, grad_input=below)
            elif kind == "tanh":
                grad = _aten.tanh_backward.grad_input(grad, outputs[index], grad_input=below)
            elif kind == "sigmoid":
                grad = _aten.sigmoid_backward.grad_input(grad, outputs[index], grad_input=below)
            else:
                weight, bias, weight_grad, bias_grad, weight_grad32, bias_grad32 = operands
                source = inputs[index]
                if bias_grad is not None:
                    # the bias was broadcast over the batch: autograd sums its gradient back (sum_to, keepdim)
                    torch.sum(grad, [0], keepdim=True, out=bias_grad)
                    if self.cast:
                        bias_grad32.copy_(bias_grad.view(-1))
                # weight.t() in the forward pass is column-major: autograd's mm_mat2_backward computes
                # grad.t().mm(input).t(), and the transpose's own backward turns it back
                torch.mm(grad.t(), source, out=weight_grad)
                if self.cast:
                    weight_grad32.copy_(weight_grad)
                if below is not None:
                    # autograd's mm_mat1_backward for mat2 = weight.t(): a column-major input
                    # (one row, one column) gets a column-major gradient
                    if source.stride(0) == 1 and source.stride(1) == source.shape[0]:
                        grad = weight.t().mm(grad.t()).t()
                    else:
                        grad = torch.mm(grad, weight, out=below)
        for parameter, value in zip(self.params, self.param_grads, strict=True):
            if parameter.grad is not value:
                parameter.grad = value
        return loss, logits

"""Training speed: nnlib's Trainer against the textbook PyTorch loop, measured side by side.

The setting is the course's: notMNIST 784 → 256 → 10, Adam at 1e-3, batch 128, on the
bundled offline letters (10,000 images, 7,000 to train) unless ``--data`` names an
archive or folder. Every column trains its own copy of the same model in this process;
each round runs one epoch of every column, in an order that changes from round to round,
so the machine's noise hits all of them alike. The result is the ratio of each round's
speeds (samples per second, paired within the round), reported as median and IQR.

Columns:
- plain: the textbook loop (index a batch, forward, loss, zero_grad, backward, step,
  ``loss.item()``) with ``torch.optim.Adam``'s defaults;
- trainer: nnlib's Trainer in float32 (its weights equal a plain loop's with the fused Adam);
- fast: the Trainer in its fast mode (bf16 autocast), where the hardware has bf16;
- matrix products: only the five GEMMs of each training step (forward 2, backward 3) on
  the same shapes, the bound no loop can beat; trainer / that is the fraction of the bound.

    python -m bench.train_speed                       # 21 rounds at 1 thread
    python -m bench.train_speed --rounds 31 --threads 2 --data notMNIST_small.tar.gz
    python -m bench.train_speed --thread-policy       # automatic threads against every fixed count
    python -m bench.train_speed --thread-policy --hog 2   # ... with two busy processes beside it
    python -m bench.train_speed --json                # and one JSON line at the end
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import torch
from torch import nn

from nnlib import data as datasets
from nnlib.training import TrainConfig, Trainer, build_network
from nnlib.training.speed import fast_mode_support, usable_cores

CONFIG = dict(dataset="notmnist", network="notmnist", optimizer="adam", lr=1e-3, batch_size=128,
              standardize=False, device="cpu", epochs=500)


def load_split(path: str | None) -> tuple[datasets.Split, str]:
    data = datasets.load_notmnist(path) if path else datasets.load_offline_letters()
    return datasets.split_dataset(data, seed=0, standardize=False), data.description


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high


def load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- columns


class PlainLoop:
    """The loop from the course texts, with its own model, optimizer and shuffle."""

    def __init__(self, split: datasets.Split, threads: int, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.model = build_network("notmnist", tuple(split.train_x.shape[1:]), len(split.classes))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=CONFIG["lr"])
        self.loss_fn = nn.CrossEntropyLoss()
        self.generator = torch.Generator().manual_seed(seed)
        self.x, self.y, self.threads = split.train_x, split.train_y, threads

    def epoch(self) -> float:
        """One epoch; returns samples per second."""
        torch.set_num_threads(self.threads)
        x, y, size = self.x, self.y, CONFIG["batch_size"]
        self.model.train()
        started = time.perf_counter()
        order = torch.randperm(len(x), generator=self.generator)
        running = 0.0
        for start in range(0, len(x), size):
            index = order[start:start + size]
            loss = self.loss_fn(self.model(x[index]), y[index])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            running += loss.item()
        return len(x) / (time.perf_counter() - started)


class MatrixProducts:
    """Only the GEMMs of an epoch of training steps: the bound for this model and batch."""

    def __init__(self, split: datasets.Split, threads: int) -> None:
        n, features = len(split.train_x), split.train_x[0].numel()
        size, hidden, classes = CONFIG["batch_size"], 256, len(split.classes)
        self.n, self.threads = n, threads
        self.sizes = [min(size, n - start) for start in range(0, n, size)]
        self.w1, self.b1 = torch.randn(hidden, features), torch.randn(hidden)
        self.w2, self.b2 = torch.randn(classes, hidden), torch.randn(classes)
        self.x, self.h = torch.randn(size, features), torch.randn(size, hidden)
        self.g2, self.g1 = torch.randn(size, classes), torch.randn(size, hidden)

    def epoch(self) -> float:
        torch.set_num_threads(self.threads)
        started = time.perf_counter()
        for m in self.sizes:
            x, h, g1, g2 = self.x[:m], self.h[:m], self.g1[:m], self.g2[:m]
            torch.addmm(self.b1, x, self.w1.t())  # forward, layer 1
            torch.addmm(self.b2, h, self.w2.t())  # forward, layer 2
            torch.mm(g2.t(), h)  # weight gradient, layer 2
            torch.mm(g2, self.w2)  # input gradient, layer 2
            torch.mm(g1.t(), x)  # weight gradient, layer 1
        return self.n / (time.perf_counter() - started)


class TrainerColumn:
    def __init__(self, split: datasets.Split, threads: int, fast: bool = False, cap: int | None = None) -> None:
        self.trainer = Trainer(TrainConfig(**CONFIG, threads=threads, fast=fast), split)
        self.trainer.thread_cap = cap
        self.cap = cap

    def epoch(self) -> float:
        if self.cap:
            torch.set_num_threads(self.cap)  # what a caller (the CLI, the class server) would have set
        return self.trainer.run_epoch().samples_per_s


def interleave(columns: dict[str, Callable[[], float]], rounds: int, warm_up: int = 2) -> dict[str, list[float]]:
    """Samples per second of every column, one epoch each per round.

    Each round takes the next order of all the orders there are, so every column runs as
    often first as last and after each other column as often (what one column leaves
    behind, a warm cache or a thread pool still spinning, falls on all of them alike)."""
    names = list(columns)
    for _ in range(warm_up):
        for name in names:
            columns[name]()
    orders = list(itertools.permutations(names))
    speeds: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in orders[index % len(orders)]:
            speeds[name].append(columns[name]())
    return speeds


def paired(speeds: dict[str, list[float]], top: str, bottom: str) -> dict[str, float]:
    ratios = [a / b for a, b in zip(speeds[top], speeds[bottom], strict=True)]
    low, middle, high = quartiles(ratios)
    return {"median": round(middle, 3), "q1": round(low, 3), "q3": round(high, 3)}


def describe(ratio: dict[str, float]) -> str:
    return f"{ratio['median']:.2f}x (IQR {ratio['q1']:.2f}-{ratio['q3']:.2f})"


# ---------------------------------------------------------------- the two benchmarks


def speed_benchmark(split: datasets.Split, rounds: int, threads: int) -> dict:
    support = fast_mode_support("cpu")
    columns: dict[str, Callable[[], float]] = {
        "plain": PlainLoop(split, threads).epoch,
        "trainer": (trainer := TrainerColumn(split, threads)).epoch,
        "matrix products": MatrixProducts(split, threads).epoch,
    }
    fast = None
    if support.available:
        fast = TrainerColumn(split, threads, fast=True)
        columns["fast"] = fast.epoch
    load_before = load()
    speeds = interleave(columns, rounds)
    result = {
        "threads": threads, "rounds": rounds, "train_samples": len(split.train_x), "load_before": load_before,
        "load_after": load(), "samples_per_s": {k: round(statistics.median(v)) for k, v in speeds.items()},
        "trainer_vs_plain": paired(speeds, "trainer", "plain"),
        "trainer_share_of_bound": paired(speeds, "trainer", "matrix products"),
        "fast_mode": support.reason,
    }
    trainer.trainer.test()
    result["test_acc"] = {"trainer": round(trainer.trainer.state["test_acc"], 4)}
    if fast is not None:
        result["fast_vs_plain"] = paired(speeds, "fast", "plain")
        fast.trainer.test()
        result["test_acc"]["fast"] = round(fast.trainer.state["test_acc"], 4)
    return result


def policy_benchmark(split: datasets.Split, rounds: int, hogs: int) -> dict:
    cores = usable_cores()
    counts = sorted({1, cores} | {2 ** k for k in range(1, 8) if 2 ** k < cores})
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs)]
    try:
        columns: dict[str, Callable[[], float]] = {f"{n} thread{'s' if n > 1 else ''}": TrainerColumn(split, n).epoch
                                                   for n in counts}
        auto = TrainerColumn(split, 0, cap=cores)
        columns["automatic"] = auto.epoch
        load_before = load()
        speeds = interleave(columns, rounds)
        load_after = load()
    finally:
        for process in busy:
            process.kill()
            process.wait()
    fixed = [name for name in columns if name != "automatic"]
    best = max(fixed, key=lambda name: statistics.median(speeds[name]))
    policy = auto.trainer.thread_policy
    windows = policy.history if policy is not None else []
    return {
        "cores": cores, "busy_processes": hogs, "rounds": rounds, "load_before": load_before, "load_after": load_after,
        "samples_per_s": {k: round(statistics.median(v)) for k, v in speeds.items()},
        "best_fixed": best, "automatic_vs_best_fixed": paired(speeds, "automatic", best),
        "automatic_windows_per_threads": {n: sum(1 for t, _ in windows if t == n) for n in counts},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a notMNIST_small archive or folder (default: the bundled offline letters)")
    parser.add_argument("--rounds", type=int, default=21, help="timed epochs per column (at least 15)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every column (default 1)")
    parser.add_argument("--thread-policy", action="store_true",
                        help="compare the automatic thread count with every fixed one instead")
    parser.add_argument("--hog", type=int, default=0, help="with --thread-policy: busy processes to run beside it")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    args = parser.parse_args()
    if args.rounds < 15:
        parser.error("use at least 15 rounds: fewer give no meaningful IQR on a shared machine")
    split, description = load_split(args.data)
    before = torch.get_num_threads()
    print(f"{description}; {len(split.train_x):,} training samples; notMNIST 784-256-10, Adam 1e-3, batch 128")
    if args.rounds + 2 > 500:
        parser.error("at most 498 rounds")
    if args.thread_policy:
        result = policy_benchmark(split, args.rounds, args.hog)
        print(f"{result['cores']} usable cores, {result['busy_processes']} busy processes beside the run, "
              f"load {result['load_before']} before, {result['load_after']} after, {result['rounds']} rounds")
        for name, value in result["samples_per_s"].items():
            print(f"  {name:12s} {value:>9,} samples/s (median)")
        print(f"automatic / best fixed ({result['best_fixed']}): {describe(result['automatic_vs_best_fixed'])}")
        print(f"automatic policy's measuring windows per thread count: {result['automatic_windows_per_threads']}")
    else:
        result = speed_benchmark(split, args.rounds, args.threads)
        print(f"{result['threads']} thread(s), {result['rounds']} rounds, load {result['load_before']} before, "
              f"{result['load_after']} after")
        for name, value in result["samples_per_s"].items():
            print(f"  {name:16s} {value:>9,} samples/s (median)")
        print(f"trainer / plain loop:           {describe(result['trainer_vs_plain'])}")
        print(f"trainer / matrix products only: {describe(result['trainer_share_of_bound'])} of the bound")
        if "fast_vs_plain" in result:
            print(f"fast mode / plain loop:         {describe(result['fast_vs_plain'])}")
            print(f"test accuracy after the rounds: trainer {result['test_acc']['trainer']:.2%}, "
                  f"fast mode {result['test_acc']['fast']:.2%}")
        else:
            print(f"fast mode: not measured. {result['fast_mode']}")
    torch.set_num_threads(before)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The trainer against the textbook loop on a GPU (CUDA), in float32 and in the fast mode.

The run issue 19 asks for on a GPU machine: notMNIST 784 → 256 → 10 (Adam 1e-3, batch 128, the
bundled offline letters or ``--data``) and iris 4 → 16 → 3, each column training its own copy in
this process, epochs interleaved, paired per-round ratios (median and IQR). Timings synchronize
the device, so they measure the work and not its launch.

    python -m bench.cuda_speed                    # CUDA (refuses to run without a GPU)
    python -m bench.cuda_speed --device cpu --rounds 3   # the same run on the CPU, to try it out
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from bench.train_speed import CONFIG, describe, interleave, load, load_split, paired
from nnlib import data as datasets
from nnlib.core.device import resolve_device, synchronize
from nnlib.core.errors import InputError
from nnlib.training import TrainConfig, Trainer, build_network
from nnlib.training.speed import fast_mode_support

IRIS = dict(dataset="iris", network="iris", optimizer="adam", lr=1e-2, batch_size=16, epochs=500)


class DevicePlainLoop:
    """The course's loop with its data and model on ``device``."""

    def __init__(self, split: datasets.Split, settings: dict, device: torch.device, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.model = build_network(settings["network"], tuple(split.train_x.shape[1:]), len(split.classes))
        self.model.to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings["lr"])
        self.loss_fn = nn.CrossEntropyLoss()
        self.x, self.y = split.train_x.to(device), split.train_y.to(device)
        self.size, self.device = settings["batch_size"], device

    def epoch(self) -> float:
        self.model.train()
        synchronize(self.device)
        started = time.perf_counter()
        order = torch.randperm(len(self.x), device=self.device)
        for start in range(0, len(self.x), self.size):
            index = order[start:start + self.size]
            loss = self.loss_fn(self.model(self.x[index]), self.y[index])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            loss.item()
        synchronize(self.device)
        return len(self.x) / (time.perf_counter() - started)


def trainer_column(split: datasets.Split, settings: dict, device: str, fast: bool):
    threads = 1 if device == "cpu" else 0
    trainer = Trainer(TrainConfig(**{**settings, "device": device, "fast": fast, "standardize": False,
                                     "threads": threads}), split)
    return trainer, lambda: trainer.run_epoch().samples_per_s


def measure(name: str, split: datasets.Split, settings: dict, device: str, rounds: int) -> dict:
    columns = {"plain": DevicePlainLoop(split, settings, resolve_device(device)).epoch}
    trainer, columns["trainer"] = trainer_column(split, settings, device, fast=False)
    support = fast_mode_support(device)
    fast = None
    if support.available:
        fast, columns["fast"] = trainer_column(split, settings, device, fast=True)
    speeds = interleave(columns, rounds)
    result = {"data": name, "samples_per_s": {k: round(sum(v) / len(v)) for k, v in speeds.items()},
              "trainer_vs_plain": paired(speeds, "trainer", "plain"), "fast_mode": support.reason}
    trainer.test()
    result["test_acc"] = {"trainer": round(trainer.state["test_acc"], 4)}
    if fast is not None:
        result["fast_vs_plain"] = paired(speeds, "fast", "plain")
        fast.test()
        result["test_acc"]["fast"] = round(fast.state["test_acc"], 4)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:1, mps or cpu")
    parser.add_argument("--data", help="a notMNIST archive or folder (default: the bundled offline letters)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    try:
        device = str(resolve_device(args.device))
    except InputError as error:
        print(error)
        return 2
    if device == "cpu":  # one thread for both columns, as bench.train_speed measures the CPU
        torch.set_num_threads(1)
    letters, description = load_split(args.data)
    iris = datasets.split_dataset(datasets.load_iris(), seed=0, standardize=True)
    results = [measure(description, letters, CONFIG, device, args.rounds),
               measure("iris", iris, IRIS, device, args.rounds)]
    print(f"device {device}, {args.rounds} rounds, load {load()}")
    for result in results:
        line = f"{result['data']}: trainer {describe(result['trainer_vs_plain'])} the plain loop"
        if "fast_vs_plain" in result:
            line += f", fast mode {describe(result['fast_vs_plain'])}"
        print(line + f"; samples/s {result['samples_per_s']}; test accuracy {result['test_acc']}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

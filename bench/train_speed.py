"""Training speed: nnlib's Trainer against a plain PyTorch loop, in the same run.

Both sides get the same data, model, batch size, optimizer and thread count and
run interleaved epoch by epoch, so machine noise hits both alike. The plain loop
is the one the course teaches: shuffle indices, index a batch, forward, loss,
zero_grad, backward, step, and ``loss.item()`` for the running loss.

    python bench/train_speed.py                 # notMNIST 784→256→10 at batch 128, and iris
    python bench/train_speed.py --rounds 5 --threads 2 --json

Prints samples per second for each side and their ratio (trainer / plain).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnlib.training import OPTIMIZERS, TrainConfig, Trainer, build_network, default_config, prepare_split  # noqa: E402


def plain_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                batch_size: int, generator: torch.Generator) -> float:
    """One epoch of the textbook loop; returns seconds."""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    started = time.perf_counter()
    order = torch.randperm(len(x), generator=generator)
    running = 0.0
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        loss = loss_fn(model(x[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    return time.perf_counter() - started


def compare(config: TrainConfig, rounds: int) -> dict:
    split = prepare_split(config)
    n = len(split.train_x)
    trainer = Trainer(config, split)
    torch.manual_seed(config.seed)
    plain_model = build_network(config.network, tuple(split.train_x.shape[1:]), len(split.classes))
    plain_optimizer = OPTIMIZERS[config.optimizer].torch_class(
        plain_model.parameters(), **OPTIMIZERS[config.optimizer].kwargs(config))
    generator = torch.Generator().manual_seed(config.seed)
    x, y = split.train_x.float(), split.train_y
    # Warm up both (allocator, kernels) before timing.
    plain_epoch(plain_model, plain_optimizer, x, y, config.batch_size or n, generator)
    trainer.run_epoch()
    ours, theirs = [], []
    for _ in range(rounds):
        theirs.append(n / plain_epoch(plain_model, plain_optimizer, x, y, config.batch_size or n, generator))
        ours.append(trainer.run_epoch().samples_per_s)
    return {
        "dataset": config.dataset,
        "network": config.network if isinstance(config.network, str) else "custom",
        "optimizer": config.optimizer,
        "batch_size": config.batch_size,
        "train_samples": n,
        "threads": torch.get_num_threads(),
        "trainer_samples_per_s": round(statistics.median(ours), 1),
        "plain_samples_per_s": round(statistics.median(theirs), 1),
        "ratio": round(statistics.median(ours) / statistics.median(theirs), 3),
        "fused_optimizer": trainer.fused,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed epochs per side")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both sides")
    parser.add_argument("--optimizer", default=None, help="override the default optimizer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    for dataset, epochs_cap in (("notmnist", None), ("iris", None)):
        config = default_config(dataset)
        config.device = "cpu" if not torch.cuda.is_available() else "auto"
        config.epochs = max(config.epochs, args.rounds + 2) if epochs_cap is None else epochs_cap
        if args.optimizer:
            config.optimizer = args.optimizer
        result = compare(config, args.rounds)
        results.append(result)
        print(f"{dataset:9s} {result['network']:9s} {result['optimizer']:8s} batch {result['batch_size']:4d}  "
              f"trainer {result['trainer_samples_per_s']:>11,.0f}/s  plain {result['plain_samples_per_s']:>11,.0f}/s  "
              f"ratio {result['ratio']:.2f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

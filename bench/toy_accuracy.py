"""Test accuracy on each 2-D toy set with its default network and settings, over several seeds.

Each seed makes its own points (``toy_seed``) and its own run (``seed``: weights, shuffles, the
split), at the default noise and sample count; the test part is 15 % of the points. Printed per set:
the network, each seed's test accuracy, their mean and the lowest, and whether the mean reaches 95 %.

    python -m bench.toy_accuracy                     # every toy set, 5 seeds
    python -m bench.toy_accuracy --seeds 10 --noise 0.3 --dataset spirals --network playground
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

from nnlib.data.registry import DATASETS
from nnlib.training import Trainer, default_config, prepare_split

TARGET = 0.95


def accuracies(name: str, seeds: int, **changes: object) -> dict:
    results, seconds = [], []
    for seed in range(seeds):
        config = dataclasses.replace(default_config(name), device="cpu", seed=seed, toy_seed=seed, **changes)
        trainer = Trainer(config, prepare_split(config))
        begun = time.perf_counter()
        trainer.run()
        seconds.append(time.perf_counter() - begun)
        results.append(trainer.state["test_acc"])
    return {"dataset": name, "network": config.network, "optimizer": config.optimizer, "lr": config.lr,
            "epochs": config.epochs, "noise": config.toy_noise, "test_acc": [round(a, 4) for a in results],
            "mean": round(statistics.fmean(results), 4), "lowest": round(min(results), 4),
            "seconds": round(statistics.median(seconds), 2)}


def main(argv: list[str] | None = None) -> list[dict]:
    toy_sets = [name for name, record in DATASETS.items() if record.toy]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=toy_sets, action="append", help="default: every toy set")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--noise", type=float, help="default: the config's (0.2)")
    parser.add_argument("--network", help="another preset (playground, playground_spirals)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    changes = {key: value for key, value in (("toy_noise", args.noise), ("network", args.network))
               if value is not None}
    rows = []
    for name in args.dataset or toy_sets:
        row = accuracies(name, args.seeds, **changes)
        rows.append(row)
        print(f"{name:8s} {row['network']:19s} {row['optimizer']} η={row['lr']:g} {row['epochs']} epochs, noise "
              f"{row['noise']:g}: test accuracy " + " ".join(f"{a:.1%}" for a in row["test_acc"])
              + f" · mean {row['mean']:.1%}, lowest {row['lowest']:.1%} · "
              + ("reaches 95 %" if row["mean"] >= TARGET else "below 95 %") + f" · {row['seconds']:.2f} s a run")
    if args.json:
        print(json.dumps(rows))
    return rows


if __name__ == "__main__":
    main()

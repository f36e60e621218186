"""Command line: `python -m nnlib train --dataset iris|notmnist [...] [--json]`.

Uses the same trainer as the dashboard. With --json the last line printed is one
JSON object (dataset, device, epochs, seconds, samples_per_s, accuracies).
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from nnlib.device import DEVICE_CHOICES
from nnlib.errors import InputError
from nnlib.training import OPTIMIZERS, EpochRecord, Trainer, default_config, prepare_split


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nnlib", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a classifier and report its accuracy")
    train.add_argument("--dataset", choices=("iris", "notmnist"), default="iris")
    train.add_argument("--data", dest="data_path", help="notMNIST_small folder or .tar.gz (default: the "
                       "real notMNIST if cached under data/, else the bundled offline letters)")
    train.add_argument("--network", help="preset name (iris, notmnist, ...); default: the dataset's")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    train.add_argument("--lr", type=float)
    train.add_argument("--momentum", type=float)
    train.add_argument("--batch-size", type=int, help="0 = the whole training set in one batch")
    train.add_argument("--epochs", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    train.add_argument("--threads", type=int, help="PyTorch CPU threads (default: PyTorch's own)")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    return parser


def train_command(args: argparse.Namespace) -> dict:
    config = default_config(args.dataset)
    overrides = {
        "data_path": args.data_path, "network": args.network, "optimizer": args.optimizer, "lr": args.lr,
        "momentum": args.momentum, "batch_size": args.batch_size, "epochs": args.epochs, "seed": args.seed,
        "device": args.device,
    }
    for name, value in overrides.items():
        if value is not None:
            setattr(config, name, value)
    config.validate()
    if args.threads:
        torch.set_num_threads(args.threads)

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % 2000 == 0):
            print(f"\rloading {done}/{total} images", end="\n" if done == total else "", file=sys.stderr)

    split = prepare_split(config, progress=progress)

    def report(record: object) -> None:
        if isinstance(record, EpochRecord):
            print(f"epoch {record.epoch_index:3d}  train loss {record.train_loss:.4f} acc {record.train_acc:6.2%}  "
                  f"val loss {record.val_loss:.4f} acc {record.val_acc:6.2%}  {record.samples_per_s:,.0f} samples/s",
                  flush=True)

    trainer = Trainer(config, split, listeners=[report])
    trainer.run()
    summary = trainer.summary()
    print(f"test accuracy {summary['test_acc']:.2%} after {summary['epochs']} epochs on {summary['device']} "
          f"({summary['stop_reason']})")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        summary = train_command(args)
    except InputError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

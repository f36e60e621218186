"""Command line: `python -m nnlib train --dataset iris|notmnist|moons|... [...] [--json]`, `python -m nnlib data ...`.

`train` uses the same trainer as the dashboard. With --json the last line printed is one
JSON object (dataset, device, epochs, seconds, samples_per_s, accuracies). `--fast` trains
under bf16 autocast where the hardware has native bf16 (refused, with the reason, where it
has not); `--threads N` fixes the run's CPU threads (default 0: the trainer's thread policy).

`data import ARCHIVE` and `data download` put the class's notMNIST_small in place as
data/downloads/notMNIST_small.tar.gz (checked and parsed first); only the instructor does
this, never a page.

The toy sets (circles, moons, xor, spirals, blobs) take `--samples`, `--noise`, `--toy-seed` and
`--features "x²,y²"` (extra inputs, comma-separated; also x2, y2, sinx, siny as typed on any keyboard).

Regression: `--dataset curve` (a 1-D curve; `--samples`, `--noise`, `--toy-seed` apply) and `--dataset
diabetes` (scikit-learn's table, the course's 3 → 10 → 20 → 1 network) train with `--loss mse|l1|huber|
smooth_l1` and report MSE, MAE and MAPE where a classification reports accuracy.

A CSV table: `train --csv PATH --target COLUMN [--task classification|regression] [--inputs a,b,c]`
reads the file as a page reads an upload (delimiter and encoding sniffed, text columns one-hot encoded
or left out, rows with a missing value dropped: each said on stderr), guesses the task from the target
unless `--task` says it, and prints the same JSON line as for the other data sets.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from nnlib import data as datasets
from nnlib.core import messages
from nnlib.core.device import DEVICE_CHOICES
from nnlib.core.errors import InputError
from nnlib.data.registry import DATASETS
from nnlib.data.table import TASKS, load_csv_file
from nnlib.data.toy import EXTRA_FEATURES
from nnlib.optimizers import OPTIMIZERS
from nnlib.training import EpochRecord, Trainer, default_config, prepare_split
from nnlib.training.config import DEFAULT_LOSSES, all_training_losses
from nnlib.training.recipes import split_data
from nnlib.training.speed import FAST_MODE_HELP

# The data sets --dataset names: every one of the registry but a CSV, which comes with --csv.
CLI_DATASETS = [name for name in DATASETS if name != "csv"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nnlib", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a classifier or a regression and report its accuracy or errors")
    train.add_argument("--dataset", choices=CLI_DATASETS, default="iris")
    train.add_argument("--csv", help="train on this CSV table instead of a --dataset (with --target)")
    train.add_argument("--target", help="--csv: the column to predict")
    train.add_argument("--task", choices=TASKS, help="--csv: classification or regression (default: guessed "
                       "from the target: whole numbers with few values or text are classes)")
    train.add_argument("--inputs", type=_names, help="--csv: the input columns, comma-separated (default: all "
                       "but the target)")
    train.add_argument("--loss", choices=sorted(all_training_losses()), help="default: cross_entropy for a "
                       "classification, mse for a regression")
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
    train.add_argument("--threads", type=int, help="PyTorch CPU threads for this run (default 0: chosen by "
                       "the trainer from the speed it measures)")
    train.add_argument("--fast", action="store_true", help=messages.word(FAST_MODE_HELP))
    train.add_argument("--samples", type=int, help="toy sets and the curve: points in all (default 400; curve 200)")
    train.add_argument("--noise", type=float, help="toy sets and the curve: noise, 0 to 1 (default 0.2; curve 0.1)")
    train.add_argument("--toy-seed", type=int, help="toy sets and the curve: the points' seed (default 0)")
    train.add_argument("--features", type=_features, help="toy sets: extra inputs besides x and y, "
                       f"comma-separated, from {', '.join(EXTRA_FEATURES)}")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    data = commands.add_parser("data", help="put the class's notMNIST_small in place (instructor)")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    archive = data_commands.add_parser(
        "import", help="check an archive, then make it data/downloads/notMNIST_small.tar.gz"
    )
    archive.add_argument("archive", help="a notMNIST_small .tar.gz")
    download = data_commands.add_parser("download", help="download notMNIST_small, check it, put it in place")
    download.add_argument("--url", default=datasets.NOTMNIST_URL)
    return parser


# What a shell without x² on its keyboard may type instead.
FEATURE_SPELLINGS = {"x2": "x²", "y2": "y²", "x^2": "x²", "y^2": "y²", "sinx": "sin x", "siny": "sin y"}


def _features(text: str) -> tuple[str, ...]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    return tuple(FEATURE_SPELLINGS.get(name.replace(" ", "").lower(), name) for name in names)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _csv_split(config: object, args: argparse.Namespace) -> object:
    """Read the --csv table, say on stderr what was encoded, left out or dropped, and split it."""
    loaded = load_csv_file(args.csv, args.target, args.task, args.inputs)
    for note in loaded.table.notes:
        print(messages.word(note.code, note.details), file=sys.stderr)
    config.csv_task = loaded.table.task
    if args.loss is None:
        config.loss = DEFAULT_LOSSES[loaded.table.task]
    config.validate()
    return split_data(config, loaded.dataset)


def train_command(args: argparse.Namespace) -> dict:
    if args.csv is None and (args.target or args.task or args.inputs):
        raise InputError("data.csv_needs_file", field="data_path")
    if args.csv is not None and not args.target:
        raise InputError("data.csv_needs_file", field="target")
    config = default_config("csv" if args.csv is not None else args.dataset)
    overrides = {
        "data_path": args.csv or args.data_path, "csv_target": args.target, "csv_task": args.task,
        # A task named for a CSV brings its default loss (checked below, before the table is read).
        "loss": args.loss or (DEFAULT_LOSSES[args.task] if args.csv is not None and args.task else None),
        "network": args.network, "optimizer": args.optimizer, "lr": args.lr,
        "momentum": args.momentum, "batch_size": args.batch_size, "epochs": args.epochs, "seed": args.seed,
        "device": args.device, "threads": args.threads, "fast": args.fast or None,
        "toy_samples": args.samples, "toy_noise": args.noise, "toy_seed": args.toy_seed, "toy_features": args.features,
    }
    for name, value in overrides.items():
        if value is not None:
            setattr(config, name, value)
    config.validate()

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % 2000 == 0):
            print(f"\rloading {done}/{total} images", end="\n" if done == total else "", file=sys.stderr)

    split = _csv_split(config, args) if args.csv is not None else prepare_split(config, progress=progress)

    def report(record: object) -> None:
        if not isinstance(record, EpochRecord):
            return
        if record.val_acc is None:
            print(f"epoch {record.epoch_index:3d}  train loss {record.train_loss:.4f}  val loss {record.val_loss:.4f} "
                  f"MAE {record.val_mae:.4f} MAPE {record.val_mape:.2f}%  {record.samples_per_s:,.0f} samples/s",
                  flush=True)
        else:
            print(f"epoch {record.epoch_index:3d}  train loss {record.train_loss:.4f} acc {record.train_acc:6.2%}  "
                  f"val loss {record.val_loss:.4f} acc {record.val_acc:6.2%}  {record.samples_per_s:,.0f} samples/s",
                  flush=True)

    trainer = Trainer(config, split, listeners=[report])
    trainer.run()
    summary = trainer.summary()
    if trainer.regression:
        def shown(value: float | None) -> str:  # None: not finite (a run that diverged)
            return "n/a" if value is None else f"{value:.4f}"

        mape = "n/a (a target is 0, or the run diverged)" if summary["test_mape"] is None else f"{summary['test_mape']:.2f}%"
        print(f"test MSE {shown(summary['test_mse'])}, MAE {shown(summary['test_mae'])}, MAPE {mape} after "
              f"{summary['epochs']} epochs on {summary['device']} ({summary['stop_reason']})")
    else:
        print(f"test accuracy {summary['test_acc']:.2%} after {summary['epochs']} epochs on {summary['device']} "
              f"({summary['stop_reason']})")
    return summary


def _bytes_progress(verb: str):
    def progress(done: int, total: int) -> None:
        text = f"{done / datasets.MEGABYTE:.1f} of {total / datasets.MEGABYTE:.1f} MB" if total else \
            f"{done / datasets.MEGABYTE:.1f} MB"
        print(f"\r{verb} {text}", end="\n" if total and done >= total else "", file=sys.stderr)

    return progress


def data_command(args: argparse.Namespace) -> datasets.Dataset:
    """``data import ARCHIVE`` or ``data download``; prints what was put in place."""
    if args.data_command == "download":
        with tempfile.TemporaryDirectory(prefix="nnlib-download-") as folder:
            fetched = datasets.download_notmnist(args.url, dest_dir=folder, progress=_bytes_progress("downloading"))
            print(file=sys.stderr)
            dataset = datasets.import_notmnist_archive(fetched, progress=_bytes_progress("checking"))
    else:
        dataset = datasets.import_notmnist_archive(args.archive, progress=_bytes_progress("checking"))
    counts = ", ".join(f"{letter} {count:,}" for letter, count in zip(dataset.classes, dataset.class_counts(),
                                                                       strict=True))
    print(f"imported {len(dataset):,} images ({counts}) as {Path(dataset.source or '')}")
    if dataset.skipped or dataset.refused:
        print(f"{dataset.skipped} file(s) did not decode and were skipped; "
              f"{dataset.refused} link(s) or unsafe entries were ignored")
    return dataset


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "data":
            data_command(args)
            return 0
        summary = train_command(args)
    except InputError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

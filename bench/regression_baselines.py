"""The diabetes table: the course's 3 → 10 → 20 → 1 network trained by the trainer vs scikit-learn's baselines.

On the same split (nnlib's seeded 70 / 15 / 15, inputs standardized on the training part only),
each seed trains three models on the training part and scores them on the test part:

- the trainer with the data set's defaults (the course network, MSE, Adam; ``default_config("diabetes")``);
- scikit-learn's ``MLPRegressor`` of the same size (hidden layers 10 and 20, ReLU, Adam, the same
  learning rate, batch size and epochs, no early stopping);
- scikit-learn's ``LinearRegression``.

Printed: each model's test MSE, MAE and MAPE (course text 004's mean |y − ŷ| / |y| · 100), the
mean over the seeds and the seconds a fit takes; and the errors of always predicting the training
mean, for scale.

    python -m bench.regression_baselines             # 5 seeds
    python -m bench.regression_baselines --seeds 10 --epochs 400 --json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

from nnlib.losses.metrics import regression_scores
from nnlib.training import Trainer, default_config, prepare_split

METRICS = ("mse", "mae", "mape")


def scores(predicted: np.ndarray | torch.Tensor, true: torch.Tensor) -> dict[str, float]:
    result = regression_scores(torch.as_tensor(np.asarray(predicted), dtype=torch.float64).reshape(-1),
                               true.double().reshape(-1))
    return {name: getattr(result, name) for name in METRICS}


def trainer_model(config, split) -> Callable[[], dict[str, float]]:
    def fit() -> dict[str, float]:
        trainer = Trainer(config, split)
        trainer.run()
        predicted, true = trainer.predict("test")
        return scores(predicted, true)

    return fit


def sklearn_mlp(config, split) -> Callable[[], dict[str, float]]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def fit() -> dict[str, float]:
        model = MLPRegressor(hidden_layer_sizes=(10, 20), activation="relu", solver="adam",
                             learning_rate_init=config.lr, batch_size=config.batch_size, max_iter=config.epochs,
                             alpha=0.0, early_stopping=False, n_iter_no_change=config.epochs, tol=0.0,
                             random_state=config.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(split.train_x.numpy(), split.train_y.numpy())
        return scores(model.predict(split.test_x.numpy()), split.test_y)

    return fit


def linear(config, split) -> Callable[[], dict[str, float]]:
    from sklearn.linear_model import LinearRegression

    def fit() -> dict[str, float]:
        model = LinearRegression().fit(split.train_x.numpy(), split.train_y.numpy())
        return scores(model.predict(split.test_x.numpy()), split.test_y)

    return fit


def training_mean(config, split) -> Callable[[], dict[str, float]]:
    def fit() -> dict[str, float]:
        return scores(torch.full_like(split.test_y, float(split.train_y.mean())), split.test_y)

    return fit


MODELS = {
    "course network 3→10→20→1 (nnlib trainer)": trainer_model,
    "MLPRegressor (10, 20) (scikit-learn)": sklearn_mlp,
    "LinearRegression (scikit-learn)": linear,
    "the training mean (no model)": training_mean,
}


def compare(seeds: int, **changes: object) -> list[dict]:
    results: dict[str, list[dict[str, float]]] = {name: [] for name in MODELS}
    seconds: dict[str, list[float]] = {name: [] for name in MODELS}
    for seed in range(seeds):
        config = dataclasses.replace(default_config("diabetes"), device="cpu", seed=seed, **changes)
        split = prepare_split(config)
        for name, make in MODELS.items():
            fit = make(config, split)
            begun = time.perf_counter()
            results[name].append(fit())
            seconds[name].append(time.perf_counter() - begun)
    rows = []
    for name in MODELS:
        row = {"model": name, "seeds": seeds, "seconds": round(statistics.median(seconds[name]), 3)}
        for metric in METRICS:
            values = [result[metric] for result in results[name]]
            row[f"test_{metric}"] = round(statistics.fmean(values), 3)
            row[f"test_{metric}_each"] = [round(value, 3) for value in values]
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, help="default: the data set's (default_config('diabetes'))")
    parser.add_argument("--lr", type=float)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    changes = {key: value for key, value in (("epochs", args.epochs), ("lr", args.lr)) if value is not None}
    config = dataclasses.replace(default_config("diabetes"), **changes)
    torch.set_num_threads(1)  # a small network: one thread is the fastest and the fairest
    rows = compare(args.seeds, **changes)
    print(f"diabetes (442 patients; inputs bmi, bp, s5 standardized on the training part; target: progression "
          f"after a year, 25 … 346), split 70/15/15, {args.seeds} seeds; {config.optimizer} η={config.lr:g}, "
          f"batch {config.batch_size}, {config.epochs} epochs")
    print(f"{'model':44s} {'test MSE':>9s} {'test MAE':>9s} {'MAPE %':>7s} {'s/fit':>6s}")
    for row in rows:
        print(f"{row['model']:44s} {row['test_mse']:9.1f} {row['test_mae']:9.2f} {row['test_mape']:7.2f} "
              f"{row['seconds']:6.2f}")
    if args.json:
        print(json.dumps(rows))
    return rows


if __name__ == "__main__":
    main()

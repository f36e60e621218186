"""The live decision boundary's cost: a toy run's training time with the boundary redrawn vs without.

A run trains in the background exactly as on the Training page (:class:`BackgroundRun`); while it
trains, this thread does what one tick of the live panel does for a toy set, at Start and then every
``--period`` seconds (the page's period with one run on the server: 1 s): the plane view from a copy
of the weights, the boundary picture with the points, one picture per hidden unit, all encoded as
PNG as the page sends them. Rounds alternate without / with, so the machine's noise hits both alike;
the ratio is the median of the rounds' paired ratios (wall time from Start to the run's end). Also
printed: one redraw's time, and what redrawing after every batch would cost.

    python -m bench.boundary_redraw                  # moons at its defaults, 15 rounds, period 1 s
    python -m bench.boundary_redraw --dataset spirals --rounds 9 --period 0.25
    python -m bench.boundary_redraw --json           # and one JSON line at the end
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from nnlib.data.registry import DATASETS
from nnlib.training import Trainer, default_config, prepare_split
from nnlib.training.runner import BackgroundRun, RunSlots
from pages.components.heatmap import run_pictures
from pages.sections.boundary import BOUNDARY_PIXELS

PAGE_PERIOD = 1.0  # the live panel's period while fewer than 5 runs share the server (redraw_seconds)


def redraw(model: torch.nn.Module, split, features: tuple[str, ...]) -> int:
    """One live-panel tick's pictures, PNG-encoded as the page sends them; returns the bytes sent."""
    pictures = run_pictures(model, split, features, BOUNDARY_PIXELS)
    return len(pictures.boundary) + sum(len(png) for _, pngs in pictures.hidden for png in pngs)


def one_run(config, split, period: float | None) -> tuple[float, int]:
    """Wall seconds from Start to the run's end, and the redraws done meanwhile (period None: none).

    With a period, the first redraw comes the moment the run starts, then one every ``period``: the
    worst case of the page, whose fragment timer ticks on its own clock (a run that starts just after
    a tick sees its first redraw a period later; a run shorter than the period may see none).
    """
    trainer = Trainer(config, split)
    run = BackgroundRun(trainer, slots=RunSlots(1))
    redraws = 0
    started = time.perf_counter()
    run.start()
    if period is not None:
        while run.is_alive:
            redraw(trainer.model, split, config.toy_features)
            redraws += 1
            run.wait(period)
    run.wait(600)
    return time.perf_counter() - started, redraws


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=[name for name, record in DATASETS.items() if record.toy],
                        default="moons")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--period", type=float, default=PAGE_PERIOD, help="seconds between redraws")
    parser.add_argument("--threads", type=int, default=0, help="the run's CPU threads (default 0: automatic, "
                        "as on the page; 1 is steadier on a busy machine)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    config = default_config(args.dataset)
    config.device, config.threads = "cpu", args.threads
    split = prepare_split(config)
    one_run(config, split, None)  # warm up: the first optimizer and the first run pay one-time costs
    without, with_redraw, ratios, counts = [], [], [], []
    for index in range(args.rounds):
        times = {}
        for period in ((None, args.period) if index % 2 == 0 else (args.period, None)):
            seconds, redraws = one_run(config, split, period)
            times[period] = seconds
            if period is not None:
                counts.append(redraws)
        without.append(times[None])
        with_redraw.append(times[args.period])
        ratios.append(times[args.period] / times[None])

    trained = Trainer(config, split)
    trained.run()
    costs = []
    for _ in range(20):
        begun = time.perf_counter()
        sent = redraw(trained.model, split, config.toy_features)
        costs.append(time.perf_counter() - begun)
    redraw_seconds = statistics.median(costs)
    batch_seconds = statistics.median(without) / (config.epochs * trained.batches_per_epoch)
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    result = {
        "dataset": args.dataset, "network": config.network, "epochs": config.epochs, "batch_size": config.batch_size,
        "threads": args.threads, "rounds": args.rounds, "period_s": args.period,
        "run_s_without": round(statistics.median(without), 4), "run_s_with": round(statistics.median(with_redraw), 4),
        "redraws_per_run": statistics.median(counts),
        "ratio": round(statistics.median(ratios), 4), "ratio_iqr": [round(quartiles[0], 4), round(quartiles[2], 4)],
        "redraw_ms": round(redraw_seconds * 1000, 2), "redraw_bytes": sent,
        "every_batch_ratio": round(1 + redraw_seconds / batch_seconds, 1),
    }
    print(f"{args.dataset} ({config.network}, {config.epochs} epochs, batch {config.batch_size}, threads "
          f"{args.threads or 'automatic'}): a run takes {result['run_s_without']:.3f} s without the live boundary, "
          f"{result['run_s_with']:.3f} s with it redrawn at Start and every {args.period:g} s "
          f"({result['redraws_per_run']:g} redraws a run); medians of {args.rounds} rounds")
    print(f"ratio with / without: {result['ratio']:.3f} (IQR {result['ratio_iqr'][0]:.3f}-{result['ratio_iqr'][1]:.3f})")
    print(f"one redraw: {result['redraw_ms']:.1f} ms, {sent / 1024:.0f} KiB of PNG; after every batch instead it "
          f"would make training {result['every_batch_ratio']:g}× slower")
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()

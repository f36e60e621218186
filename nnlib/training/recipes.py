"""A run's recipe around the trainer: defaults per dataset, the network, the data, the work, the code.

- :func:`default_config`: settings that teach well for each dataset;
- :func:`build_network`: a preset or a builder stack, checked against the data it will see;
- :func:`planned_work`: about the multiply-adds a run will do, before anything is built;
- :func:`prepare_split`: the config's dataset, loaded and split;
- :func:`reproduce_code`: plain PyTorch that reproduces the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.data.registry import get_dataset
from nnlib.optimizers import optimizer_code
from nnlib.training.config import REGRESSION, TrainConfig, all_training_losses
from nnlib.training.networks import DATA_NETWORKS, SIZED_NETWORKS


def network_layers(network: str | list[dict[str, Any]], input_shape: tuple[int, ...], n_classes: int) -> list:
    """The layer specs of a course preset, a preset sized to the data (the playground's) or a builder stack.

    ``n_classes`` 0 is a regression: a sized network ends in one output.
    """
    from nnlib import layers as net

    sized = {**SIZED_NETWORKS, **DATA_NETWORKS}
    if isinstance(network, str):
        if network in sized:
            return list(sized[network].layers(math.prod(input_shape), n_classes))
        if network not in net.PRESETS:
            raise InputError("training.unknown_network", field="network", value=network,
                             known=", ".join([*net.PRESETS, *sized]))
        return list(net.PRESETS[network].layers)
    return net.layers_from_data(network)


def build_network(network: str | list[dict[str, Any]], input_shape: tuple[int, ...], n_classes: int) -> nn.Sequential:
    """A preset by name or a builder stack, checked against the data it will see.

    A classification needs one score per class out; a regression (``n_classes`` 0) one value,
    which is what a network ending in one output with MSE is.
    """
    from nnlib import layers as net

    layers = network_layers(network, input_shape, n_classes)
    summary = net.analyze(layers, input_shape)
    errors = [problem for problem in summary.problems if problem.severity == "error"]
    if errors:
        raise InputError("training.bad_network", field="network", problem=errors[0].message)
    out_shape = summary.layers[-1].output_shape if summary.layers else input_shape
    if not n_classes and out_shape[-1] != 1:
        raise InputError("training.regression_outputs", field="network", outputs=out_shape[-1])
    if n_classes and out_shape[-1] != n_classes:
        raise InputError("training.wrong_outputs", field="network", outputs=out_shape[-1], classes=n_classes)
    return net.build_model(layers)


def planned_work(config: TrainConfig, split: Any) -> int:
    """About the multiply-adds a run will do: epochs x parameters x (training samples + batches).

    The network is built on PyTorch's "meta" device, which allocates nothing, so a run that
    is too big can be refused before anything is built. Each sample costs a pass over every
    weight; each batch one more (the optimizer's step), which is what makes batch 1 slow.
    """
    n = len(split.train_x)
    batch = n if config.batch_size in (0, None) else min(config.batch_size, n)
    with torch.device("meta"):
        model = build_network(config.network, tuple(split.train_x.shape[1:]), len(split.classes))
    parameters = sum(p.numel() for p in model.parameters())
    return int(config.epochs) * parameters * (n + math.ceil(n / max(1, batch)))


def default_config(dataset: str) -> TrainConfig:
    """Defaults that teach well (and reach the course's accuracies) for each dataset: its record's.

    notMNIST trains with SGD with momentum 0.9 (optimizer "momentum": plain "sgd" ignores
    ``momentum``); on the offline letters it reaches about 97.5 % test accuracy in 10
    epochs, plain SGD at the same learning rate about 95.6 %. The toy sets train the
    playground's 2 → 8 → 8 → classes Tanh network with Adam; the spirals a deeper ReLU one.
    """
    return TrainConfig(dataset=dataset, **get_dataset(dataset).training)


def prepare_split(config: TrainConfig, progress: Callable[[int, int], None] | None = None) -> Any:
    """Load and split the config's dataset (iris, the real notMNIST or the offline letters, a toy set,
    a regression set, a CSV table)."""
    return split_data(config, get_dataset(config.dataset).load(config.data_options(progress)))


def split_data(config: TrainConfig, data: Any) -> Any:
    """Split loaded data as the config says: stratified by class, or, with no classes, as one group
    with float targets (:func:`nnlib.data.regression.split_regression`)."""
    from nnlib import data as datasets
    from nnlib.data.regression import split_regression

    split = split_regression if not data.classes else datasets.split_dataset
    return split(data, val_fraction=config.val_fraction, test_fraction=config.test_fraction, seed=config.seed,
                 standardize=config.standardize)


def data_shape(config: TrainConfig) -> tuple[tuple[int, ...], int]:
    """(one sample's shape, classes) of the config's data, known without loading it (toy sets only).

    Only a sized network needs the numbers; the course's data sets give the builder's planned shapes.
    """
    from nnlib.layers import PLANNED_DATASETS

    if get_dataset(config.dataset).toy:
        from nnlib.data.toy import TOY_SETS

        return (2 + len(config.toy_features),), len(TOY_SETS[config.dataset].classes)
    if config.dataset == "curve":
        return (1,), 0
    if config.dataset == "diabetes":
        from nnlib.data.regression import DIABETES_INPUTS

        return (len(DIABETES_INPUTS),), 0
    planned = PLANNED_DATASETS.get(config.dataset)
    return (planned.input_shape, planned.classes) if planned is not None else ((1,), 1)


def reproduce_code(config: TrainConfig) -> str:
    """Plain PyTorch that reproduces this run's recipe (model, loss, optimizer, loop); its comments in the
    current language, its code in English."""
    from nnlib import layers as net

    regression = get_dataset(config.dataset).task == REGRESSION or config.csv_task == REGRESSION
    layers = network_layers(config.network, *data_shape(config))
    model_lines = [f"    {line}," for line in _layer_code_lines(net.build_model(layers))]
    batch = "len(X_train)" if not config.batch_size else str(config.batch_size)
    optimizer = optimizer_code(config.optimizer, config.lr, weight_decay=config.weight_decay,
                               **config.optimizer_hyperparameters())
    return "\n".join([
        "import torch",
        "from torch import nn",
        "",
        "# " + messages.word("training.code.dataset_regression" if regression else "training.code.dataset",
                             {"dataset": config.dataset}),
        *(["# " + messages.word("training.code.made_by", {"call": (
            f"nnlib.data.toy.make_toy_dataset({config.dataset!r}, samples={config.toy_samples}, "
            f"noise={config.toy_noise:g}, seed={config.toy_seed}, features={list(config.toy_features)!r})")})]
          if get_dataset(config.dataset).toy else []),
        f"torch.manual_seed({config.seed})",
        "model = nn.Sequential(",
        *model_lines,
        ")",
        f"loss_fn = nn.{all_training_losses()[config.loss].module.__name__}()",
        f"optimizer = {optimizer}",
        f"generator = torch.Generator().manual_seed({config.seed})",
        f"batch_size = {batch}",
        "",
        f"for epoch in range({config.epochs}):",
        "    model.train()",
        "    order = torch.randperm(len(X_train), generator=generator)",
        "    for start in range(0, len(X_train), batch_size):",
        "        index = order[start:start + batch_size]",
        "        loss = loss_fn(model(X_train[index]), y_train[index])",
        "        optimizer.zero_grad()",
        "        loss.backward()",
        "        optimizer.step()",
        "    model.eval()",
        "    with torch.no_grad():",
        *(["        val_acc = (model(X_val).argmax(1) == y_val).float().mean().item()",
           "    print(f'epoch {epoch + 1}: loss {loss.item():.4f}, val accuracy {val_acc:.2%}')"]
          if not regression else
          ["        val_mae = (model(X_val) - y_val).abs().mean().item()",
           "    print(f'epoch {epoch + 1}: loss {loss.item():.4f}, val MAE {val_mae:.4f}')"]),
    ])


def _layer_code_lines(model: nn.Sequential) -> list[str]:
    return [f"nn.{repr(layer)}" for layer in model]


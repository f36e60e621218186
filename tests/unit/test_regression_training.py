"""Regression in the trainer: float targets, a regression loss, MSE / MAE / MAPE, the course's 3 → 10 → 20 → 1.

The oracle is the plain loop of course text 003 («Задача регрессии и оптимизатор Adam»): the same
seed, the same shuffle, ``nn.MSELoss`` on (N, 1) targets; the trainer's weights must equal its
weights bit for bit, as they do for classification in test_training.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.losses.metrics import regression_scores
from nnlib.training import (
    RunLog,
    TrainConfig,
    Trainer,
    build_network,
    default_config,
    fitted_curve,
    predicted_vs_true,
    prepare_split,
    reproduce_code,
    training_losses,
)
from tests.unit.test_training import assert_same_weights


@dataclass
class ValueSplit:
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...] = ()


def values(seed: int = 0, n: int = 90) -> ValueSplit:
    """Three inputs, a noisy nonlinear target (positive, so MAPE is finite), split 60/15/15."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=generator)
    y = 5 + 2 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2] ** 2 + 0.1 * torch.randn(n, generator=generator)
    return ValueSplit(x[:60], y[:60], x[60:75], y[60:75], x[75:], y[75:])


def course_network() -> nn.Sequential:
    """Course 004's «Собираем нейросеть»: 3 → 10 → 20 → 1 with ReLU between the linear layers."""
    return nn.Sequential(nn.Linear(3, 10), nn.ReLU(), nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1))


def plain_loop(config: TrainConfig, split: ValueSplit, optimizer_class: type, loss_fn: nn.Module,
               **optimizer_kwargs: object) -> nn.Module:
    """The loop a student writes from the course texts, with the same seed and shuffle."""
    torch.manual_seed(config.seed)
    model = course_network()
    optimizer = optimizer_class(model.parameters(), **optimizer_kwargs)
    generator = torch.Generator().manual_seed(config.seed)
    y = split.train_y.unsqueeze(1)  # (N, 1), the shape of the network's one output
    n = len(split.train_x)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, config.batch_size):
            index = order[start:start + config.batch_size]
            loss = loss_fn(model(split.train_x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


@pytest.mark.parametrize("loss", ["mse", "l1", "huber", "smooth_l1"])
@pytest.mark.parametrize(
    ("optimizer", "torch_class", "kwargs"),
    [("sgd", torch.optim.SGD, {"lr": 0.01}), ("adam", torch.optim.Adam, {"lr": 0.01, "betas": (0.9, 0.999)})],
)
def test_regression_training_reproduces_a_plain_loop_exactly(loss: str, optimizer: str, torch_class: type,
                                                             kwargs: dict) -> None:
    config = TrainConfig(dataset="diabetes", network="regression", loss=loss, optimizer=optimizer, lr=kwargs["lr"],
                         batch_size=16, epochs=5, seed=7, device="cpu")
    split = values()
    trainer = Trainer(config, split)  # builds the course's preset itself, seeded with config.seed
    trainer.run()
    assert [type(layer).__name__ for layer in trainer.model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    loss_fn = training_losses("regression")[loss].module()
    reference = plain_loop(config, split, torch_class, loss_fn, **kwargs,
                           **({"fused": True} if trainer.fused else {}))
    assert_same_weights(trainer.model, reference)
    assert isinstance(trainer.loss_fn, type(loss_fn))


def test_the_diabetes_split_trains_like_the_plain_loop_on_the_same_tensors() -> None:
    config = dataclasses.replace(default_config("diabetes"), epochs=3, device="cpu")
    split = prepare_split(config)
    assert split.classes == () and split.train_y.dtype == torch.float32 and split.train_x.shape[1:] == (3,)
    assert torch.allclose(split.train_x.mean(0), torch.zeros(3), atol=1e-5)  # standardized on the training part
    assert float(split.train_y.min()) >= 25  # targets keep their own units: progression 25 … 346
    trainer = Trainer(config, split)
    trainer.run()
    reference = plain_loop(config, split, torch.optim.Adam, nn.MSELoss(), lr=config.lr,
                           **({"fused": True} if trainer.fused else {}))
    assert_same_weights(trainer.model, reference)


def test_the_loss_records_say_which_task_they_serve() -> None:
    regression = training_losses("regression")
    assert list(regression) == ["mse", "l1", "smooth_l1", "huber"]
    assert {info.task for info in regression.values()} == {"regression"}
    assert regression["mse"].module is nn.MSELoss and regression["huber"].module is nn.HuberLoss
    assert list(training_losses()) == ["cross_entropy", "nll"]  # a classifier's, as before
    assert default_config("diabetes").loss == "mse" and default_config("diabetes").network == "regression"
    assert default_config("curve").loss == "mse"


def test_the_epoch_records_carry_mse_mae_and_mape_where_classification_has_accuracy() -> None:
    config = TrainConfig(dataset="diabetes", network="regression", loss="l1", optimizer="adam", lr=0.01,
                         batch_size=16, epochs=4, seed=1, device="cpu")
    log = RunLog()
    trainer = Trainer(config, values(), listeners=[log])
    trainer.run()
    last = log.epochs[-1]
    assert last.train_acc is None and last.val_acc is None
    with torch.no_grad():
        predicted = trainer.model(trainer.val_x)
    true = trainer.val_y
    assert last.val_mse == pytest.approx(float(((true - predicted) ** 2).mean()), rel=1e-5)
    assert last.val_mae == pytest.approx(float((true - predicted).abs().mean()), rel=1e-5)
    assert last.val_loss == pytest.approx(last.val_mae, rel=1e-5)  # the L1 loss is the MAE
    assert last.val_mape == pytest.approx(float(((true - predicted).abs() / true.abs()).mean() * 100), rel=1e-5)
    assert trainer.state["val_mae"][-1] == last.val_mae and len(trainer.state["val_mape"]) == 4
    # The course's train state keeps its keys: no accuracies for a regression, test_acc stays -1.
    assert trainer.state["train_acc"] == trainer.state["val_acc"] == [] and trainer.state["test_acc"] == -1
    summary = trainer.summary()
    assert summary["task"] == "regression" and summary["test_acc"] is None
    assert summary["val_mae"] == last.val_mae and summary["test_mse"] == trainer.state["test_mse"] > 0


def test_mape_is_the_course_formula() -> None:
    # Course text 004, «Метрики»: score = (y - y_hat).abs() / y * 100; score.mean() prints tensor(45.0794).
    y = torch.tensor([[0.5], [1.5], [0.7]])
    y_hat = torch.tensor([[0.6], [0.2], [0.5]])
    scores = regression_scores(y_hat, y)
    assert f"{scores.mape:.4f}" == "45.0794"
    assert scores.mape == pytest.approx(float(((y - y_hat).abs() / y.abs() * 100).mean()), rel=1e-6)
    assert scores.mse == pytest.approx(0.58) and scores.mae == pytest.approx((0.1 + 1.3 + 0.2) / 3)
    # A trained run's test MAPE is the same formula on its test predictions.
    config = TrainConfig(dataset="diabetes", network="regression", loss="mse", optimizer="adam", lr=0.01,
                         batch_size=16, epochs=3, seed=2, device="cpu")
    trainer = Trainer(config, values())
    trainer.run()
    predicted, true = trainer.predict("test")
    assert trainer.state["test_mape"] == pytest.approx(float(((true - predicted).abs() / true.abs()).mean() * 100),
                                                       rel=1e-5)


def test_a_loss_of_the_other_task_is_one_clear_message_in_english_and_russian() -> None:
    with pytest.raises(InputError) as on_classes:
        TrainConfig(dataset="iris", loss="mse").validate()
    assert on_classes.value.code == "training.loss_for_regression" and on_classes.value.field == "loss"
    assert on_classes.value.message == (
        "MSELoss is a regression loss: it compares predicted numbers, but this data set has classes. "
        "Choose a classification loss: cross_entropy, nll (cross_entropy by default).")
    assert "функция потерь для регрессии" in on_classes.value.words("ru")
    with pytest.raises(InputError) as on_values:
        Trainer(TrainConfig(dataset="iris", loss="cross_entropy", device="cpu"), values())
    assert on_values.value.code == "training.loss_for_classification"
    assert "mse, l1, smooth_l1, huber (mse by default)" in on_values.value.message
    russian = on_values.value.words("ru")
    assert "функция потерь для классификации" in russian and "{" not in russian
    with pytest.raises(InputError) as unknown:
        TrainConfig(dataset="diabetes", loss="hinge").validate()
    assert unknown.value.code == "training.unknown_loss" and "huber" in unknown.value.message


def test_a_network_ending_in_one_output_is_a_regression_not_an_error() -> None:
    model = build_network("regression", (3,), 0)
    assert model[-1].out_features == 1
    stack = [{"kind": "Linear", "in_features": 3, "out_features": 2, "bias": True}]
    with pytest.raises(InputError) as two:
        build_network(stack, (3,), 0)
    assert two.value.code == "training.regression_outputs" and "1" in two.value.message
    assert "Регрессия предсказывает одно число" in messages.word(two.value.code, two.value.details, "ru")
    with pytest.raises(InputError) as classes:
        build_network("regression", (3,), 3)  # one output for three classes is still wrong
    assert classes.value.code == "training.wrong_outputs"


def test_the_course_network_trains_the_diabetes_table() -> None:
    config = dataclasses.replace(default_config("diabetes"), device="cpu")
    split = prepare_split(config)
    trainer = Trainer(config, split)
    trainer.run()
    baseline = float((split.test_y - split.train_y.mean()).abs().mean())  # predicting the mean: MAE about 64
    summary = trainer.summary()
    assert summary["epochs"] == config.epochs and summary["test_mae"] < 0.8 * baseline
    assert 20 < summary["test_mape"] < 60


def test_predicted_vs_true_and_the_fitted_curve_after_a_run() -> None:
    config = dataclasses.replace(default_config("curve"), epochs=40, device="cpu")
    split = prepare_split(config)
    trainer = Trainer(config, split)
    trainer.run()
    shown = predicted_vs_true(trainer, "val")
    assert shown.true.shape == shown.predicted.shape == (len(split.val_y),)
    assert torch.equal(shown.true, split.val_y) and torch.equal(shown.residuals, shown.true - shown.predicted)
    curve = fitted_curve(trainer, points=50)
    assert curve.x.shape == curve.y.shape == (50,)
    everything = torch.cat([split.train_x, split.val_x, split.test_x]) * split.std + split.mean
    assert float(curve.x[0]) == pytest.approx(float(everything.min()), abs=1e-5)
    assert float(curve.x[-1]) == pytest.approx(float(everything.max()), abs=1e-5)
    with torch.no_grad():  # the grid is scaled as the training inputs were, then fed to the network
        expected = trainer.model((curve.x.reshape(-1, 1) - split.mean) / split.std).reshape(-1)
    assert torch.allclose(curve.y, expected)
    # On points of the validation split, the curve gives what predict gives.
    at_points = fitted_curve(trainer, 2, low=float(split.val_x[0, 0] * split.std + split.mean),
                             high=float(split.val_x[1, 0] * split.std + split.mean))
    assert torch.allclose(at_points.y, shown.predicted[:2], atol=1e-5)
    with pytest.raises(InputError) as too_many:
        fitted_curve(trainer, points=10**6)
    assert too_many.value.code == "training.curve_points"


def test_the_helpers_refuse_a_classification_and_a_table_with_many_inputs() -> None:
    iris = TrainConfig(dataset="iris", epochs=1, device="cpu")
    classifier = Trainer(iris, prepare_split(iris))
    with pytest.raises(InputError) as not_regression:
        predicted_vs_true(classifier)
    assert not_regression.value.code == "training.not_regression"
    diabetes = Trainer(TrainConfig(dataset="diabetes", network="regression", loss="mse", epochs=1, device="cpu"),
                       values())
    with pytest.raises(InputError) as inputs:
        fitted_curve(diabetes)
    assert inputs.value.code == "training.curve_needs_one_input" and "3" in inputs.value.message


def test_a_regression_summary_has_the_same_keys_and_its_code_reproduces_it() -> None:
    iris = TrainConfig(dataset="iris", epochs=1, device="cpu")
    classifier = Trainer(iris, prepare_split(iris))
    classifier.run()
    regression = Trainer(TrainConfig(dataset="diabetes", network="regression", loss="huber", epochs=1,
                                     device="cpu"), values())
    regression.run()
    assert set(classifier.summary()) == set(regression.summary())
    assert classifier.summary()["task"] == "classification" and classifier.summary()["test_mae"] is None
    code = reproduce_code(regression.config)
    assert "loss_fn = nn.HuberLoss()" in code and "val_mae" in code and "argmax" not in code
    assert "nn.Linear(in_features=20, out_features=1, bias=True)," in code


def test_a_regression_stops_on_its_validation_loss_and_ignores_an_accuracy_target() -> None:
    config = TrainConfig(dataset="diabetes", network="regression", loss="mse", optimizer="adam", lr=0.05,
                         epochs=200, seed=0, device="cpu", target_loss=1.0, target_accuracy=0.9)
    trainer = Trainer(config, values())
    trainer.run()
    assert trainer.stop_code == "training.stop_target_loss" and trainer.epoch < 200
    assert trainer.history[-1].val_loss <= 1.0

"""The course map: every page, in teaching order, with what it teaches.

app.py builds the navigation from this list and the home page draws the map
from it, so a page is described once. A page joins the navigation when its
file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    icon: str
    url_path: str
    summary: str
    course: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


COURSE: tuple[PageInfo, ...] = (
    PageInfo(
        "tensors.py",
        "Tensors",
        ":material/grid_on:",
        "tensors",
        "Type or generate tensors and see shape, dtype and device; add, multiply and "
        "matrix-multiply them, watch broadcasting and PyTorch's shape errors; follow autograd "
        "through a chain of operations.",
        "002 appendix B; 004 «Линейные слои»",
    ),
    PageInfo(
        "activations.py",
        "Activations",
        ":material/show_chart:",
        "activations",
        "ReLU, Sigmoid, Tanh, Softmax and more: each function with its derivative, applied to "
        "a matrix you type, and why stacked linear layers without them collapse into one.",
        "003 «Функции активации»; 004 «Функции активации»",
    ),
    PageInfo(
        "losses.py",
        "Loss functions",
        ":material/calculate:",
        "losses",
        "Enter predictions and targets and see MSE, BCE, CrossEntropy and others from PyTorch "
        "next to the same value worked out step by step, with its gradient and the metrics.",
        "004 «Функции потерь», «Метрики»; 001; 000",
    ),
    PageInfo(
        "builder.py",
        "Network builder",
        ":material/account_tree:",
        "builder",
        "Stack layers, see every shape and parameter count and the printed model, and export "
        "runnable PyTorch code.",
        "004 «Собираем нейросеть»; 002 B.5.2; 003 «Построение модели»",
    ),
    PageInfo(
        "backprop.py",
        "Backpropagation",
        ":material/undo:",
        "backprop",
        "The chain rule through a two-layer network by hand, next to autograd; the gradient "
        "mistakes students make, shown live.",
        "003 «Backpropagation»",
    ),
    PageInfo(
        "optimizers.py",
        "Optimizers",
        ":material/route:",
        "optimizers",
        "Gradient descent step by step, then SGD, Momentum, AdaGrad, RMSProp and Adam racing "
        "across loss surfaces.",
        "003 optimizers; 004 «Градиентный спуск»",
    ),
    PageInfo(
        "training.py",
        "Training",
        ":material/model_training:",
        "training",
        "Fit iris or notMNIST on the detected device with live loss and accuracy charts, then "
        "read the test accuracy and the mistakes the model makes.",
        "003 «Практика»; 004 «Обучаем нейросеть»; 000; 002 B.5.3",
    ),
)


def available_pages() -> list[PageInfo]:
    """The pages of the course that exist, in teaching order."""
    return [page for page in COURSE if page.path.is_file()]

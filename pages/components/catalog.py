"""The course map: every page, in teaching order, with what it teaches.

app.py builds the navigation from this list and the home page draws the map
from it, so a page is described once. A page joins the navigation when its
file exists. Its words are English msgids of the "pages" catalogue, marked with N_ here
and translated with _ where they are shown (``_(page.title)``, ``reference.shown(_)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pages.components.i18n import N_

PAGES_DIR = Path(__file__).resolve().parent.parent


def _as_written(text: str) -> str:
    """No translation: str(reference) is the English (and Russian) text as written here."""
    return text


@dataclass(frozen=True)
class CourseText:
    """One of the course texts, named so a student can find it: who wrote it, its title, what it is.

    ``number`` is how the issues refer to it (000-004; one book's two pages are 000 and 001). Where a text does not
    name its author, ``author`` is empty and ``where`` says what else identifies it.
    """

    number: str
    author: str
    title: str
    where: str = ""

    def shown(self, translate: Callable[[str], str] = _as_written) -> str:
        """Author, «title» (what it is), with ``where`` in the reader's language (titles stay as published)."""
        named = f"{self.author}, «{self.title}»" if self.author else f"«{self.title}»"
        return f"{named} ({translate(self.where)})" if self.where else named

    def __str__(self) -> str:
        return self.shown()


@dataclass(frozen=True)
class Reference:
    """A chapter, section or example of one course text, with the heading the text gives it."""

    text: CourseText
    section: str

    def shown(self, translate: Callable[[str], str] = _as_written) -> str:
        return f"{self.text.shown(translate)}: {translate(self.section)}"

    def __str__(self) -> str:
        return self.shown()


# 000 and 001 are two pages of the Russian edition of Rao and McMahan's book (its chapter 3
# examples: make_train_state and ReviewClassifier, CrossEntropyLoss on random outputs); 002 is
# appendix B of Thampi's "Interpretable AI" (its GitHub repository, thampiman/interpretable-ai-book,
# is named in the text) in Chinese: its sections are named by the book's own English headings, which
# every browser can draw (the Chinese ones need CJK fonts) and the original's readers find.
RAO_MCMAHAN = CourseText(
    "000, 001", "Делип Рао, Брайан Макмахан",
    "Знакомство с PyTorch: глубокое обучение при обработке естественного языка",
)
THAMPI = CourseText("002", "Ajay Thampi", "Interpretable AI", N_("Manning; in Chinese translation"))
# 003 and 004 do not name their authors: what they say of themselves has to do.
LESSON_NOTES = CourseText("003", "", "Конспект, 2 урок: Построение нейросети и методы оптимизации", N_("lecture notes"))
ARTICLE = CourseText("004", "", "Нейронные сети - теория и практика в PyTorch", N_("article of 18.04.2025, with a video"))


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    icon: str
    url_path: str
    summary: str
    course: tuple[Reference, ...]

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


COURSE: tuple[PageInfo, ...] = (
    PageInfo(
        "tensors.py",
        N_("Tensors"),
        ":material/grid_on:",
        "tensors",
        N_("Type or generate tensors and see shape, dtype and device; add, multiply and "
        "matrix-multiply them, watch broadcasting and PyTorch's shape errors; follow autograd "
        "through a chain of operations."),
        (
            Reference(THAMPI, N_("appendix B «PyTorch»: B.3 «Tensors», B.5.1 «Automatic differentiation»")),
            Reference(ARTICLE, "«Линейные слои»"),
        ),
    ),
    PageInfo(
        "activations.py",
        N_("Activations"),
        ":material/show_chart:",
        "activations",
        N_("ReLU, Sigmoid, Tanh, Softmax and more: each function with its derivative, applied to "
        "a matrix you type, and why stacked linear layers without them collapse into one."),
        (
            Reference(LESSON_NOTES, "«Роль нелинейности в нейронных сетях», «Функции активации»"),
            Reference(ARTICLE, "«Функции активации»"),
        ),
    ),
    PageInfo(
        "losses.py",
        N_("Loss functions"),
        ":material/calculate:",
        "losses",
        N_("Enter predictions and targets and see MSE, BCE, CrossEntropy and others from PyTorch "
        "next to the same value worked out step by step, with its gradient and the metrics."),
        (
            Reference(ARTICLE, "«Функции потерь», «Метрики»"),
            Reference(RAO_MCMAHAN, "глава 3, пример 3.8 «Функция потерь на основе дискретной перекрестной энтропии»"),
            Reference(RAO_MCMAHAN, "глава 3, пример 3.20 (BCEWithLogitsLoss)"),
        ),
    ),
    PageInfo(
        "builder.py",
        N_("Network builder"),
        ":material/account_tree:",
        "builder",
        N_("Stack layers, see every shape and parameter count and the printed model, and export "
        "runnable PyTorch code."),
        (
            Reference(ARTICLE, "«Собираем нейросеть»"),
            Reference(THAMPI, N_("appendix B «PyTorch»: B.5.2 «Model definition»")),
            Reference(LESSON_NOTES, "«Практика»: «Построение модели»"),
        ),
    ),
    PageInfo(
        "backprop.py",
        N_("Backpropagation"),
        ":material/undo:",
        "backprop",
        N_("The chain rule through a two-layer network by hand, next to autograd; the gradient "
        "mistakes students make, shown live."),
        (Reference(LESSON_NOTES, "«Backpropagation. Математический аспект.», «Backpropagation в деталях»"),),
    ),
    PageInfo(
        "optimizers.py",
        N_("Optimizers"),
        ":material/route:",
        "optimizers",
        N_("Gradient descent step by step, then SGD, Momentum, AdaGrad, RMSProp and Adam racing "
        "across loss surfaces."),
        (
            Reference(LESSON_NOTES, "«Градиентный спуск», «Методы оптимизации SGD»"),
            Reference(ARTICLE, "«Градиентный спуск»"),
        ),
    ),
    PageInfo(
        "training.py",
        N_("Training"),
        ":material/model_training:",
        "training",
        N_("Fit iris or notMNIST on the detected device with live loss and accuracy charts, then "
        "read the test accuracy and the mistakes the model makes."),
        (
            Reference(LESSON_NOTES, "«Практика»: «Обучение модели», «Задача регрессии и оптимизатор Adam»"),
            Reference(ARTICLE, "«Обучаем нейросеть»"),
            Reference(RAO_MCMAHAN, "глава 3, пример 3.20 «Создание набора данных, модели, функции потерь, "
                                   "оптимизатора и состояния обучения»"),
            Reference(THAMPI, N_("appendix B «PyTorch»: B.5.3 «Training»")),
        ),
    ),
)


def available_pages() -> list[PageInfo]:
    """The pages of the course that exist, in teaching order."""
    return [page for page in COURSE if page.path.is_file()]

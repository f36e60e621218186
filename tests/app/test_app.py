"""The entry point renders, lists the course pages and shows the shared sidebar."""

from __future__ import annotations

import torch

from nnlib.core.device import device_label
from pages.components.catalog import available_pages
from tests.app.conftest import app_test


def test_home_renders_with_sidebar_and_course_map() -> None:
    app = app_test("app.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("Neural networks")
    sidebar_text = " ".join(m.value for m in app.sidebar.markdown) + " ".join(
        c.value for c in app.sidebar.caption
    )
    assert device_label() in sidebar_text
    assert torch.__version__ in sidebar_text
    # One card per course page, in teaching order.
    summaries = [m.value for m in app.main.markdown]
    for page in available_pages():
        assert page.summary in summaries


def test_course_map_names_each_text_by_author_title_and_section() -> None:
    app = app_test("app.py").run()
    captions = [c.value for c in app.main.caption]
    references = [c for c in captions if c.startswith("Course texts:")]
    assert len(references) == len(available_pages())
    for page, shown in zip(available_pages(), references, strict=True):
        assert shown.split("  \n")[1:] == [str(reference) for reference in page.course]
    # As the texts head them (../shared/seeds 000-004); no bare file numbers, no curriculum folder.
    training = references[[p.url_path for p in available_pages()].index("training")]
    assert ("Делип Рао, Брайан Макмахан, «Знакомство с PyTorch: глубокое обучение при обработке естественного "
            "языка»: глава 3, пример 3.20 «Создание набора данных, модели, функции потерь, оптимизатора и "
            "состояния обучения»") in training
    assert "Ajay Thampi, «Interpretable AI» (Manning; in Chinese translation): appendix B «PyTorch»: B.5.3 «Training»" \
        in training
    assert "«Конспект, 2 урок: Построение нейросети и методы оптимизации»" in training
    assert "«Нейронные сети - теория и практика в PyTorch»" in training
    assert not any("curriculum folder" in c or "appendix B;" in c for c in captions)

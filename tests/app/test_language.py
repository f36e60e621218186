"""The dashboard in Russian, driven headlessly: ?lang=ru, the sidebar selector, a Russian error message."""

from __future__ import annotations

import ast
import inspect
from unittest import mock

import pytest
import streamlit as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.tensors import tensor_from_text
from pages.components.catalog import available_pages
from pages.components.i18n import available_languages, language_name
from pages.components.ui import plain_markdown
from tests.app.conftest import ROOT, app_test

# The pages catalogue's Russian titles, in the course map's order (locales/ru/LC_MESSAGES/pages.po).
RUSSIAN_TITLES = {
    "tensors": "Тензоры", "activations": "Функции активации", "losses": "Функции потерь",
    "builder": "Конструктор сети", "backprop": "Обратное распространение ошибки",
    "optimizers": "Оптимизаторы", "training": "Обучение",
}
RAGGED = "[[1, 2], [3]]"
RAGGED_RU = ("Строки разной длины: элемент [1] имеет форму (1,), а [0] — форму (2,). В каждой строке должно быть "
             "столько же чисел, сколько в остальных (тензор — прямоугольная сетка).")
RAGGED_EN = ("The rows have different lengths: item [1] has shape (1,) but [0] has shape (2,). Every row must have "
             "as many numbers as the others (a tensor is a rectangular grid).")


def opened(lang: str | None = None, page: str | None = None):
    """The app run once (with ?lang=<lang>), then on ``page`` if given."""
    app = app_test("app.py")
    if lang is not None:
        app.query_params["lang"] = lang
    app.run()
    assert not app.exception
    if page is not None:
        app.switch_page(page).run()
        assert not app.exception
    return app


def navigation_of(lang: str | None) -> dict[str, list[str]]:
    """The groups and page titles app.py hands to st.navigation."""
    with mock.patch.object(st, "navigation", wraps=st.navigation) as navigation:
        opened(lang)
    groups = navigation.call_args.args[0]
    return {group: [page.title for page in pages] for group, pages in groups.items()}


def test_lang_ru_gives_russian_navigation() -> None:
    shown = navigation_of("ru")
    assert list(shown) == ["Начало", "Курс", "Группа"]
    assert shown["Начало"] == ["Карта курса", "Глоссарий"]
    assert shown["Курс"] == [RUSSIAN_TITLES[page.url_path] for page in available_pages()]
    assert shown["Группа"] == ["Ваша группа", "Преподаватель"]


def test_english_is_the_default_and_lang_en_keeps_it() -> None:
    assert navigation_of(None)["Course"] == [page.title for page in available_pages()]
    assert list(navigation_of("en")) == ["Start", "Course", "Class"]
    app = opened()
    assert app.title[0].value == "Neural networks in PyTorch, hands on"
    assert app.sidebar.selectbox(key="language").value == "en"
    assert "lang" not in app.query_params  # the default needs no parameter


def test_lang_ru_gives_the_russian_home_page_and_sidebar() -> None:
    app = opened("ru")
    assert app.title[0].value == "Нейронные сети в PyTorch на практике"
    selector = app.sidebar.selectbox(key="language")
    assert (selector.label, selector.value, selector.options) == ("Язык", "ru", ["English", "Русский"])
    assert app.sidebar.caption[0].value == "Вычисления на"
    summaries = [m.value for m in app.main.markdown]
    assert summaries[0].startswith("Каждая страница берет одну идею курса")
    assert ("Градиентный спуск шаг за шагом, затем SGD, Momentum, AdaGrad, RMSProp и Adam наперегонки по "
            "поверхностям функции потерь.") in summaries
    references = [c.value for c in app.main.caption if c.value.startswith("Тексты курса:")]
    assert len(references) == len(available_pages())
    training = references[[p.url_path for p in available_pages()].index("training")]
    assert ("Ajay Thampi, «Interpretable AI» (Manning; в переводе на китайский): приложение B «PyTorch»: "
            "B.5.3 «Training»") in training
    assert "«Конспект, 2 урок: Построение нейросети и методы оптимизации» (конспект лекции)" in training
    assert app.query_params["lang"] == "ru"


def test_the_selector_switches_the_language_and_the_address_follows() -> None:
    app = opened("ru")
    app.sidebar.selectbox(key="language").set_value("en").run()
    assert app.title[0].value == "Neural networks in PyTorch, hands on"
    assert app.query_params["lang"] == "en"  # a link asked for Russian: the address now says English
    app.sidebar.selectbox(key="language").set_value("ru").run()
    assert app.title[0].value == "Нейронные сети в PyTorch на практике"
    assert app.query_params["lang"] == "ru"


def test_the_language_stays_on_every_page_of_the_session() -> None:
    app = opened("ru", "pages/glossary.py")
    assert app.title[0].value == "Глоссарий"
    app.switch_page("pages/home.py").run()
    assert app.title[0].value == "Нейронные сети в PyTorch на практике"


def test_a_bad_tensor_is_explained_in_russian_and_the_typed_text_survives_a_switch() -> None:
    with pytest.raises(InputError) as caught:
        tensor_from_text(RAGGED, field="A")
    assert (caught.value.code, caught.value.words("ru"), caught.value.words("en")) == (
        "parsing.ragged", RAGGED_RU, RAGGED_EN)

    app = opened("ru", "pages/tensors.py")
    # AppTest reads a selectbox back through its format_func in the test's own thread, as the
    # browser shows it: the Tensors page's devices are worded ("CPU · 2 ядра"), so read in Russian.
    with messages.in_language("ru"):
        app.text_area(key="tensors_a_text").input(RAGGED).run()
        assert plain_markdown(RAGGED_RU) in [error.value for error in app.error]
        # The same page in English: the same message in English, the typed text untouched.
        app.sidebar.selectbox(key="language").set_value("en").run()
    assert app.text_area(key="tensors_a_text").value == RAGGED
    assert plain_markdown(RAGGED_EN) in [error.value for error in app.error]
    assert plain_markdown(RAGGED_RU) not in [error.value for error in app.error]


def test_the_engine_speaks_the_pages_language_only_inside_the_run() -> None:
    # A test (like the CLI) never chooses a language: English, whatever the app tests did.
    assert messages.current_language() == "en"
    assert messages.word("parsing.missing_close") == "The input ends too early: a closing ']' is missing."


def page_msgids() -> set[str | tuple[str, str]]:
    """Every string app.py and pages/ hand to _, N_ or ngettext (a plural pair as a tuple)."""
    from babel.messages.extract import extract_from_file

    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]
    found = set()
    for path in files:
        for _line, message, _comments, _context in extract_from_file("python", path, keywords=keywords):
            found.add(message)
    return found


def catalogue_msgids(path) -> dict:
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        return {entry.id: entry.string for entry in read_po(source) if entry.id}


def test_every_page_string_is_in_the_template_and_translated_into_russian() -> None:
    in_code = page_msgids()
    assert "Loss functions" in in_code and ("{count} term", "{count} terms") in in_code
    template = catalogue_msgids(ROOT / "locales" / "pages.pot")
    assert set(template) == in_code, "locales/pages.pot is out of date: run pybabel extract (README, Languages)"
    russian = catalogue_msgids(ROOT / "locales" / "ru" / "LC_MESSAGES" / "pages.po")
    untranslated = sorted(str(msgid) for msgid in in_code if not russian.get(msgid) or not all(russian[msgid]))
    assert not untranslated, "pages.po lacks Russian for:\n" + "\n".join(untranslated)
    for msgid, text in russian.items():
        english = msgid if isinstance(msgid, tuple) else (msgid,)
        forms = text if isinstance(text, tuple) else (text,)
        assert all(messages.placeholders(form) == messages.placeholders(english[-1]) for form in forms), msgid
    # The Chinese skeleton has every msgid, none translated yet: the selector does not offer it.
    chinese = catalogue_msgids(ROOT / "locales" / "zh" / "LC_MESSAGES" / "pages.po")
    assert set(chinese) == in_code and not any(all(t) if isinstance(t, tuple) else t for t in chinese.values())
    assert available_languages() == ("en", "ru")
    assert [language_name(code) for code in ("en", "ru", "zh")] == ["English", "Русский", "中文"]


def test_the_glossary_page_lists_the_terms_in_the_readers_order() -> None:
    app = opened("ru", "pages/glossary.py")
    table = app.table[0].value
    assert list(table.columns) == ["Термин", "English", "Еще в текстах", "Где в курсе", "Примечание"]
    assert list(table["Термин"][:3]) == ["автоматическое дифференцирование", "батч", "бинарная классификация"]
    batch = table[table["Термин"] == "батч"].iloc[0]
    assert (batch["English"], batch["Еще в текстах"]) == ("batch", "пакет")
    assert batch["Где в курсе"] == "003 «Стохастический градиентный спуск (SGD)»; 004 «Заключение»; 002 B.5.3"
    assert batch["Примечание"].startswith("Тексты курса говорят «батч»")
    assert app.caption[0].value == "55 терминов"
    with messages.in_language("ru"):
        app.text_input(key="glossary_find").input("эпох").run()
    assert list(app.table[0].value["Термин"]) == ["эпоха"]
    assert app.caption[0].value == "1 термин"

    app = opened(None, "pages/glossary.py")
    table = app.table[0].value
    assert list(table.columns) == ["Term", "Русский", "Also in the texts", "Where in the course", "Note"]
    assert list(table["Term"][:3]) == ["accuracy", "activation function", "automatic differentiation"]
    assert app.caption[0].value == "55 terms"


# The files whose every word is translated so far; the course pages follow as their owners wrap them.
def page_files() -> list:
    """Every file that draws the dashboard: app.py and all of pages/."""
    return [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]


def untranslated_literals(path) -> list[str]:
    """Text handed straight to st.* (or a container's call) without _(): a string literal, or an
    f-string whose own words are prose (lower-case words; product names and numbers pass)."""
    drawing = {name for name in dir(st) if not name.startswith("_") and callable(getattr(st, name))
               and not inspect.ismodule(getattr(st, name))} - {"cache_data", "cache_resource"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in drawing):
            continue
        texts = ("label", "help", "placeholder", "title", "page_title")
        for argument in [*node.args[:1], *(k.value for k in node.keywords if k.arg in texts)]:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                if any(ch.isalpha() for ch in argument.value) and not argument.value.startswith((":material/", "pages/")):
                    found.append(f"{path.name}:{node.lineno}: {argument.value!r}")
            elif isinstance(argument, ast.JoinedStr):
                words = " ".join(part.value for part in argument.values if isinstance(part, ast.Constant))
                if any(word.isalpha() and word.islower() and len(word) > 2 for word in words.split()):
                    found.append(f"{path.name}:{node.lineno}: f-string {words!r}")
    return found


def test_no_string_bypasses_the_catalogue_on_any_page(tmp_path) -> None:
    assert [line for path in page_files() for line in untranslated_literals(path)] == []
    # The scan does find what it looks for: a literal title, a literal label, an English f-string.
    sample = tmp_path / "sample.py"
    sample.write_text('import streamlit as st\nst.title("Tensors")\nst.number_input(label="Epochs", key="e")\n'
                      'st.caption(f"{n} epochs left")\nst.title(_("Tensors"))\n', encoding="utf-8")
    assert untranslated_literals(sample) == ["sample.py:2: 'Tensors'", "sample.py:3: 'Epochs'",
                                             "sample.py:4: f-string ' epochs left'"]


def test_a_keyed_widget_keeps_its_value_when_its_label_is_translated() -> None:
    """What translating a page's labels relies on: Streamlit keys a widget by its key, not its label."""
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        from pages.components.ui import KEPT, SHARED

        russian = st.session_state.get("reads_russian", False)
        st.text_area("Тензор A" if russian else "Tensor A", value="[1.]", key="typed_a", **SHARED)
        st.number_input("Эпохи" if russian else "Epochs", value=5, key="typed_epochs", **KEPT)

    app = AppTest.from_function(page).run()
    app.text_area(key="typed_a").input("[7., 8.]")
    app.number_input(key="typed_epochs").set_value(9)
    app.run()
    app.session_state["reads_russian"] = True
    app.run()
    assert (app.text_area(key="typed_a").label, app.text_area(key="typed_a").value) == ("Тензор A", "[7., 8.]")
    assert (app.number_input(key="typed_epochs").label, app.number_input(key="typed_epochs").value) == ("Эпохи", 9)

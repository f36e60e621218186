"""The dashboard in Russian in a real browser: ?lang=ru, the sidebar selector, what a switch keeps."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

RUSSIAN_COURSE = ["Тензоры", "Функции активации", "Функции потерь", "Конструктор сети",
                  "Обратное распространение ошибки", "Оптимизаторы", "Обучение"]
TYPED = "[[7., 8.], [9., 10.]]"  # not the page's default A
LONG_RUN = "training_epochs_iris=500&training_batch_iris=1"  # the most epochs a default server allows


def heading(page) -> str:
    return page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()


def choose(page, language_name: str) -> None:
    """Pick a language in the sidebar's selector, as a student does."""
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox").click()
    page.get_by_role("option", name=language_name, exact=True).click()
    wait_for_script(page)


def test_the_home_page_with_lang_ru_is_russian(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/?lang=ru")
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text("Нейронные сети в PyTorch на практике")
    nav = page.locator('[data-testid="stSidebarNav"]')
    for title in ["Карта курса", "Глоссарий", *RUSSIAN_COURSE, "Ваша группа", "Преподаватель"]:
        assert nav.get_by_text(title, exact=True).count() == 1, title
    for group in ("Начало", "Курс", "Группа"):
        assert page.locator('[data-testid="stSidebar"]').get_by_text(group, exact=True).count() >= 1, group
    assert "Вычисления на" in page.locator('[data-testid="stSidebar"]').inner_text()
    expect(page.get_by_role("combobox", name="Язык")).to_have_value("Русский")
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Проходите их по порядку:" in main and main.count("Тексты курса:") == len(RUSSIAN_COURSE)
    assert "Course map" not in nav.inner_text() and "Work through them in order" not in main
    screenshot(page, "language_home_ru")


def test_the_glossary_in_both_languages_and_the_language_kept_across_pages(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/glossary")
    wait_for_script(page)
    assert_no_exception(page)
    assert heading(page) == "Glossary"
    expect(page.get_by_text("55 terms", exact=True)).to_be_visible()
    screenshot(page, "language_glossary_en")

    page.goto(f"{server_url}/?lang=ru")
    wait_for_script(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Глоссарий", exact=True).click()
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text("Глоссарий")
    expect(page.get_by_text("55 терминов", exact=True)).to_be_visible()
    # A page change clears unbound parameters; the next run writes the language back.
    expect(page).to_have_url(re.compile(r"/glossary\?lang=ru$"), timeout=15_000)
    screenshot(page, "language_glossary_ru")
    page.reload()
    wait_for_script(page)
    assert heading(page) == "Глоссарий"


def test_switching_language_keeps_a_typed_tensor_and_speaks_the_new_one(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/tensors")
    wait_for_script(page)
    a_text = page.get_by_label("A", exact=True)
    a_text.fill(TYPED)
    a_text.press("Control+Enter")
    wait_for_script(page)
    expect(page).to_have_url(re.compile(r"tensors_a_text="), timeout=15_000)

    choose(page, "Русский")
    assert_no_exception(page)
    expect(page.locator('[data-testid="stSidebarNav"]').get_by_text("Тензоры", exact=True)).to_be_visible()
    expect(page.get_by_label("A", exact=True)).to_have_value(TYPED)
    expect(page).to_have_url(re.compile(r"lang=ru"), timeout=15_000)
    assert "tensors_a_text=" in page.url

    # A ragged tensor: the engine's message in Russian, the typed text as typed.
    a_text = page.get_by_label("A", exact=True)
    a_text.fill("[[1, 2], [3]]")
    a_text.press("Control+Enter")
    wait_for_script(page)
    expect(page.get_by_text(re.compile(r"^Строки разной длины: элемент \[1\] имеет форму \(1,\)"))).to_be_visible()
    screenshot(page, "language_tensors_ru")

    choose(page, "English")
    expect(page.get_by_label("A", exact=True)).to_have_value("[[1, 2], [3]]")
    expect(page.get_by_text(re.compile(r"^The rows have different lengths"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=en"), timeout=15_000)


def test_switching_language_keeps_a_training_run_going(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/training?{LONG_RUN}")
    wait_for_script(page)
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("500", timeout=15_000)
    page.get_by_role("button", name="Start", exact=True).click()
    status = page.get_by_text(re.compile(r"Running · epoch (\d+)/500"))
    status.wait_for(timeout=60_000)
    run_link = re.search(r"run=[^&]+", page.url).group()
    before = int(re.search(r"epoch (\d+)/", status.inner_text()).group(1))

    choose(page, "Русский")
    assert_no_exception(page)
    expect(page.locator('[data-testid="stSidebarNav"]').get_by_text("Обучение", exact=True)).to_be_visible()
    assert run_link in page.url  # the same run, still the student's
    page.wait_for_timeout(3000)
    status = page.get_by_text(re.compile(r"Выполняется · эпоха (\d+)/500"))
    status.wait_for(timeout=30_000)
    after = int(re.search(r"эпоха (\d+)/", status.inner_text()).group(1))
    assert after > before, (before, after)
    screenshot(page, "language_training_ru")
    # The run ends by itself (500 epochs of iris take seconds): pressing Stop could race its end.
    # For a moment after the end two progress lines may coexist (the switch's rerun and the last one).
    expect(page.get_by_text(re.compile(r"(epoch|эпоха) 500/500")).first).to_be_visible(timeout=120_000)


def test_a_russian_browser_opens_in_russian_without_a_parameter(server_url: str, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(server_url)
        wait_for_script(page)
        expect(page.locator("h1").first).to_have_text("Нейронные сети в PyTorch на практике")
        assert "lang=" not in page.url  # the browser's own language needs no parameter
        choose(page, "English")  # ... and a choice against it goes into the address
        expect(page.locator("h1").first).to_have_text("Neural networks in PyTorch, hands on")
        expect(page).to_have_url(re.compile(r"\?lang=en$"), timeout=15_000)
    finally:
        context.close()


# English words that only prose uses: a Russian page that shows one of them has an untranslated sentence.
ENGLISH_PROSE = re.compile(r"\b(the|and|of|with|your|this|which|from|each|is|are)\b")
COURSE_PAGES = ("tensors", "activations", "losses", "builder", "backprop", "optimizers", "training")


def visible_prose(page) -> str:
    """The main block's text, less code (exported PyTorch keeps English names), formulas and PyTorch's own
    error message quoted verbatim on the Backpropagation page."""
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]').cloneNode(true);
        main.querySelectorAll('pre, code, .katex, [data-testid="stCode"], [data-testid="stDataFrame"], '
            + '.st-key-backprop_inplace_error')
            .forEach(node => node.remove());
        return main.innerText;
    }""")


def test_every_course_page_with_lang_ru_reads_in_russian(server_url: str, page: object) -> None:
    """Each page of the course opened by address with ?lang=ru: a Russian heading, Russian labels and prose."""
    for path, title in zip(COURSE_PAGES, RUSSIAN_COURSE, strict=True):
        page.goto(f"{server_url}/{path}?lang=ru")
        wait_for_script(page)
        assert_no_exception(page)
        expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_have_text(title)
        # A busy machine draws the page in steps: read it once its widgets are drawn and their count holds.
        widgets = page.locator('[data-testid="stMain"] [data-testid="stWidgetLabel"]:visible')
        expect(widgets.first).to_be_visible(timeout=30_000)
        counted = -1
        while counted != widgets.count():
            counted = widgets.count()
            page.wait_for_timeout(700)
        # Labels with words: a tensor's "A" or "W₁ (D×M)" is a name, a folded widget's label reads empty,
        # and a layer's PyTorch arguments (in_features, bias) keep their names in every language.
        labels = [label for label in page.locator('[data-testid="stMain"] [data-testid="stWidgetLabel"]')
                  .all_inner_texts() if re.search(r"[^\W\d_]{3,}", label) and not re.fullmatch(r"[a-z_]+", label)]
        assert labels and [label for label in labels if not re.search("[а-яё]", label, re.IGNORECASE)] == [], path
        english = sorted({match.group(0) for match in ENGLISH_PROSE.finditer(visible_prose(page))})
        assert not english, (path, english)
        screenshot(page, f"language_{path}_ru")


def metric(page, label: str) -> str:
    found = page.locator('[data-testid="stMain"] [data-testid="stMetric"]').filter(has_text=label).first
    return found.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_switching_language_keeps_the_loss_inputs_and_the_builders_stack(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/losses")
    wait_for_script(page)
    typed = "[[0.9], [0.1], [0.4]]"
    prediction = page.locator(".st-key-losses_prediction_text textarea")
    prediction.fill(typed)
    prediction.press("Control+Enter")
    wait_for_script(page)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="PyTorch value").first).to_be_visible()
    english_value = metric(page, "PyTorch value")
    assert english_value == "0.7367"  # ((0.9-0.5)² + (0.1-1.5)² + (0.4-0.7)²) / 3 = 2.21 / 3
    choose(page, "Русский")
    assert_no_exception(page)
    expect(prediction).to_have_value(typed)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Значение PyTorch").first).to_be_visible()
    assert metric(page, "Значение PyTorch") == english_value

    page.goto(f"{server_url}/builder?lang=en")
    wait_for_script(page)
    first = page.locator('[data-testid="stMain"]').get_by_label("out_features", exact=True).first
    first.fill("8")
    first.press("Enter")
    wait_for_script(page)
    expect(page).to_have_url(re.compile(r"builder_stack="), timeout=15_000)
    stack = re.search(r"builder_stack=[^&]+", page.url).group()
    choose(page, "Русский")
    assert_no_exception(page)
    expect(page.locator('[data-testid="stMain"]').get_by_label("out_features", exact=True).first).to_have_value("8")
    expect(page).to_have_url(re.compile(r"lang=ru"), timeout=15_000)
    assert stack in page.url  # the same stack, still in the address

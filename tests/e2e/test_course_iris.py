"""Iris exactly as course text 004 trains it, in a real browser: a few seeds, then one, against the course's numbers.

The section sits at the end of the Training page (pages/sections/course_iris.py); its numbers come from
nnlib.training.course, which tests/unit/test_course_iris.py checks against the course's own loop. Here the
student's path: type the seeds, press the buttons, read the sentences and see both charts drawn.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

CHARTS = '[data-testid="stVegaLiteChart"]'


def open_course_section(page: object) -> None:
    """Bring the section into view: on the Training page it may sit in its own tab ("Iris ... as in the course")."""
    tab = page.get_by_role("tab", name=re.compile(r"Iris|Ирис"))
    if tab.count():
        tab.first.click()
        page.wait_for_timeout(300)


def number(page: object, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_for_script(page)


def test_a_few_seeds_then_one_against_the_courses_88_percent_and_printed_loss(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    assert_no_exception(page)
    open_course_section(page)
    expect(page.get_by_text("Iris exactly as in the course (text 004)")).to_be_visible()
    main = page.locator('[data-testid="stMain"]')
    charts_before = main.locator(CHARTS).count()

    # Three seeds from 0: the spread of their validation accuracy against the course's 88 %.
    number(page, "First seed", "0")
    number(page, "Seeds", "3")
    page.get_by_role("button", name="Train 3 seeds").click()
    spread = page.get_by_text("Validation accuracy over 3 seeds:")
    expect(spread).to_be_visible(timeout=30_000)
    wait_for_script(page)
    assert_no_exception(page)
    expect(spread).to_have_text("Validation accuracy over 3 seeds: lowest 92 %, median 94 %, highest 94 %; "
                                "3 seeds reach the course's 88 %.")
    # The first seed's loss trace against the course's printed first and last values.
    expect(page.get_by_text("Seed 0: the loss goes from 1.409 to 0.340 in 500 steps; the course printed "
                            "1.414 → 0.347", exact=False)).to_be_visible()
    # The spread's bars and the loss traces: two charts more than before, both drawn.
    expect(main.locator(CHARTS)).to_have_count(charts_before + 2)
    for chart in main.locator(CHARTS).all()[-2:]:
        chart.scroll_into_view_if_needed()
        expect(chart.locator("canvas, svg").first).to_be_visible(timeout=15_000)
    screenshot(page, "course_iris_three_seeds")

    # One seed: its flowers right out of 50, next to the course's 88 %.
    page.get_by_role("button", name="Train seed 0").click()
    one = page.get_by_text("Seed 0: 47 of 50 validation flowers right, 94 % (the course: 88 %).")
    expect(one).to_be_visible(timeout=30_000)
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("Validation accuracy over 3 seeds:")).to_have_count(0)
    expect(main.locator(CHARTS)).to_have_count(charts_before + 1)  # the loss trace only
    page.get_by_text("The course's code, seeded").click()
    expect(main.locator('[data-testid="stCode"]').filter(has_text="torch.manual_seed(0)")).to_be_visible()


def test_the_section_in_russian(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/training?lang=ru")
    wait_for_script(page)
    assert_no_exception(page)
    open_course_section(page)
    expect(page.get_by_text("Ирисы в точности как в курсе (текст 004)")).to_be_visible()
    number(page, "Запусков (seed)", "2")
    page.get_by_role("button", name="Обучить: 2 запуска").click()
    spread = page.get_by_text("Точность на выборке валидации (запусков: 2):")
    expect(spread).to_be_visible(timeout=30_000)
    wait_for_script(page)
    assert_no_exception(page)
    expect(spread).to_contain_text("2 запуска достигают 88 %, как в курсе.")
    expect(page.get_by_text("в курсе напечатано 1.414 → 0.347", exact=False)).to_be_visible()
    screenshot(page, "course_iris_ru")

"""Hostile input in a real browser: every text field of every page, typed in and committed.

Payloads: a Python call, literally ``__import__('os').system('id')`` and a variant that would
create a marker file; ``1e309``; ``nan``; 500 nested brackets; a 1 MB paste; markup
(``<script>alert(1)</script>`` with an ``<img onerror>``); the empty string. After each one the
page must show no traceback, keep its title and sections, say what is wrong next to the field
(``nan`` is a value most fields take), keep what was typed, open no dialog, create no element
from the markup, quote a typed word as text (not markdown) and run nothing on the server.
Afterwards the course's values are typed back and the page must read exactly as before. A link
carrying the markup in every field (the fields are bound to the address) is as harmless.

The 1 MB paste: Streamlit's text widgets refuse a change longer than max_chars in the browser
(there is no maxlength attribute, so nothing is cut): the paste never reaches the server, the
field keeps its text and its counter shows the cap. The longest text a field can send is
max_text_chars characters, so ``at_cap`` sends that many digits (an integer far beyond int64).

A payload goes into all fields of a group at once: the values are set and committed (Ctrl+Enter
in a text area, Enter in a text input) in one browser task, so every commit is sent before the
first rerun answers. (Filled one by one, a field typed while the previous field's rerun was still
drawing could show and keep its older text: a Streamlit race, not what this tour is about. The
address is not checked per payload either: after such a burst it can keep an older value of a
field whose new value the page shows and uses.) The tensors
page's shape field exists only while T is valid, so it is toured before T; the factory fields,
the activations page's typed weights and the builder's typed sample need a radio choice first.
Optimizers and Training have no text field (numbers, sliders, selects only): checked as such.
Not toured: the shape field of the other five shape operations (each reads its text with the
same nnlib.tensors.parse_int_list as the reshape field toured here) and the fill value of
torch.full (parse_nested, the parser behind every tensor field here).
"""

from __future__ import annotations

import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nnlib.core.settings import get_settings
from tests.support.browser import assert_no_exception, screenshot, wait_for_script, wait_until_quiet

CAP = get_settings().max_text_chars
MARKER = Path(tempfile.gettempdir()) / f"pwned-{uuid.uuid4().hex}"

PAYLOADS: dict[str, str] = {
    "python_call": "__import__('os').system('id')",
    "python_call_marker": f"__import__('os').system('touch {MARKER}')",
    "huge_float": "1e309",
    "nan": "nan",
    "brackets": "[" * 500 + "]" * 500,
    "at_cap": "9" * CAP,
    "markup": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "empty": "",
}
PASTE_1MB = "9" * 1_000_000

# What a field shows after a payload: an error next to it; a note (info or warning: the value is
# taken and something about it explained); nothing that is an error (the value is taken).
ERROR, MESSAGE, VALID = "error", "message", "valid"

# For every text field in <main>, in page order: its label, value, whether it is shown, and the
# alerts between it and the next field (its inline message; a hidden tab's panel counts too).
SURVEY_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const fields = [...main.querySelectorAll("textarea, input[type='text']:not([role='combobox'])")];
  const alerts = [...main.querySelectorAll('[data-testid="stAlertContainer"]')];
  const follows = (a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
  return fields.map((f, i) => ({
    label: f.getAttribute('aria-label'),
    value: f.value,
    shown: !!(f.offsetWidth || f.offsetHeight),
    alerts: alerts.filter(a => follows(f, a) && (i + 1 === fields.length || follows(a, fields[i + 1])))
      .map(a => ({kind: (a.querySelector('[data-testid^="stAlertContent"]')?.dataset.testid || '')
                          .replace('stAlertContent', '').toLowerCase(),
                  text: a.querySelector('[data-testid="stMarkdownContainer"]')?.innerText || a.innerText})),
  }));
}"""

# Type each value and commit it, all in one task: React sees an input event, Streamlit the key.
COMMIT_JS = """(values) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const fields = [...main.querySelectorAll("textarea, input[type='text']")];
  for (const [label, value] of values) {
    const box = fields.find(f => f.getAttribute('aria-label') === label);
    const area = box.tagName === 'TEXTAREA';
    box.focus();
    Object.getOwnPropertyDescriptor(area ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype, 'value')
      .set.call(box, value);
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 13, which: 13,
                                                    ctrlKey: area, bubbles: true, cancelable: true}));
  }
  document.activeElement?.blur();
}"""

# Counts every change of the app's run state, so a wait can tell that a rerun has happened.
RUN_COUNTER_JS = """() => {
  if (window.__runChanges === undefined) {
    window.__runChanges = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(records => { window.__runChanges += records.length; })
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__runChanges;
}"""

IDLE_JS = """() => document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')
  !== 'running' && !document.querySelector('[data-testid="stSkeleton"]')"""

MARKUP_JS = """() => ({
  scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(1)')).length,
  images: document.querySelectorAll('img[src="x"]').length,
  handlers: document.querySelectorAll('[onerror]').length,
})"""


@dataclass(frozen=True)
class Field:
    label: str
    key: str
    tab: str | None = None  # the st.tabs tab that holds it
    message_after: str | None = None  # the field its message is drawn after, when not itself
    outcome: dict[str, str] = field(default_factory=dict)  # payload -> outcome, when not ERROR

    def expected(self, payload: str) -> str:
        return self.outcome.get(payload, ERROR)


@dataclass(frozen=True)
class Group:
    fields: tuple[Field, ...]
    setup: Callable[[object], None] | None = None  # puts the page where these fields are shown


@dataclass(frozen=True)
class PageTour:
    url_path: str
    title: str
    groups: tuple[Group, ...]


def _radio(group_name: str, option: str) -> Callable[[object], None]:
    def choose(page: object) -> None:
        before = _run_changes(page)
        page.get_by_role("radiogroup", name=group_name).get_by_text(option, exact=True).click()
        _settle(page, before)

    return choose


# nan is a number to the parser: most fields take it, and the page then explains what it does.
NAN_OK = {"nan": VALID}
NAN_NOTE = {"nan": MESSAGE}

TOURS = (
    PageTour("tensors", "Tensors", (
        # The shape field is drawn only while T is valid: toured first, with T at its default.
        Group((
            Field("New shape (one size may be -1: PyTorch works it out)", "tensors_reshape_args",
                  outcome={"empty": MESSAGE}),  # reshape() without sizes: PyTorch's error, explained
            Field("A", "tensors_a_text", outcome=NAN_OK),
            Field("B", "tensors_b_text", outcome=NAN_NOTE),  # nan @ nan: two 0-D tensors, PyTorch's error explained
            Field("x (float32, requires_grad=True)", "tensors_x_text", outcome=NAN_OK),
        )),
        Group((Field("T, typed as nested lists (Python or NumPy style)", "tensors_text", outcome=NAN_OK),)),
        # The factory reports one problem at a time, below both fields: sizes first, then the seed.
        Group((Field("Shape (sizes, e.g. 2, 3)", "tensors_shape_args", message_after="Seed (torch.manual_seed)"),),
              setup=_radio("Make T by", "Use a factory")),
        Group((Field("Seed (torch.manual_seed)", "tensors_seed", outcome={"empty": VALID}),)),  # blank: unseeded
    )),
    PageTour("activations", "Activation functions", (
        Group((
            Field("Input tensor X", "activations_matrix_text", outcome=NAN_NOTE),  # "they stay nan"
            Field("Inputs X (one row per example)", "activations_collapse_x", outcome=NAN_OK),
            *(Field(f"{name}{k}", f"activations_collapse_{name.lower()}{k}_3", outcome=NAN_OK)
              for k in (1, 2, 3) for name in ("W", "b")[: 1 if k == 3 else 2]),
            # The stack's shapes are checked after the last bias: a nan W1 is no matrix.
            Field("b3", "activations_collapse_b3_3"),
        ), setup=_radio("Weights", "Typed")),
    )),
    PageTour("losses", "Loss functions", (
        Group((
            Field("Prediction ŷ (the model's output)", "losses_prediction_text", outcome=NAN_OK),
            # The loss is checked after the target: a nan prediction is warned about.
            Field("Target y (the true values)", "losses_target_text", outcome=NAN_NOTE),
            Field("Logits x (raw scores)", "losses_stability_text", tab="Sigmoid + BCELoss vs BCEWithLogitsLoss"),
            Field("Scores z for one sample", "losses_overflow_text", tab="Softmax overflow and log-sum-exp"),
        )),
    )),
    PageTour("builder", "Network builder", (
        Group((
            Field("Input shape of one sample", "builder_input_text"),
            Field("Sample of shape (N, 4) or (4,)", "builder_sample_text"),  # nan is a sample of shape ()
        ), setup=_radio("Sample input", "Typed")),
    )),
    PageTour("backprop", "Backpropagation", (
        Group((
            *(Field(label, key, outcome=NAN_OK)
              for label, key in (("X (N×D): one row per example", "backprop_x_text"), ("W₁ (D×M)", "backprop_w1_text"),
                                 ("W₂ (M numbers)", "backprop_w2_text"))),
            # The network's shapes are checked after the last field: a nan X is no matrix.
            Field("y (N targets)", "backprop_y_text"),
        )),
    )),
)
NO_TEXT_FIELDS = (("optimizers", "Optimizers"), ("training", "Training"))


# --------------------------------------------------------------------------- helpers


def _run_changes(page: object) -> int:
    return page.evaluate(RUN_COUNTER_JS)


def _settle(page: object, changes_before: int, timeout_s: float = 30.0) -> None:
    """Wait for a rerun after changes_before, then for the script to stay idle for 0.2 s."""
    started = time.monotonic()
    while _run_changes(page) == changes_before and time.monotonic() - started < 5:
        page.wait_for_timeout(30)
    left_s = timeout_s - (time.monotonic() - started)
    if not wait_until_quiet(page, lambda: not page.evaluate(IDLE_JS), quiet_s=0.2, poll_ms=30, timeout_s=left_s):
        raise AssertionError(f"the page was still running {timeout_s:.0f} s after the input")


def _open(page: object, url: str) -> None:
    page.goto(url)
    wait_for_script(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")
    _run_changes(page)


def _main(page: object) -> object:
    return page.locator('[data-testid="stMain"]')


def _survey(page: object) -> dict[str, dict]:
    return {item["label"]: item for item in page.evaluate(SURVEY_JS)}


def _headings(page: object) -> list[str]:
    return [h.strip() for h in _main(page).locator("h1, h2").all_inner_texts()]


def _first_tab(page: object, fields: tuple[Field, ...]) -> None:
    """Back to the tab the page opens on, so the visible text compares like for like."""
    tab = next((spec.tab for spec in fields if spec.tab), None)
    if tab:
        page.get_by_role("tab", name=tab, exact=True).click()


def _type_all(page: object, values: dict[str, str]) -> None:
    before = _run_changes(page)
    page.evaluate(COMMIT_JS, list(values.items()))
    _settle(page, before)


def _assert_safe(page: object, title: str, headings: list[str], dialogs: list[str], payload: str) -> None:
    """What must hold after any payload, on any page."""
    assert_no_exception(page)
    assert dialogs == [], f"{payload}: a dialog opened: {dialogs}"
    assert _main(page).locator("h1").first.inner_text().strip() == title
    # The script ran to the end: the last section is drawn (sections that need the field may wait).
    assert headings[-1] in _headings(page), f"{payload}: the page stopped before {headings[-1]!r}"
    assert page.evaluate(MARKUP_JS) == {"scripts": 0, "images": 0, "handlers": 0}, payload
    assert not MARKER.exists(), f"{payload}: the server ran the typed Python call"
    assert "uid=" not in _main(page).inner_text()


def _check_fields(page: object, fields: tuple[Field, ...], payload: str, text: str) -> dict[str, str]:
    """Each field keeps the payload and shows the message it should; returns what each showed."""
    survey = _survey(page)
    shown = {}
    for spec in fields:
        item = survey[spec.label]
        assert item["value"] == text, f"{spec.label}: the typed {payload} was not kept"
        if spec.message_after:
            item = survey[spec.message_after]
        kinds = [alert["kind"] for alert in item["alerts"]]
        expected = spec.expected(payload)
        if expected == ERROR:
            assert kinds[:1] == ["error"], f"{spec.label} with {payload}: no error next to it: {item['alerts']}"
        elif expected == MESSAGE:
            assert kinds and kinds[0] != "error", f"{spec.label} with {payload}: expected a note, got {item['alerts']}"
        elif expected == VALID:
            assert "error" not in kinds, f"{spec.label} takes {payload}, but showed {item['alerts']}"
        if payload.startswith("python_call"):
            # The message quotes the word as typed: as markdown it was a bold "import".
            assert "__import__" in item["alerts"][0]["text"], item["alerts"][0]["text"]
        shown[spec.label] = f"{kinds[0]}: {item['alerts'][0]['text'][:70]}" if kinds else "(accepted)"
    return shown


PASTE_JS = """(label) => {
  const box = [...document.querySelectorAll('[data-testid="stMain"] textarea, [data-testid="stMain"] input')]
    .find(f => f.getAttribute('aria-label') === label);
  box.focus();
  box.select();
  return document.execCommand('insertText', false, '9'.repeat(1000000));
}"""


def _paste_1mb(page: object, fields: tuple[Field, ...], values: dict[str, str]) -> None:
    """A 1 MB insertion, as a paste makes it, is refused by the widget: nothing reaches the server."""
    before = _run_changes(page)
    for spec in fields:
        if spec.tab:
            page.get_by_role("tab", name=spec.tab, exact=True).click()
        assert page.evaluate(PASTE_JS, spec.label)
        box = _main(page).get_by_label(spec.label, exact=True)
        assert box.input_value() == values[spec.label], f"{spec.label}: the 1 MB paste changed the field"
        # What the student sees instead: the field's counter stops at the cap (Streamlit leaves the
        # counter out of short text areas, such as the activations page's weights).
        widget = box.locator("xpath=ancestor::*[@data-testid='stTextArea' or @data-testid='stTextInput'][1]")
        counter = widget.get_by_test_id("InputInstructions")
        if counter.count():
            assert f"{len(values[spec.label])}/{CAP}" in counter.inner_text(), counter.inner_text()
        else:
            print(f"\n{spec.label}: no counter shown")
        box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")
    page.evaluate("() => document.activeElement?.blur()")  # a focused field shows its counter
    page.wait_for_timeout(300)
    assert _run_changes(page) == before, "the refused paste started a rerun"


def _tour_group(page: object, tour: PageTour, group: Group, dialogs: list[str], shot: bool) -> None:
    """The 1 MB paste and every payload into every field of the group, then the original values back."""
    survey = _survey(page)
    missing = [spec.label for spec in group.fields if spec.label not in survey]
    assert not missing, f"{tour.url_path}: no text field labelled {missing}"
    originals = {spec.label: survey[spec.label]["value"] for spec in group.fields}
    headings = _headings(page)
    before_text = _main(page).inner_text()

    _paste_1mb(page, group.fields, originals)
    _assert_safe(page, tour.title, headings, dialogs, "1 MB paste")
    _first_tab(page, group.fields)
    assert _main(page).inner_text() == before_text

    for payload, text in PAYLOADS.items():
        _type_all(page, {spec.label: text for spec in group.fields})
        _assert_safe(page, tour.title, headings, dialogs, payload)
        shown = _check_fields(page, group.fields, payload, text)
        print(f"\n{tour.url_path} · {payload}: {shown}")  # what each field says, shown with -s
        if shot and payload == "python_call":
            _first_tab(page, group.fields)
            screenshot(page, f"hostile_{tour.url_path}")

    _type_all(page, originals)
    _assert_safe(page, tour.title, headings, dialogs, "the original values")
    _first_tab(page, group.fields)
    assert _main(page).inner_text() == before_text, "the page did not come back to the course's values"


# --------------------------------------------------------------------------- tests


@pytest.fixture()
def dialogs(page: object) -> list[str]:
    opened: list[str] = []

    def record(dialog: object) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


@pytest.fixture(scope="module")
def warm(server_url: str, browser: object) -> str:
    """The entry point once: a fresh server's first deep link would skip app.py."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server_url)
    wait_for_script(page)
    context.close()
    return server_url


@pytest.mark.parametrize("tour", TOURS, ids=[tour.url_path for tour in TOURS])
def test_hostile_input_in_every_text_field(warm: str, page: object, dialogs: list[str], tour: PageTour) -> None:
    _open(page, f"{warm}/{tour.url_path}")
    found: set[str] = set()
    link = ""
    for number, group in enumerate(tour.groups):
        if group.setup is not None:
            group.setup(page)
        found |= set(_survey(page))
        if number == 0:
            link = page.url  # with the radio choice that shows the group
        _tour_group(page, tour, group, dialogs, shot=number == 0)
    # Every text field the page drew in these states was toured: a new field must join the tour.
    assert found == {spec.label for group in tour.groups for spec in group.fields}

    # A link carrying the markup in every field of the first group opens as harmlessly.
    first = tour.groups[0].fields
    markup = PAYLOADS["markup"]
    query = urllib.parse.urlencode({spec.key: markup for spec in first}, quote_via=urllib.parse.quote)
    _open(page, f"{link}{'&' if '?' in link else '?'}{query}")
    _assert_safe(page, tour.title, [tour.title], dialogs, "a link with markup")
    _check_fields(page, first, "markup", markup)


@pytest.mark.parametrize(("url_path", "title"), NO_TEXT_FIELDS)
def test_pages_without_text_fields(warm: str, page: object, url_path: str, title: str) -> None:
    _open(page, f"{warm}/{url_path}")
    assert _main(page).locator("h1").first.inner_text().strip() == title
    assert _survey(page) == {}

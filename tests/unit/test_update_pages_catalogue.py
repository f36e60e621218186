"""The maintainers' catalogue tool takes a translator's small file into the language's catalogue."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tools import update_pages_catalogue as tool


def write(path, language, entries, fuzzy=()):
    catalogue = Catalog(locale=language)
    for msgid, text in entries.items():
        catalogue.add(msgid, text, flags=("fuzzy",) if msgid in fuzzy else ())
    with path.open("wb") as handle:
        write_po(handle, catalogue)


def test_apply_fills_known_msgids_clears_fuzzy_and_ignores_the_rest(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tool, "LOCALES", tmp_path)
    (tmp_path / "ru" / "LC_MESSAGES").mkdir(parents=True)
    target = tmp_path / "ru" / "LC_MESSAGES" / "pages.po"
    write(target, "ru", {"Epochs": "Эпох (старое)", "Start": "", ("{count} epoch", "{count} epochs"): ("", "", "")},
          fuzzy={"Epochs"})
    new = tmp_path / "new_ru.po"
    write(new, "ru", {"Epochs": "Эпохи", "Start": "Старт", "Not in the template": "Нет в шаблоне",
                      ("{count} epoch", "{count} epochs"): ("{count} эпоха", "{count} эпохи", "{count} эпох")})

    assert tool.apply(new) == ("ru", 3)
    with target.open("rb") as handle:
        result = {m.id: (m.string, m.fuzzy) for m in read_po(handle, locale="ru") if m.id}
    assert result == {
        "Epochs": ("Эпохи", False),
        "Start": ("Старт", False),
        ("{count} epoch", "{count} epochs"): (("{count} эпоха", "{count} эпохи", "{count} эпох"), False),
    }

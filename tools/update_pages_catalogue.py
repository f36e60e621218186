"""Refresh the pages' catalogues after page strings change, and take in a translator's work.

    python -m tools.update_pages_catalogue                        # template + every language
    python -m tools.update_pages_catalogue --apply ru_new.po      # ... then take its translations

The first step is the README's two commands ("Languages"): ``pybabel extract`` collects every
``_()``/``ngettext()``/``N_()`` string of app.py and pages/ into ``locales/pages.pot``, and
``pybabel update`` merges the template into each ``locales/<language>/LC_MESSAGES/pages.po``.
``--apply`` then copies the translations of one or more .po files (a translator's file, in the
language named in its header) into that language's catalogue, for the msgids the template has,
and clears their fuzzy flag: a translator can work on a small file of new strings alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "pages.pot"
DOMAIN = "pages"


def refresh() -> None:
    """pybabel extract, then pybabel update, as the README gives them."""
    pybabel = CommandLineInterface()
    pybabel.run(["pybabel", "-q", "extract", "-k", "N_", "--no-location", "--sort-output", "--width", "100",
                 "-o", str(TEMPLATE), str(ROOT / "app.py"), str(ROOT / "pages")])
    pybabel.run(["pybabel", "-q", "update", "--width", "100", "-i", str(TEMPLATE), "-d", str(LOCALES), "-D", DOMAIN])


def apply(source: Path) -> tuple[str, int]:
    """Copies ``source``'s translations into its language's pages catalogue; returns (language, count)."""
    with source.open("rb") as handle:
        translated = read_po(handle)
    language = str(translated.locale) if translated.locale else None
    if not language:
        raise SystemExit(f"{source.name}: its header names no Language")
    target = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with target.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    taken = 0
    for message in translated:
        if not message.id or message.id not in catalogue:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms):
            continue
        entry = catalogue[message.id]
        entry.string = message.string
        entry.flags.discard("fuzzy")
        taken += 1
    with target.open("wb") as handle:
        write_po(handle, catalogue, width=100)
    return language, taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apply", nargs="*", default=[], type=Path, metavar="PO",
                        help="translated .po files whose entries go into their language's catalogue")
    args = parser.parse_args(argv)
    refresh()
    for source in args.apply:
        language, taken = apply(source)
        print(f"{source.name}: {taken} translations into {language}/{DOMAIN}.po")
    return 0


if __name__ == "__main__":
    sys.exit(main())

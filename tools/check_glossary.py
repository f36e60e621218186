"""Check the glossary against the course texts: every place it names is in its text, as quoted.

The course texts are not part of this repository (they sit beside it, in ../shared/seeds, where
the issues refer to them), so this is a maintainer's check, not a test:

    python -m tools.check_glossary                    # ../shared/seeds beside the repository
    python -m tools.check_glossary /path/to/seeds     # or a folder of your own
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from nnlib.core import glossary

DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def sections(seeds: Path, number: str) -> dict[str, str]:
    """A course text split by its own headings: 000/001 one book page each ("с. 76"), 002 by its
    B.x headings, 003 by its table of contents, 004 by its "##" headings. Each section's text
    starts with its heading."""
    text = next(seeds.glob(f"{number}_*.txt")).read_text(encoding="utf-8")
    if number in ("000", "001"):
        page = re.search(r"^page_number: (\d+)", text, re.MULTILINE).group(1)
        return {f"с. {page}": text}
    lines = text.splitlines()
    if number == "003":
        first = "Роль нелинейности в нейронных сетях"  # the first heading: in the contents, then in the body
        contents_at, body_at = [i for i, line in enumerate(lines) if line.strip() == first][:2]
        headings = {line.strip() for line in lines[contents_at:body_at] if line.strip()}
        lines = lines[body_at:]

        def heading(line: str) -> str | None:
            return line.strip() if line.strip() in headings else None
    else:
        pattern = re.compile(r"^#{2,3} (.+)$" if number == "004" else r"^#{1,3} ((?:B|附录).*)$")

        def heading(line: str) -> str | None:
            found = pattern.match(line)
            return found.group(1).strip() if found else None
    found: dict[str, str] = {}
    current = None
    for line in lines:
        current = heading(line) or current
        if current is not None:
            found[current] = found.get(current, "") + line + "\n"
    return found


def misplaced(seeds: Path) -> list[str]:
    """Every glossary place that is not in its course text as quoted (empty: all found)."""
    problems = []
    texts: dict[str, dict[str, str]] = {}
    for term in glossary.terms():
        for place in term.where:
            try:
                text = texts.setdefault(place.text, sections(seeds, place.text))
            except StopIteration:
                problems.append(f"{term.en}: there is no course text {place.text} in {seeds}")
                continue
            if place.section not in text:
                problems.append(f"{term.en}: {place.text} has no section «{place.section}»")
            elif place.found.casefold() not in text[place.section].casefold():
                problems.append(f"{term.en}: «{place.found}» is not in {place.text} «{place.section}»")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    seeds = Path(args[0]) if args else DEFAULT_SEEDS
    problems = misplaced(seeds)
    places = sum(len(term.where) for term in glossary.terms())
    print("\n".join(problems) if problems else f"All {places} places of {len(glossary.terms())} terms found.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

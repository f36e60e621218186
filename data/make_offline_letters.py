"""Render the offline letters set: A-J at 28x28, white on black, like notMNIST.

The real notMNIST was cut from many fonts found on the web; this stand-in is
rendered from open-licensed fonts packaged by Debian, so it can ship with the
project and be rebuilt by anyone. Output: one compressed file,
``data/offline_letters.npz``, with

- ``images``       (N, 28, 28) uint8, letter 255 on background 0
- ``labels``       (N,) uint8, 0-9 for A-J
- ``classes``      the letters A-J
- ``font_of_image`` (N,) uint16, index into ``font_names``
- ``font_names``, ``font_packages``: each face and the Debian package it came from
- ``seed``, ``per_class``: how it was made

Run (after installing the packages in ``FONT_PACKAGES``, see data/README.md)::

    python data/make_offline_letters.py                 # writes data/offline_letters.npz
    python data/make_offline_letters.py --list-fonts    # the font table for data/README.md

The output depends only on the seed, the font files and the FreeType version
that Pillow uses.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LETTERS = "ABCDEFGHIJ"
SIDE = 28
RENDER_SIZE = 160  # glyphs are drawn large, then shrunk with a good filter
DEFAULT_OUT = Path(__file__).resolve().parent / "offline_letters.npz"
DEFAULT_SEED = 2011  # notMNIST's year
DEFAULT_PER_CLASS = 1000

# Debian package -> licence of its fonts (from /usr/share/doc/<package>/copyright).
# Every package is in Debian "main", so each font is free to copy and modify.
FONT_PACKAGES: dict[str, str] = {
    "fonts-dejavu-core": "Bitstream Vera licence (DejaVu changes public domain)",
    "fonts-dejavu-extra": "Bitstream Vera licence (DejaVu changes public domain)",
    "fonts-liberation": "GPL-2 with font exception",
    "fonts-freefont-ttf": "GPL-3+ with font exception",
    "fonts-urw-base35": "AGPL-3 with font exception",
    "fonts-croscore": "Apache-2.0",
    "fonts-crosextra-carlito": "OFL-1.1",
    "fonts-crosextra-caladea": "Apache-2.0",
    "fonts-texgyre": "GUST Font License",
    "fonts-lato": "OFL-1.1",
    "fonts-open-sans": "Apache-2.0",
    "fonts-cantarell": "OFL-1.1",
    "fonts-ebgaramond": "OFL-1.1",
    "fonts-linuxlibertine": "GPL-2+ with font exception or OFL-1.1",
    "fonts-go": "BSD-3-Clause",
    "fonts-roboto-unhinted": "Apache-2.0",
    "fonts-roboto-slab": "Apache-2.0",
    "fonts-paratype": "ParaType Free Font License",
    "fonts-comic-neue": "OFL-1.1",
    "fonts-oxygen": "OFL-1.1 or GPL-3+ with font exception",
    "fonts-cabin": "OFL-1.1",
    "fonts-quicksand": "OFL-1.1",
    "fonts-comfortaa": "OFL-1.1",
    "fonts-dosis": "OFL-1.1",
    "fonts-karla": "OFL-1.1",
    "fonts-humor-sans": "OFL-1.1",
    "fonts-dancingscript": "OFL-1.1",
    "fonts-lobster": "OFL-1.1",
    "fonts-kristi": "OFL-1.1",
    "fonts-b612": "OFL-1.1 / EPL-2.0 / EDL-1.0",
    "fonts-hack": "MIT and Bitstream Vera licence",
    "fonts-inconsolata": "OFL-1.0",
    "fonts-courier-prime": "OFL-1.1",
    "fonts-stix": "OFL-1.1",
    "fonts-oldstandard": "OFL-1.0",
    "fonts-opendyslexic": "CC-BY-3.0 (Abelardo Gonzalez) and Bitstream Vera licence",
    "fonts-league-spartan": "OFL-1.1",
    "fonts-beteckna": "GPL-3",
    "fonts-sjfonts": "GPL-2 with font exception",
    "fonts-adf-accanthis": "GPL-2+ with font exception",
    "fonts-adf-baskervald": "GPL-2+ with font exception",
    "fonts-adf-berenis": "GPL-2+ with font exception",
    "fonts-adf-gillius": "GPL-2+ with font exception",
    "fonts-adf-ikarius": "GPL-2+ with font exception",
    "fonts-adf-irianis": "GPL-2+ with font exception",
    "fonts-adf-libris": "GPL-2+ with font exception",
    "fonts-adf-mekanus": "GPL-2+ with font exception",
    "fonts-adf-oldania": "GPL-2+ with font exception",
    "fonts-adf-romande": "GPL-2+ with font exception",
    "fonts-adf-solothurn": "GPL-2+ with font exception",
    "fonts-adf-switzera": "GPL-2+ with font exception",
    "fonts-adf-tribun": "GPL-2+ with font exception",
    "fonts-adf-universalis": "GPL-2+ with font exception",
    "fonts-adf-verana": "GPL-2+ with font exception",
    "fonts-dustin": "GPL-2",
    "fonts-breip": "OFL-1.0",
    "fonts-femkeklaver": "CC-BY-SA-3.0 (Femke Klaver)",
    "fonts-dkg-handwriting": "OFL-1.1",
    "fonts-blankenburg": "OFL-1.1",
    "fonts-gamaliel": "OFL-1.1",
    "fonts-rufscript": "GPL-3+ with font exception",
    "fonts-cherrybomb": "OFL-1.1",
    "fonts-bebas-neue": "OFL-1.1",
    "fonts-allerta": "OFL-1.1",
    "fonts-averia-gwf": "OFL-1.1",
    "fonts-isabella": "LGPL-2+",
    "fonts-engadget": "LGPL-2",
    "fonts-okolaks": "OFL-1.1",
    "fonts-jura": "GPL-3 or OFL-1.1",
    "fonts-3270": "BSD-3-Clause or OFL-1.1",
    "fonts-ocr-a": "public domain",
    "fonts-ocr-b": "public domain",
}

# Faces whose "letters" are not plain letters (keycaps, inverted boxes, symbols;
# D050000L is a Zapf Dingbats clone).
EXCLUDED_FACES = re.compile(r"D050000L|Keyboard|Inverted|Sym|Dingbat|Ornament|Icon|Initials", re.IGNORECASE)


@dataclass(frozen=True)
class Face:
    name: str  # "Family Style", unique
    package: str
    path: str


def package_font_files(package: str) -> list[str]:
    """Font files a Debian package installed (empty when it is not installed)."""
    result = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return []
    files = [line for line in result.stdout.splitlines() if line.lower().endswith((".ttf", ".otf"))]
    return sorted(f for f in files if os.path.isfile(f))


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return image.getbbox()


def render_glyph(font: ImageFont.FreeTypeFont, text: str) -> Image.Image | None:
    """The glyph cropped to its ink, white on black, or None if it has no ink."""
    left, top, right, bottom = font.getbbox(text)
    pad = RENDER_SIZE // 4
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, font=font, fill=255)
    box = ink_box(canvas)
    return canvas.crop(box) if box else None


def usable_glyphs(path: str) -> tuple[str, list[Image.Image]] | None:
    """The face name and its ten letter glyphs, or None if the face lacks real letters."""
    try:
        font = ImageFont.truetype(path, RENDER_SIZE)
    except OSError:
        return None
    family, style = font.getname()
    name = f"{family} {style}".strip()
    if EXCLUDED_FACES.search(name):
        return None
    missing = render_glyph(font, "\uffff")  # a non-character: always the "missing glyph" box
    glyphs = []
    for letter in LETTERS:
        glyph = render_glyph(font, letter)
        if glyph is None:
            return None
        if missing is not None and glyph.size == missing.size and glyph.tobytes() == missing.tobytes():
            return None
        glyphs.append(glyph)
    # Filled boxes instead of letters (a sans-serif "I" alone is a filled bar, so use the median).
    if np.median([(np.asarray(glyph) > 127).mean() for glyph in glyphs]) > 0.85:
        return None
    if len({g.tobytes() for g in glyphs}) < len(LETTERS):
        return None
    return name, glyphs


def collect_faces(packages: dict[str, str]) -> tuple[list[Face], dict[str, list[Image.Image]], list[str]]:
    faces: list[Face] = []
    glyphs: dict[str, list[Image.Image]] = {}
    missing_packages = []
    for package in packages:
        files = package_font_files(package)
        if not files:
            missing_packages.append(package)
        for path in files:
            found = usable_glyphs(path)
            if found is None:
                continue
            name, letter_glyphs = found
            if name in glyphs:  # the same face shipped twice (e.g. .ttf and .otf)
                continue
            faces.append(Face(name=name, package=package, path=path))
            glyphs[name] = letter_glyphs
    return faces, glyphs, missing_packages


def place(glyph: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """Shrink a glyph into the 28x28 frame with a random scale, aspect and shift."""
    scale = rng.uniform(0.78, 1.0)  # notMNIST letters mostly fill the frame
    aspect = rng.uniform(0.9, 1.1)
    width, height = glyph.size
    target = SIDE * scale
    factor = min(target / (width * aspect), target / height)
    new_w = max(1, min(SIDE, round(width * aspect * factor)))
    new_h = max(1, min(SIDE, round(height * factor)))
    small = glyph.resize((new_w, new_h), Image.Resampling.LANCZOS)
    free_x, free_y = SIDE - new_w, SIDE - new_h
    x = int(rng.integers(0, free_x + 1)) if free_x else 0
    y = int(rng.integers(0, free_y + 1)) if free_y else 0
    # Keep most letters near the centre, as notMNIST does: bias towards the middle.
    x = (x + free_x // 2) // 2 if free_x else 0
    y = (y + free_y // 2) // 2 if free_y else 0
    frame = np.zeros((SIDE, SIDE), dtype=np.uint8)
    frame[y : y + new_h, x : x + new_w] = np.asarray(small)
    return frame


def build(faces: list[Face], glyphs: dict[str, list[Image.Image]], per_class: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    count = per_class * len(LETTERS)
    images = np.zeros((count, SIDE, SIDE), dtype=np.uint8)
    labels = np.zeros(count, dtype=np.uint8)
    font_of_image = np.zeros(count, dtype=np.uint16)
    index = 0
    for label in range(len(LETTERS)):
        # Every face once per round, in a fresh random order each round.
        order: list[int] = []
        while len(order) < per_class:
            order.extend(rng.permutation(len(faces)).tolist())
        for face_index in order[:per_class]:
            images[index] = place(glyphs[faces[face_index].name][label], rng)
            labels[index] = label
            font_of_image[index] = face_index
            index += 1
    return {
        "images": images,
        "labels": labels,
        "classes": np.array(list(LETTERS)),
        "font_of_image": font_of_image,
        "font_names": np.array([face.name for face in faces]),
        "font_packages": np.array([face.package for face in faces]),
        "seed": np.array(seed, dtype=np.int64),
        "per_class": np.array(per_class, dtype=np.int64),
    }


def write_atomically(arrays: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=out.parent, prefix=".offline_letters.", suffix=".tmp", delete=False)
    try:
        with handle:
            np.savez_compressed(handle, **arrays)
        os.replace(handle.name, out)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def font_table(faces: list[Face]) -> str:
    by_package: dict[str, list[str]] = defaultdict(list)
    for face in faces:
        by_package[face.package].append(face.name)
    lines = ["| Debian package | licence | faces |", "|---|---|---|"]
    for package, names in by_package.items():
        lines.append(f"| {package} | {FONT_PACKAGES[package]} | {len(names)}: {', '.join(names)} |")
    lines.append(f"\n{len(faces)} faces from {len(by_package)} packages.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-class", type=int, default=DEFAULT_PER_CLASS)
    parser.add_argument("--list-fonts", action="store_true", help="print the font table and stop")
    args = parser.parse_args(argv)

    faces, glyphs, missing_packages = collect_faces(FONT_PACKAGES)
    if missing_packages:
        print(
            "These font packages are not installed, so the result will differ from the committed file:\n"
            f"  apt-get install {' '.join(missing_packages)}",
            file=sys.stderr,
        )
    if len(faces) < 100:
        print(f"Only {len(faces)} usable font faces found; install the packages listed in data/README.md.",
              file=sys.stderr)
        return 1
    if args.list_fonts:
        print(font_table(faces))
        return 0
    arrays = build(faces, glyphs, args.per_class, args.seed)
    write_atomically(arrays, args.out)
    size_mb = args.out.stat().st_size / 1e6
    print(f"{len(arrays['images'])} images from {len(faces)} faces -> {args.out} ({size_mb:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

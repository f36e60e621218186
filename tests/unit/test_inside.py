"""Inside the network: weights as pictures, a student's letter in the training form, mistakes by pair."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torch import nn

from nnlib.core.errors import InputError
from nnlib.training.inside import first_layer_pictures, letter_image, mistakes


def png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_each_first_layer_unit_is_a_picture_of_its_weights() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 5), nn.ReLU(), nn.Linear(5, 10))
    pictures = first_layer_pictures(model)
    weights = model[1].weight.detach().numpy()
    assert pictures.shape == (5, 28, 28)
    np.testing.assert_allclose(pictures[2].ravel() * np.abs(weights[2]).max(), weights[2], rtol=1e-6)
    assert np.abs(pictures).reshape(5, -1).max(axis=1).tolist() == pytest.approx([1.0] * 5)
    with pytest.raises(InputError) as wrong:
        first_layer_pictures(nn.Sequential(nn.Linear(4, 3)))
    assert wrong.value.code == "training.no_picture_layer"


def test_dark_ink_on_white_paper_becomes_a_centred_white_letter_on_black() -> None:
    paper = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(paper).rectangle([40, 30, 99, 169], fill=0)  # a tall dark bar, off centre
    letter = letter_image(png(paper), "my_A.png")
    assert letter.shape == (28, 28) and letter.dtype == np.uint8
    assert letter[0].max() == 0 and letter[:, 0].max() == 0  # black background
    rows, cols = np.where(letter > 128)
    assert rows.max() - rows.min() + 1 == 24  # the taller side fills the box
    assert abs((rows.min() + rows.max()) / 2 - 13.5) <= 1 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 1


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"not a picture", "training.letter_unreadable"), (png(Image.new("L", (50, 50), 255)), "training.letter_blank")],
    ids=["text", "blank"],
)
def test_a_picture_that_is_no_letter_gets_one_message(data: bytes, code: str) -> None:
    with pytest.raises(InputError) as wrong:
        letter_image(data, "<i>x</i>.png")
    assert wrong.value.code == code and "<i>x</i>.png" in str(wrong.value)


def test_a_picture_bomb_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (5000, 5000), 0).save(out, format="PNG")  # a few kB on disk, 25 megapixels
    with pytest.raises(InputError) as wrong:
        letter_image(out.getvalue(), "bomb.png")
    assert wrong.value.code == "training.letter_too_many_pixels"


def test_mistakes_are_grouped_by_pair_most_frequent_first() -> None:
    labels = np.array([0, 1, 2, 1, 1, 2, 0])
    predicted = np.array([0, 2, 2, 2, 0, 1, 0])
    assert mistakes(labels, predicted) == {(1, 2): [1, 3], (1, 0): [4], (2, 1): [5]}

"""Regression data: the curve is its formula plus seeded noise; the diabetes table is scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.core.errors import InputError
from nnlib.data.regression import curve_function, load_diabetes_table, make_curve


def test_the_curve_is_its_formula_when_there_is_no_noise() -> None:
    curve = make_curve(samples=50, noise=0.0, seed=2)
    x = curve.features[:, 0]
    assert curve.features.shape == (50, 1) and curve.labels.dtype == np.float32 and curve.classes == ()
    np.testing.assert_allclose(curve.labels, np.sin(2 * x) + 0.3 * x, rtol=1e-5, atol=1e-6)
    assert x.min() >= -3 and x.max() <= 3


def test_the_curve_noise_is_seeded() -> None:
    a, b, c = make_curve(noise=0.2, seed=1), make_curve(noise=0.2, seed=1), make_curve(noise=0.2, seed=2)
    assert np.array_equal(a.labels, b.labels) and not np.array_equal(a.labels, c.labels)
    residual = a.labels - curve_function(a.features[:, 0].astype(np.float64))
    assert 0.15 < residual.std() < 0.25


def test_the_diabetes_table_has_the_course_networks_three_inputs() -> None:
    table = load_diabetes_table()
    assert table.features.shape == (442, 3) and table.feature_names == ("bmi", "bp", "s5")
    assert table.features[0].tolist() == pytest.approx([32.1, 101.0, 4.8598])  # patient 1, original units
    assert table.labels[:3].tolist() == [151.0, 75.0, 141.0]
    assert load_diabetes_table(["age", "sex"]).features.shape == (442, 2)
    with pytest.raises(InputError) as wrong:
        load_diabetes_table(["height"])
    assert wrong.value.code == "data.diabetes_inputs"

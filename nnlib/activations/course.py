"""The tensors the course applies activations to (text 004, «Функции активации»), as typed."""

from __future__ import annotations

SOURCE = "Text 004, «Функции активации»"
MATRIX = "[[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]]"
COLUMN = "[[6.7], [-3.2], [1.1]]"

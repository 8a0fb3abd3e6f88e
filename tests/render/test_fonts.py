"""Tests for sfn_notebook.render.fonts: text that fits its box in any font."""

from __future__ import annotations

import re

import pytest

from sfn_notebook.examples import GETTING_STARTED
from sfn_notebook.render import render_machine
from sfn_notebook.render.dot import svg
from sfn_notebook.render.fonts import FONT_STACK, fit_text, text_width

from .helpers import ALL_TYPES, machine


def test_widths_are_helveticas() -> None:
    assert text_width("i", 10) == pytest.approx(2.22)
    assert text_width("W", 10) == pytest.approx(9.44)
    assert text_width("W", 10, bold=True) == pytest.approx(9.44)
    assert text_width("a", 10, bold=True) == pytest.approx(5.56)
    assert text_width("Ünïcødé", 10) is not None  # Latin-1 is known
    assert text_width("名前", 10) is None  # other scripts are not: their text keeps its own width


def test_fit_text_declares_the_stack_and_the_width() -> None:
    fitted = fit_text(
        '<text x="0" font-family="Helvetica,sans-Serif" font-weight="bold" font-size="10.00">Wi</text>'
    )
    assert "Liberation Sans" in fitted and "Helvetica,sans-Serif" not in fitted
    assert 'textLength="12.22"' in fitted  # W 944 + i 278, bold,, at 10 points
    assert fit_text(fitted) == fitted  # applied once


def test_text_of_unknown_width_and_blank_text_keep_their_own() -> None:
    assert "textLength" not in fit_text('<text font-size="10.00">名前</text>')
    assert "textLength" not in fit_text('<text font-size="10.00"> </text>')


@pytest.mark.exe
def test_every_line_of_a_drawing_fits_its_width() -> None:
    for definition in (GETTING_STARTED, ALL_TYPES):
        drawn = svg(render_machine(machine(definition)))
        texts = re.findall(r"<text\b[^>]*>[^<]*</text>", drawn)
        assert texts
        for text in texts:
            assert FONT_STACK.split(",")[1].strip() in text  # Arial, after Helvetica
            assert "textLength=" in text or re.search(r">\s*<", text), text

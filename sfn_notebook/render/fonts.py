"""Text that fits its box whatever font the browser has.

``dot`` sizes every box with the metrics of Helvetica (graphviz-pure's built-in metrics are those
of Arimo, which has Helvetica's and Arial's widths), and writes ``font-family="Helvetica,sans-Serif"``
into the SVG.  A browser without Helvetica draws the text in its own sans-serif, often wider, so
names spill out of their boxes.  :func:`fit_text` rewrites the SVG: the font family becomes a stack
of faces with Helvetica's widths (:data:`FONT_STACK`), and each line of text gets the width it has
in Helvetica as its ``textLength``, so that a wider fallback font is squeezed into the same width
instead of spilling.

>>> round(text_width("Hello World", 14), 1)
72.3
>>> fit_text('<text x="1" font-family="Helvetica,sans-Serif" font-size="14.00">Hi</text>')
'<text x="1" font-family="Helvetica, Arial, Arimo, &#x27;Liberation Sans&#x27;, &#x27;Nimbus Sans&#x27;, sans-serif" font-size="14.00" textLength="13.22" lengthAdjust="spacingAndGlyphs">Hi</text>'
"""

from __future__ import annotations

import html
import re

__all__ = ["FONT_STACK", "fit_text", "text_width"]

#: Faces with Helvetica's glyph widths, then the generic family.
FONT_STACK = "Helvetica, Arial, Arimo, 'Liberation Sans', 'Nimbus Sans', sans-serif"

# Advance widths (thousandths of an em) of Helvetica's characters U+0020..U+007E and U+00A0..U+00FF,
# regular then bold: the widths every Helvetica-compatible face shares.
_REGULAR = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 "
    "556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_REGULAR_LATIN1 = (
    "278 333 556 556 556 556 260 556 333 737 370 556 584 333 737 552 400 549 333 333 333 576 537 278 "
    "333 333 365 556 834 834 834 611 667 667 667 667 667 667 1000 722 667 667 667 667 278 278 278 278 "
    "722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556 556 556 556 556 556 889 500 "
    "556 556 556 556 278 278 278 278 556 556 556 556 556 556 556 549 611 556 556 556 556 500 556 500"
)
_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 "
    "611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_BOLD_LATIN1 = (
    "278 333 556 556 556 556 280 556 333 737 370 556 584 333 737 552 400 549 333 333 333 576 556 278 "
    "333 333 365 556 834 834 834 611 722 722 722 722 722 722 1000 722 667 667 667 667 278 278 278 278 "
    "722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556 556 556 556 556 556 889 556 "
    "556 556 556 556 278 278 278 278 611 611 611 611 611 611 611 549 611 611 611 611 611 556 611 556"
)
# a few characters the graphs use beyond Latin-1 (the same in both weights)
_EXTRA = {"…": 1000, "→": 1000, "—": 1000, "–": 556, "‘": 222, "’": 222, "“": 333, "”": 333, "•": 350}


def _table(ascii_widths: str, latin1: str) -> dict[str, int]:
    table = {chr(32 + i): int(w) for i, w in enumerate(ascii_widths.split())}
    table.update({chr(0xA0 + i): int(w) for i, w in enumerate(latin1.split())})
    table.update(_EXTRA)
    return table


_WIDTHS = {False: _table(_REGULAR, _REGULAR_LATIN1), True: _table(_BOLD, _BOLD_LATIN1)}


def text_width(text: str, size: float, bold: bool = False) -> float | None:
    """The width of ``text`` in Helvetica at ``size`` points, or None when a character is not known."""
    widths = _WIDTHS[bold]
    total = 0
    for char in text:
        width = widths.get(char)
        if width is None:
            return None
        total += width
    return total * size / 1000


_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_SIZE = re.compile(r'font-size="([0-9.]+)"')


def _fit(match: re.Match[str]) -> str:
    attrs, body = match.group(1), match.group(2)
    attrs = attrs.replace('font-family="Helvetica,sans-Serif"', f'font-family="{html.escape(FONT_STACK)}"')
    size = _SIZE.search(attrs)
    width = None
    if size is not None and "textLength" not in attrs:
        text = html.unescape(body)
        width = text_width(text, float(size.group(1)), 'font-weight="bold"' in attrs)
        if width is not None and text.strip() == "":
            width = None
    if width is not None:
        attrs += f' textLength="{width:.2f}" lengthAdjust="spacingAndGlyphs"'
    return f"<text{attrs}>{body}</text>"


def fit_text(svg: str) -> str:
    """An SVG drawn by ``dot`` with Helvetica, rewritten so that its text fits in any font."""
    return _TEXT.sub(_fit, svg)

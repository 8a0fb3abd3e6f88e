"""``java.util.Random``, so a seed gives the numbers AWS's Java service gives for it.

``States.MathRandom(start, end, seed)`` is ``start + new Random(seed).nextInt(end - start)`` and
JSONata's ``$random(seed)`` is ``new Random(seed).nextDouble()``.

>>> JavaRandom(42).next_double()
0.7275636800328681
>>> JavaRandom(42).next_int(10)
0
"""

from __future__ import annotations

from typing import Final

__all__ = ["JavaRandom"]


class JavaRandom:
    """The 48-bit linear congruential generator of ``java.util.Random``, bit for bit."""

    _MULTIPLIER: Final = 0x5DEECE66D
    _MASK: Final = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._state = (seed ^ self._MULTIPLIER) & self._MASK

    def _next(self, bits: int) -> int:
        self._state = (self._state * self._MULTIPLIER + 0xB) & self._MASK
        return self._state >> (48 - bits)

    def next_int(self, bound: int) -> int:
        """``nextInt(bound)``: uniform in ``0 <= n < bound`` (``bound`` positive, at most 2**31 - 1)."""
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:  # a power of two
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < 2**31:
                return r
            u = self._next(31)

    def next_double(self) -> float:
        """``nextDouble()``: 53 random bits as a fraction in ``0 <= x < 1``."""
        return ((self._next(26) << 27) + self._next(27)) / float(1 << 53)

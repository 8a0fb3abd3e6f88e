"""Tests for sfn_notebook.paths.java_random: java.util.Random's generator, checked by its contract."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sfn_notebook.paths.java_random import JavaRandom

seeds = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # a Java long


def test_next_double_matches_a_jvm() -> None:
    # `new java.util.Random(42).nextDouble()` on a JVM
    assert JavaRandom(42).next_double() == 0.7275636800328681


@given(seeds, st.integers(min_value=1, max_value=2**31 - 1))
def test_next_int_stays_below_its_bound(seed: int, bound: int) -> None:
    generator = JavaRandom(seed)
    assert all(0 <= generator.next_int(bound) < bound for _ in range(5))


@given(seeds, st.integers(min_value=0, max_value=30))
def test_a_power_of_two_bound_takes_the_high_bits(seed: int, power: int) -> None:
    # Java's nextInt(2**k) keeps the top k of 31 random bits instead of taking a remainder
    assert JavaRandom(seed).next_int(2**power) == JavaRandom(seed).next_int(2**30) >> (30 - power)


@given(seeds)
def test_only_the_low_48_bits_of_the_seed_count(seed: int) -> None:
    first, second = JavaRandom(seed), JavaRandom(seed + 2**48)
    assert [first.next_int(1000) for _ in range(4)] == [second.next_int(1000) for _ in range(4)]


@given(seeds)
def test_next_double_is_a_fraction_and_draws_from_the_same_sequence(seed: int) -> None:
    generator = JavaRandom(seed)
    values = [generator.next_double() for _ in range(3)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert values[0] != values[1] != values[2]  # each draw moves the generator on
    again = JavaRandom(seed)
    assert [again.next_double() for _ in range(3)] == values

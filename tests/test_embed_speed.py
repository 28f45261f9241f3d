"""The helpers of ``benchmarks/embed_speed.py`` (the report's wording of what it measured)."""

from __future__ import annotations

from _benchmarks import load_benchmark

speed = load_benchmark("embed_speed")
saving, parse_settings, DEFAULT = speed.saving, speed.parse_settings, speed.DEFAULT


def test_saving_says_less_more_or_the_same():
    assert saving(18.66, 22.63) == "18% less time"
    assert saving(10.0, 9.0) == "11% more time"
    assert saving(22.10, 22.05) == "the same time"


def test_parse_settings_puts_the_default_first_once():
    assert parse_settings(["float32", "int8:8", "int8"]) == (DEFAULT, ("float32", None), ("int8", 8))

"""Rules R1-R10 for Chinese statistical notation (dagster_project/feeds/normalize.py, docs/feeds.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dagster_project import settings
from dagster_project.feeds import normalize
from dagster_project.feeds.normalize import ValueNotation, is_missing, parse_date, parse_decimal, parse_year, to_integer
from dagster_project.feeds.regions import load_region_index


@pytest.mark.parametrize("raw, unit, expected", [
    ("１２，３４５．６", None, Decimal("12345.6")),   # R1 full-width digits and punctuation
    (" 12 345 ", None, Decimal("12345")),           # R1 whitespace inside a value is removed
    ("12,345", None, Decimal("12345")),              # R2 thousands separator
    ("1,234,567.5", None, Decimal("1234567.5")),
    ("85%", "%", Decimal("85")),                     # R3 percent into the column's unit
    ("８５％", "%", Decimal("85")),                  # R1 + R3
    ("8.5‰", "%", Decimal("0.85")),                  # ‰ into a % column: 8.5 / 10
    ("8.5‰", "‰", Decimal("8.5")),
    ("85%", "‰", Decimal("850")),
    ("85%", "ratio", Decimal("0.85")),
    ("12.5万", None, Decimal("125000")),             # R4 万 = 10^4
    ("1.2亿", None, Decimal("120000000")),           # R4 亿 = 10^8
    ("1,234万", None, Decimal("12340000")),          # R2 + R4
    ("-3.5", None, Decimal("-3.5")),
    (".5", None, Decimal("0.5")),
])
def test_numbers(raw, unit, expected):
    assert parse_decimal(raw, unit) == expected


@pytest.mark.parametrize("raw, unit, reason", [
    ("1,23", None, "',' is not a thousands separator here (digits must be grouped by three)"),
    ("12,00", None, "',' is not a thousands separator here (digits must be grouped by three)"),
    ("85%", "张", "'%' sign in a column whose unit is '张', not a rate"),
    ("85%", None, "'%' sign in a column whose unit is 'a count', not a rate"),
    ("约385", None, "not a number"),
    ("26458张", None, "not a number"),
    ("1e5", None, "not a number"),
    ("NA", None, "not a number"),
])
def test_numbers_rejected_with_reason(raw, unit, reason):
    with pytest.raises(ValueNotation) as exc:
        parse_decimal(raw, unit)
    assert str(exc.value) == reason


@pytest.mark.parametrize("raw", ["", "  ", "—", "——", "-", "--", "…", "……", "...", "/", "／", "无数据", None])
def test_missing_markers_r6(raw):
    assert is_missing(raw)


@pytest.mark.parametrize("raw", ["0", "0.0", "NA", "N/A", "null", "—1"])
def test_not_missing(raw):
    assert not is_missing(raw)


def test_r7_integer_rejects_fraction():
    assert to_integer(Decimal("270.94") * 10000) == 2709400  # R5: 270.94 万人 = 2,709,400 persons
    with pytest.raises(ValueNotation, match=r"^12.5 is not a whole number$"):
        to_integer(Decimal("12.5"))


@pytest.mark.parametrize("raw, expected", [("2020", 2020), ("2020年", 2020), ("２０２０", 2020), ("2020.0", 2020)])
def test_r8_years(raw, expected):
    assert parse_year(raw) == expected


@pytest.mark.parametrize("raw, reason", [("20", "not a 4-digit year"), ("1900", "year outside 1949-2100"),
                                         ("二〇二〇", "not a 4-digit year")])
def test_r8_years_rejected(raw, reason):
    with pytest.raises(ValueNotation, match=f"^{reason}$"):
        parse_year(raw)


@pytest.mark.parametrize("raw", ["2020-01-05", "2020/1/5", "2020.1.5", "20200105", "2020年1月5日",
                                 "2020-01-05T00:00:00", "２０２０－０１－０５"])
def test_r9_dates(raw):
    assert parse_date(raw) == dt.date(2020, 1, 5)


def test_r9_date_rejected():
    with pytest.raises(ValueNotation, match=r"^not a calendar date \(day is out of range for month\)$"):
        parse_date("2021-02-30")
    with pytest.raises(ValueNotation, match=r"^not a date"):
        parse_date("5 Jan 2020")


@pytest.fixture(scope="module")
def regions():
    return load_region_index(settings.PROJECT_ROOT / "sources" / "reference")


@pytest.mark.parametrize("raw, code", [
    ("150200", "150200"),          # a code in use
    ("150200.0", "150200"),        # Excel read the code as a float
    ("１５０２００", "150200"),     # full-width digits (R1)
    ("152601", "152601"),          # a GB/T 2260 code no longer in use stays valid (集宁市, 1981-2003)
    ("150271", "150271"),          # NBS statistical code of 稀土高新区 (no GB/T 2260 code)
    ("包头市", "150200"),          # an unambiguous name
    ("稀土高新区", "150271"),      # alias (region_aliases.csv)
    ("嘉峪关市", "620200"),        # alias: prefecture-level city without districts
    ("莱芜市", "371200"),          # alias: abolished 2019, valid in older yearbooks
    ("思茅市", "530800"),          # alias: renamed 普洱市 2007, same code
    ("包头", "150200"),            # short name: 包头市 without 市 (no other region is called 包头)
])
def test_r10_regions(regions, raw, code):
    assert regions.resolve(raw) == code


@pytest.mark.parametrize("raw, reason", [
    ("999999", "unknown region code 999999 (not in GB/T 2260 1981-2024 nor the NBS list)"),
    ("15020", "a region code has 6 digits"),
    ("火星市", "unknown region name '火星市'"),
    ("毫州市", "unknown region name '毫州市'"),
    ("市辖区", "unknown region name '市辖区'"),
])
def test_r10_regions_rejected(regions, raw, reason):
    with pytest.raises(ValueNotation) as exc:
        regions.resolve(raw)
    assert str(exc.value) == reason


def test_r10_ambiguous_name_lists_codes(regions):
    with pytest.raises(ValueNotation, match=r"^ambiguous region name '朝阳区' matches \d+ codes \(110105, 220104"):
        regions.resolve("朝阳区")


def test_docstring_lists_every_rule_the_docs_list():
    doc = (settings.PROJECT_ROOT / "docs" / "feeds.md").read_text(encoding="utf-8")
    for rule in [f"R{i}" for i in range(1, 11)]:
        assert f"  {rule} " in normalize.__doc__, rule
        assert f"| {rule} |" in doc, rule
    assert all(marker in doc for marker in normalize.MISSING_MARKERS if marker)

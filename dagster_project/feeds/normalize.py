"""Chinese statistical notation -> canonical values. One explicit rule per notation.

These Python parsers are the reference; the loader applies the same rules as SQL over a whole
file (normalize_sql.py), and tests/unit/test_feed_sql_rules.py checks that both agree.

Each parser returns the canonical value or raises ValueNotation with a reason a person can
act on. Nothing is coerced silently: a value either follows a documented rule or is
quarantined with its reason (docs/feeds.md lists the same rules).

Rules
  R1 full-width   NFKC folds full-width digits and punctuation: "１２，３４５．６" -> "12,345.6"
  R2 thousands    "," groups digits only in groups of three: "12,345" -> 12345; "1,23" is rejected
  R3 percent      "85%" / "8.5‰" convert into the column's declared unit (%, ‰ or ratio);
                  a % or ‰ sign in a column of counts is rejected
  R4 万 / 亿       "12.5万" -> 125000, "1.2亿" -> 120000000 (before the column multiplier)
  R5 multiplier   a column declared in 万人 (multiplier 10000) is scaled to persons
  R6 missing      "", "—", "——", "-", "--", "…", "……", "...", "/", "无数据" are missing (NULL);
                  a missing value in a required or grain column is rejected
  R7 integers     an integer column rejects a fractional result ("12.5" beds)
  R8 year         "2020" or "2020年", 1949-2100
  R9 date         2020-01-05, 2020/1/5, 2020.1.5, 20200105, 2020年1月5日
  R10 region      a 6-digit code known to GB/T 2260 or the NBS statistical list, or a Chinese
                  name that matches exactly one code (aliases in sources/reference/region_aliases.csv)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

MISSING_MARKERS = frozenset({"", "—", "——", "-", "--", "…", "……", "...", "......", "/", "无数据"})

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CN_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# How many canonical units one "%" or "‰" is worth, by the column's declared unit.
_PERCENT_IN_UNIT = {
    "%": {"%": Decimal(1), "‰": Decimal("0.1")},
    "‰": {"%": Decimal(10), "‰": Decimal(1)},
    "ratio": {"%": Decimal("0.01"), "‰": Decimal("0.001")},
}


class ValueNotation(ValueError):
    """A value does not follow any documented notation rule."""


def fold(text: str) -> str:
    """R1: NFKC folds full-width forms; whitespace inside a value is removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_missing(raw: str | None) -> bool:
    if raw is None:
        return True
    stripped = raw.strip()
    return stripped in MISSING_MARKERS or fold(stripped) in MISSING_MARKERS


def parse_decimal(raw: str, unit: str | None = None) -> Decimal:
    """R1-R4: a published number to a Decimal in the column's declared unit."""
    s = fold(raw)
    factor = Decimal(1)
    if s and s[-1] in _CN_MULTIPLIERS:
        factor *= _CN_MULTIPLIERS[s[-1]]
        s = s[:-1]
    if s and s[-1] in "%‰":
        sign = s[-1]
        conversions = _PERCENT_IN_UNIT.get(unit or "")
        if conversions is None:
            raise ValueNotation(f"'{sign}' sign in a column whose unit is '{unit or 'a count'}', not a rate")
        factor *= conversions[sign]
        s = s[:-1]
    if "," in s:
        if not _GROUPED.match(s):
            raise ValueNotation("',' is not a thousands separator here (digits must be grouped by three)")
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        raise ValueNotation("not a number")
    try:
        return Decimal(s) * factor
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueNotation("not a number") from exc


def to_integer(value: Decimal) -> int:
    if value != value.to_integral_value():
        raise ValueNotation(f"{value.normalize()} is not a whole number")
    return int(value)


def parse_year(raw: str) -> int:
    s = fold(raw)
    if s.endswith("年"):
        s = s[:-1]
    if s.endswith(".0"):  # Excel stores years as floats
        s = s[:-2]
    if not re.fullmatch(r"\d{4}", s):
        raise ValueNotation("not a 4-digit year")
    year = int(s)
    if not 1949 <= year <= 2100:
        raise ValueNotation("year outside 1949-2100")
    return year


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
]


def parse_date(raw: str) -> dt.date:
    s = fold(raw)
    s = re.sub(r"T?00:00(:00)?$", "", s)  # Excel datetimes at midnight
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as exc:
                raise ValueNotation(f"not a calendar date ({exc})") from None
    raise ValueNotation("not a date (expected e.g. 2020-01-05 or 2020年1月5日)")

"""Rules R1-R9 as DuckDB SQL expressions over a whole column (the loader's path).

Each builder takes the SQL expression of a raw text value (and its R1-folded form) and returns
two expressions: the canonical value (NULL when missing or bad) and the problem (NULL when the
value follows a rule), with the same reasons as the Python reference parsers in normalize.py
(tests/unit/test_feed_sql_rules.py checks that both agree on every notation of docs/feeds.md).
"""

from __future__ import annotations

from decimal import Decimal

from dagster_project.feeds.normalize import MISSING_MARKERS, fold
from dagster_project.feeds.sql_text import fold_sql, sql_literal

# How many canonical units one "%" or "‰" is worth, by the column's declared unit (R3).
PERCENT_IN_UNIT = {"%": {"%": "1", "‰": "0.1"}, "‰": {"%": "10", "‰": "1"},
                   "ratio": {"%": "0.01", "‰": "0.001"}}
WHITESPACE = " \t\r\n\u3000\u00a0"
DEC = "DECIMAL(38,10)"
FACTOR = "DECIMAL(38,6)"


def in_list(values) -> str:
    return "(" + ", ".join(sql_literal(v) for v in sorted(set(values))) + ")"


def missing_sql(raw: str, folded: str, extra: list[str] = ()) -> str:
    """R6 (+ the feed's own markers): NULL, a built-in marker, or a declared one."""
    markers = set(MISSING_MARKERS) | set(extra)
    both = markers | {fold(m) for m in markers}
    return f"({raw} is null or trim({raw}, {sql_literal(WHITESPACE)}) in {in_list(both)} or {folded} in {in_list(both)})"


def number_sql(raw: str, folded: str, unit: str | None, factor: Decimal, integer: bool) -> tuple[str, str, str, str]:
    """R1-R5, R7: a published number to the canonical value and unit.

    Returns (fast_ok, fast, slow, problem): `fast` is the value of a plain number (most cells),
    `slow` the value by the full rules where `problem` is NULL. Arithmetic is exact (DECIMAL) and
    rounded once to DOUBLE, as the Python reference does with Decimal.
    """
    s = folded
    cn = f"(case when {s} like '%万' then 10000 when {s} like '%亿' then 100000000 else 1 end)"
    s1 = f"regexp_replace({s}, '[万亿]$', '')"
    sign = f"(case when right({s1}, 1) = '%' then '%' when right({s1}, 1) = '‰' then '‰' end)"
    s2 = f"regexp_replace({s1}, '[%‰]$', '')"
    conv = PERCENT_IN_UNIT.get(unit or "")
    pct = f"(case {sign} when '%' then {conv['%']} when '‰' then {conv['‰']} else 1 end)" if conv else "1"
    grouped = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
    s3 = f"replace({s2}, ',', '')"
    number_re = r"^[+-]?(\d+(\.\d+)?|\.\d+)$"
    factor_row = f"(cast({cn} as {FACTOR}) * cast({pct} as {FACTOR}) * cast('{factor}' as {FACTOR}))"
    int_digits = f"length(regexp_extract({s3}, '^[+-]?(\\d*)', 1))"
    exact = f"(cast({s3} as {DEC}) * cast({factor_row} as {FACTOR}))"
    whens = []
    if not conv:
        unit_text = (unit or "a count").replace("'", "''")
        whens.append(f"when {sign} is not null then '''' || {sign} || ''' sign in a column whose unit is "
                     f"''{unit_text}'', not a rate'")
    whens += [f"when {s2} like '%,%' and not regexp_matches({s2}, '{grouped}') "
              "then ''','' is not a thousands separator here (digits must be grouped by three)'",
              f"when not regexp_matches({s3}, '{number_re}') then 'not a number'",
              # Exact arithmetic has room for 18 digits; a larger number is not a count a feed publishes.
              f"when {int_digits} + length(cast(cast(floor({factor_row}) as hugeint) as varchar)) - 1 > 17 "
              "then 'more than 17 digits before the decimal point'"]
    if integer:
        normalized = (f"regexp_replace(regexp_replace(cast({exact} as varchar), '(\\.\\d*?)0+$', '\\1'), "
                      "'\\.$', '')")
        whens.append(f"when {exact} <> floor({exact}) then {normalized} || ' is not a whole number'")
        slow = f"cast({exact} as BIGINT)"
    else:
        slow = f"cast(cast({exact} as varchar) as DOUBLE)"
    problem = "case " + " ".join(whens) + " end"
    if integer and factor == 1:
        fast_ok = f"regexp_matches({raw}, '^-?[0-9]{{1,17}}$')"
        fast = f"cast({raw} as BIGINT)"
    elif integer:
        fast_ok, fast = "false", "null"
    else:
        fast_ok = f"regexp_matches({raw}, '^-?[0-9]{{1,17}}(\\.[0-9]{{1,10}})?$')"
        if factor != 1:
            fast_ok = f"regexp_matches({raw}, '^-?[0-9]{{1,12}}(\\.[0-9]{{1,6}})?$')"
        fast = (f"cast({raw} as DOUBLE)" if factor == 1 else
                f"cast(cast(cast({raw} as {DEC}) * cast('{factor}' as {FACTOR}) as varchar) as DOUBLE)")
    return fast_ok, fast, slow, problem



def year_sql(folded: str) -> tuple[str, str]:
    s = f"regexp_replace(regexp_replace({folded}, '年$', ''), '\\.0$', '')"
    problem = (f"case when not regexp_matches({s}, '^\\d{{4}}$') then 'not a 4-digit year' "
               f"when cast({s} as integer) not between 1949 and 2100 then 'year outside 1949-2100' end")
    value = f"case when regexp_matches({s}, '^\\d{{4}}$') and cast({s} as integer) between 1949 and 2100 then cast({s} as integer) end"
    return value, problem


DATE_PATTERNS = [r"^(\d{4})-(\d{1,2})-(\d{1,2})$", r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
                 r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$", r"^(\d{4})(\d{2})(\d{2})$", r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"]


def date_parts_sql(s: str) -> str:
    """A struct (y, m, d) of integers when the text has one of the R9 forms, else NULL."""
    cases = " ".join(f"when regexp_matches({s}, '{p}') then regexp_extract({s}, '{p}', ['y', 'm', 'd'])"
                     for p in DATE_PATTERNS)
    return f"(case {cases} end)"


def date_check_sql(parts: str) -> tuple[str, str]:
    y, m, d = (f"cast({parts}.{k} as integer)" for k in "ymd")
    text = f"printf('%04d-%02d-%02d', {y}, {m}, {d})"
    value = f"try_cast({text} as DATE)"
    problem = (f"case when {parts} is null then 'not a date (expected e.g. 2020-01-05 or 2020年1月5日)' "
               f"when {y} = 0 then 'not a calendar date (year 0 is out of range)' "
               f"when {m} not between 1 and 12 then 'not a calendar date (month must be in 1..12)' "
               f"when {value} is null then 'not a calendar date (day is out of range for month)' end")
    return f"case when {parts} is not null and {y} > 0 and {m} between 1 and 12 then {value} end", problem


def date_sql(folded: str) -> tuple[str, str]:
    s = f"regexp_replace({folded}, 'T?00:00(:00)?$', '')"
    return date_check_sql(date_parts_sql(s))


def datetime_sql(raw: str) -> tuple[str, str]:
    """A date by R9, a space or T, and an hour 0-23 with optional :MM(:SS): 2013-3-1 5, 2020-01-05T13:00."""
    text = f"trim({raw}, {sql_literal(WHITESPACE)})"
    date_text = f"regexp_extract({text}, '^(\\S+?)(?:[ T]+|T)(\\d{{1,2}})(?::(\\d{{2}}))?(?::(\\d{{2}}))?$', 1)"
    hour = f"try_cast(regexp_extract({text}, '^\\S+?[ T]+(\\d{{1,2}})', 1) as integer)"
    minute = f"coalesce(try_cast(regexp_extract({text}, '^\\S+?[ T]+\\d{{1,2}}:(\\d{{2}})', 1) as integer), 0)"
    second = f"coalesce(try_cast(regexp_extract({text}, '^\\S+?[ T]+\\d{{1,2}}:\\d{{2}}:(\\d{{2}})', 1) as integer), 0)"
    dvalue, dproblem = date_sql(fold_sql(date_text))
    problem = (f"case when {date_text} = '' or {hour} is null "
               f"then 'not a date and hour (expected e.g. 2020-01-05 13 or 2020-01-05 13:00)' "
               f"when {dproblem} is not null then {dproblem} "
               f"when {hour} > 23 or {minute} > 59 or {second} > 59 then 'hour outside 0-23 (or minute/second outside 0-59)' end")
    value = f"{dvalue} + to_hours({hour}) + to_minutes({minute}) + to_seconds({second})"
    return value, problem

"""One fixture per bad-input class, loaded with the real loader into a real DuckDB file.

Row-level problems (unparseable number, unknown region, duplicate key) go to raw._quarantine
with file, row, column, value and reason, and the good rows of the same file are loaded.
File-level problems (unreadable, wrong encoding, missing or unexpected column, empty) reject
the file with a message naming it; a rejected file loads nothing, so there the "good rows" are
those of the feed's good file loaded into the same table in the same session. Every original
file is archived, rejected or not.

Fixtures: tests/fixtures/feeds/bad/*.csv|xlsx, declaration tests/fixtures/feeds/clinic_resources.yml.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_file, sha256_of
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
BAD = FIXTURES / "bad"
GOOD_FILE = FIXTURES / "clinic_resources_2020_2021.csv"


@pytest.fixture
def feed(tmp_path):
    """The test feed declaration, an empty warehouse and archive, and the feed's good file loaded."""
    cfg = load_feed_config(FIXTURES / "clinic_resources.yml")
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)
    regions = load_region_index(settings.PROJECT_ROOT / "sources" / "reference")
    archive = tmp_path / "archive"

    def load(path: Path, config: FeedConfig = cfg):
        return load_file(con, config, path, archive, regions=regions)

    good = load(GOOD_FILE)
    assert good.status == "loaded" and good.rows_loaded == 4
    yield {"cfg": cfg, "con": con, "load": load, "archive": archive}
    con.close()


def current_keys(con, source_file: str) -> list[tuple]:
    return con.execute(
        "select region_code, year, hospital_beds, _row_number from raw.clinic_resources "
        "where _source_file = ? and _superseded_by_load_id is null order by _row_number", [source_file]).fetchall()


def quarantine_rows(con, source_file: str) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, source_column, raw_value, reason from raw._quarantine "
        "where source_file = ? order by row_number, column_name", [source_file]).fetchall()


def load_record(con, source_file: str) -> tuple:
    return con.execute(
        "select status, rows_loaded, rows_quarantined, message, archived_path from raw._loads "
        "where source_file = ?", [source_file]).fetchone()


def assert_rejected_and_good_file_kept(feed, path: Path, outcome, message: str):
    con = feed["con"]
    assert outcome.status == "rejected"
    assert outcome.message == message
    status, loaded, quarantined, recorded_message, archived = load_record(con, path.name)
    assert (status, loaded, quarantined, recorded_message) == ("rejected", 0, 0, message)
    # The original is archived unchanged even though it was rejected.
    assert Path(archived) == feed["archive"] / "clinic_resources" / f"{sha256_of(path)[:16]}__{path.name}"
    assert Path(archived).read_bytes() == path.read_bytes()
    assert con.execute("select count(*) from raw.clinic_resources where _source_file = ?",
                       [path.name]).fetchone()[0] == 0
    # The good file of the same feed is loaded and current: 4 rows.
    assert len(current_keys(con, GOOD_FILE.name)) == 4


# ---- file-level problems -----------------------------------------------------------------

def test_unreadable_workbook_is_rejected(feed):
    path = BAD / "unreadable.xlsx"  # starts like a zip (PK\x03\x04) but is cut off
    xlsx_cfg = FeedConfig.model_validate(
        {**feed["cfg"].model_dump(by_alias=True), "format": "xlsx", "file_pattern": "*.xlsx"})
    outcome = feed["load"](path, xlsx_cfg)
    assert_rejected_and_good_file_kept(
        feed, path, outcome, "unreadable.xlsx: unreadable Excel workbook (BadZipFile: File is not a zip file)")


def test_wrong_encoding_is_rejected_with_byte_and_line(feed):
    path = BAD / "wrong_encoding.csv"  # GBK bytes; the declaration says utf-8
    assert path.read_bytes()[:2] == "地".encode("gbk")  # b'\xb5\xd8' is not valid UTF-8 at byte 0
    outcome = feed["load"](path, feed["cfg"].model_copy(update={"encoding": "utf-8"}))
    assert_rejected_and_good_file_kept(
        feed, path, outcome,
        "wrong_encoding.csv: wrong encoding: not valid utf-8 at byte 0 (line 1); "
        "declare the right 'encoding' in clinic_resources.yml or use 'auto'")


def test_missing_required_column_is_rejected(feed):
    path = BAD / "missing_required_column.csv"
    outcome = feed["load"](path)
    assert_rejected_and_good_file_kept(
        feed, path, outcome,
        "missing_required_column.csv: missing required column 'year' (expected one of ['年份']; "
        "the file has ['地区', '床位数(张)', '常住人口(万人)', '老年人口占比'])")


def test_unexpected_column_is_rejected(feed):
    path = BAD / "unexpected_column.csv"
    outcome = feed["load"](path)
    assert_rejected_and_good_file_kept(
        feed, path, outcome,
        "unexpected_column.csv: unexpected column(s) ['数据来源']: declare them under 'columns' or "
        "'ignore_columns' in clinic_resources.yml")


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "empty.csv: empty file (0 data rows)"),
    ("header_only.csv", "header_only.csv: empty file (header but 0 data rows)"),
])
def test_empty_file_is_rejected(feed, name, message):
    path = BAD / name
    outcome = feed["load"](path)
    assert_rejected_and_good_file_kept(feed, path, outcome, message)


def test_rejected_file_is_retried_after_the_declaration_is_fixed(feed):
    """A rejected SHA-256 must not stay rejected forever: a fixed declaration loads the same file."""
    path = BAD / "unexpected_column.csv"
    con = feed["con"]
    first = feed["load"](path)
    again = feed["load"](path)  # same file, same declaration: same rejection, recorded once
    assert first.status == again.status == "rejected"
    assert con.execute("select count(*) from raw._loads where source_file = ?", [path.name]).fetchone()[0] == 1

    fixed = feed["cfg"].model_copy(update={"ignore_columns": ["数据来源"]})
    outcome = feed["load"](path, fixed)
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 2)
    assert con.execute("select status from raw._loads where source_file = ? order by loaded_at",
                       [path.name]).fetchall() == [("rejected",), ("loaded",)]


# ---- row-level problems: quarantine, and the good rows of the same file load -------------

def test_unparseable_numbers_are_quarantined_and_good_rows_load(feed):
    path = BAD / "unparseable_number.csv"
    con = feed["con"]
    outcome = feed["load"](path)
    # Row 3: the bad value is in a required column (a key): the row is quarantined.
    # Row 4: the bad value is a measure (常住人口): that value becomes NULL, is quarantined, and the row loads.
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined, outcome.values_quarantined) == (
        "loaded", 3, 1, 1)
    assert quarantine_rows(con, path.name) == [
        (3, "hospital_beds", "床位数(张)", "12,00",
         "',' is not a thousands separator here (digits must be grouped by three)"),
        (4, "resident_population", "常住人口(万人)", "约385", "not a number"),
    ]
    assert current_keys(con, path.name) == [
        ("150200", 2020, 26458, 2), ("370400", 2021, 31002, 4), ("370406", 2021, 2310, 5)]
    assert con.execute(
        "select resident_population, elderly_share_pct from raw.clinic_resources where _source_file = ? "
        "and _row_number = 4", [path.name]).fetchone() == (None, 19.8)
    record = json.loads(con.execute(
        "select raw_record from raw._quarantine where source_file = ? and row_number = 4", [path.name]).fetchone()[0])
    assert record == {"地区": "枣庄市", "年份": "2021", "床位数(张)": "31002", "常住人口(万人)": "约385",
                      "老年人口占比": "19.8%"}
    assert load_record(con, path.name)[:4] == ("loaded", 3, 1, None)
    assert con.execute("select values_quarantined from raw._loads where source_file = ?",
                       [path.name]).fetchone() == (1,)
    assert outcome.problems[0] == (
        "unparseable_number.csv row 3 column '床位数(张)' value '12,00': "
        "',' is not a thousands separator here (digits must be grouped by three)")


def test_unknown_regions_are_quarantined_and_good_rows_load(feed):
    path = BAD / "unknown_region.csv"
    con = feed["con"]
    outcome = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 2, 2)
    assert quarantine_rows(con, path.name) == [
        (3, "region_code", "地区", "火星市", "unknown region name '火星市'"),
        (4, "region_code", "地区", "999999", "unknown region code 999999 (not in GB/T 2260 1981-2024 nor the NBS list)"),
    ]
    assert current_keys(con, path.name) == [("150200", 2020, 26458, 2), ("150400", 2021, 12000, 5)]


def test_duplicate_keys_in_one_file_quarantine_both_rows(feed):
    path = BAD / "duplicate_key.csv"  # row 2 包头市 2020 and row 4 150200 2020 are the same key
    con = feed["con"]
    outcome = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 2, 2)
    assert quarantine_rows(con, path.name) == [
        (2, "region_code,year", None, "region_code=150200, year=2020",
         "duplicate key (region_code=150200, year=2020) also on row(s) [4]"),
        (4, "region_code,year", None, "region_code=150200, year=2020",
         "duplicate key (region_code=150200, year=2020) also on row(s) [2]"),
    ]
    # Neither duplicate is trusted over the other: 包头市 2020 stays as the good file loaded it.
    assert current_keys(con, path.name) == [("150400", 2021, 12000, 3), ("370400", 2021, 31002, 5)]
    assert con.execute(
        "select hospital_beds, _source_file from raw.clinic_resources "
        "where region_code = '150200' and year = 2020 and _superseded_by_load_id is null").fetchall() == [
        (26458, GOOD_FILE.name)]


# ---- framework bugs fixed earlier ----------------------------------------------------------

def test_repeated_header_is_rejected(feed, tmp_path):
    path = tmp_path / "repeated_header.csv"
    path.write_text("地区,年份,床位数(张),床位数(张)\n包头市,2020,26458,26500\n", encoding="utf-8")
    outcome = feed["load"](path)
    assert_rejected_and_good_file_kept(
        feed, path, outcome,
        "repeated_header.csv: column header(s) ['床位数(张)'] appear more than once; "
        "which one holds the values is ambiguous")


def test_value_under_an_empty_header_is_quarantined_not_dropped(feed, tmp_path):
    path = tmp_path / "unnamed_column.csv"
    path.write_text("地区,年份,床位数(张),\n包头市,2020,26458,\n赤峰市,2021,12000,见附注\n", encoding="utf-8")
    con = feed["con"]
    outcome = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 1, 1)
    assert quarantine_rows(con, path.name) == [(3, "column_4", None, "见附注", "value in a column without a header")]
    assert current_keys(con, path.name) == [("150200", 2020, 26458, 2)]


def test_alias_added_by_a_steward_applies_on_the_next_load(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(settings.PROJECT_ROOT / "sources" / "reference", reference)
    assert "毫州市" not in load_region_index(reference).names
    with (reference / "region_aliases.csv").open("a", encoding="utf-8") as fh:
        fh.write("毫州市,341600,look-alike misspelling of 亳州市 confirmed by the steward\n")
    os.utime(reference / "region_aliases.csv", ns=(1, 2))  # a different version, whatever the clock
    assert load_region_index(reference).resolve("毫州市") == "341600"

"""Nothing lost, nothing silent: same-run conflicts, verified archive copies, a file cut off, a
UTF-8 fragment in a GBK file, a fraction in a % column. One fixture per probe
(tests/fixtures/feeds/probes/), asserting the exact message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds import loader
from dagster_project.feeds.config import load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_files, sha256_of
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
PROBES = FIXTURES / "probes"


@pytest.fixture
def feed(tmp_path):
    cfg = load_feed_config(FIXTURES / "clinic_resources.yml")
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)
    regions = load_region_index(settings.PROJECT_ROOT / "sources" / "reference")
    archive = tmp_path / "archive"

    def load(*paths):
        return load_files(con, cfg, list(paths), archive, regions=regions)

    yield {"con": con, "load": load, "archive": archive, "cfg": cfg}
    con.close()


def current(con):
    return con.execute("select region_code, year, hospital_beds, _source_file from raw.clinic_resources "
                       "where _superseded_by_load_id is null order by region_code, year").fetchall()


def quarantine(con, source_file):
    return con.execute("select row_number, column_name, source_column, raw_value, reason from raw._quarantine "
                       "where source_file = ? order by row_number", [source_file]).fetchall()


# ---- two files for the same key in one run -----------------------------------------------

@pytest.fixture
def two_files(tmp_path):
    a, b = tmp_path / "beds_night_a.csv", tmp_path / "beds_night_b.csv"
    a.write_text("地区,年份,床位数(张)\n包头市,2020,26458\n赤峰市,2020,12000\n", encoding="utf-8")
    b.write_text("地区,年份,床位数(张)\n包头市,2020,99999\n枣庄市,2020,31002\n", encoding="utf-8")
    return a, b


CONFLICT_A = ("beds_night_a.csv: 1 key(s) also in beds_night_b.csv of the same run, e.g. (region_code=150200, "
              "year=2020): neither value becomes current until one file is withdrawn or a later file revises the key")


def test_same_key_in_two_files_of_one_run_is_an_error_and_neither_wins(feed, two_files):
    a, b = two_files
    con = feed["con"]
    out_a, out_b = feed["load"](a, b)
    assert (out_a.status, out_a.message) == ("conflict", CONFLICT_A)
    assert (out_b.status, out_b.message) == ("conflict", CONFLICT_A.replace("_a.csv", "_X").replace(
        "_b.csv", "_a.csv").replace("_X", "_b.csv"))
    # Neither 26458 nor 99999 is current for 包头市 2020; the other keys of both files load.
    assert current(con) == [("150400", 2020, 12000, a.name), ("370400", 2020, 31002, b.name)]
    reason = ("key (region_code=150200, year=2020) is also in beds_night_b.csv of the same run: neither value "
              "becomes current until one file is withdrawn or a later file revises the key")
    assert quarantine(con, a.name) == [(2, "region_code,year", None, "region_code=150200, year=2020", reason)]
    assert con.execute("select status from raw._loads order by source_file").fetchall() == [("conflict",), ("conflict",)]
    # The next run with both files still there: still an ERROR, nothing added.
    again = feed["load"](a, b)
    assert [o.status for o in again] == ["conflict", "conflict"]
    assert again[0].message == ("beds_night_a.csv: 1 key(s) still also in beds_night_b.csv: neither value is "
                                "current; withdraw one file or send a revision")


def test_withdrawing_one_file_settles_the_conflict(feed, two_files):
    a, b = two_files
    con = feed["con"]
    feed["load"](a, b)
    b.unlink()  # the bureau withdraws the wrong file
    [outcome] = feed["load"](a)
    assert (outcome.status, outcome.rows_loaded, outcome.message) == (
        "loaded", 1, "beds_night_a.csv: 1 key(s) it shared with beds_night_b.csv (withdrawn) now load from this file")
    assert ("150200", 2020, 26458, a.name) in current(con)
    assert con.execute("select settled_how from raw._conflicts where source_file = ?", [a.name]).fetchone() == (
        "withdrawn: beds_night_b.csv",)
    assert [o.status for o in feed["load"](a)] == ["duplicate"]


def test_a_later_revision_settles_the_conflict(feed, two_files, tmp_path):
    a, b = two_files
    con = feed["con"]
    feed["load"](a, b)
    revision = tmp_path / "beds_revision.csv"
    revision.write_text("地区,年份,床位数(张)\n包头市,2020,26460\n", encoding="utf-8")
    outcomes = feed["load"](a, b, revision)
    assert [o.status for o in outcomes] == ["duplicate", "duplicate", "loaded"]
    assert ("150200", 2020, 26460, revision.name) in current(con)
    assert con.execute("select distinct settled_how from raw._conflicts").fetchall() == [
        ("revised by beds_revision.csv",)]


# ---- archive copies ----------------------------------------------------------------------

def test_a_truncated_archive_copy_is_not_trusted(feed):
    path = FIXTURES / "clinic_resources_2020_2021.csv"
    sha = sha256_of(path)
    target = feed["archive"] / "clinic_resources" / f"{sha[:16]}__{path.name}"
    target.parent.mkdir(parents=True)
    target.write_bytes(path.read_bytes()[:40])  # a disk-full copy left by an earlier run
    [outcome] = feed["load"](path)
    assert outcome.status == "loaded"
    assert target.read_bytes() == path.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left


def test_an_archive_copy_that_does_not_verify_rejects_the_file(feed, monkeypatch):
    path = FIXTURES / "clinic_resources_2020_2021.csv"
    sha = sha256_of(path)

    def disk_full(src, dst):
        Path(dst).write_bytes(Path(src).read_bytes()[:10])

    monkeypatch.setattr(loader.shutil, "copy2", disk_full)
    [outcome] = feed["load"](path)
    tmp = feed["archive"] / "clinic_resources" / f".{sha[:16]}__{path.name}.{__import__('os').getpid()}.tmp"
    copied = __import__("hashlib").sha256(path.read_bytes()[:10]).hexdigest()
    assert (outcome.status, outcome.message) == ("rejected", (
        f"{path.name}: archive copy {tmp} has SHA-256 {copied[:16]}…, the file {sha[:16]}… "
        "(disk full or the file changed while copying); nothing loaded"))
    assert not (feed["archive"] / "clinic_resources" / f"{sha[:16]}__{path.name}").exists()
    assert list((feed["archive"] / "clinic_resources").iterdir()) == []
    assert feed["con"].execute("select count(*) from raw.clinic_resources").fetchone() == (0,)


# ---- a file cut off ----------------------------------------------------------------------

def test_last_line_cut_mid_number_is_quarantined(feed):
    path = PROBES / "cut_mid_number.csv"  # ends "山亭区,2021,12" without a newline (was 2310)
    assert not path.read_bytes().endswith(b"\n")
    [outcome] = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 3, 1)
    assert quarantine(feed["con"], path.name) == [(
        5, "hospital_beds", "床位数(张)", "12", "the last line has no newline and its last value '12' is shaped "
        "unlike the rest of its column: the file may be cut off")]


def test_last_line_cut_mid_row_is_quarantined(feed):
    path = PROBES / "cut_mid_row.csv"  # ends "枣庄市,2021,12": 3 of 5 fields, no newline
    [outcome] = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 2, 1)
    assert quarantine(feed["con"], path.name) == [(
        4, "*", None, None, "row has 3 fields, the header has 5; the last line has no newline: the file may be cut off")]


# ---- encodings mixed in one file ---------------------------------------------------------

def test_utf8_fragment_in_a_gbk_file_is_quarantined_not_loaded_garbled(feed):
    path = PROBES / "utf8_fragment_in_gbk.csv"  # GBK, but 石景山区 pasted as UTF-8 bytes
    assert "石景山区".encode("utf-8") in path.read_bytes()
    [outcome] = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 2, 1)
    assert quarantine(feed["con"], path.name) == [(
        4, "region_code", "地区", "鐭虫櫙灞卞尯", "text looks like UTF-8 read as GB18030 (mojibake): the file mixes "
        "encodings; re-save it in one encoding")]


def test_real_gbk_names_are_not_mistaken_for_mojibake(feed, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("地区,年份,床位数(张)\n包头市,2020,26458\n山亭区,2021,2310\n嘉峪关市,2021,900\n".encode("gbk"))
    [outcome] = feed["load"](path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 3, 0)


# ---- units that look wrong ---------------------------------------------------------------

def test_fractions_in_a_percent_column_reject_the_file(feed):
    path = PROBES / "fraction_in_percent_column.csv"  # 老年人口占比 0.2019, 0.195, 0.198
    [outcome] = feed["load"](path)
    assert (outcome.status, outcome.message) == ("rejected", (
        "fraction_in_percent_column.csv: column '老年人口占比' is declared in % but all 3 values are <= 1 "
        "(largest 0.2019): they look like ratio (a fraction of 1); fix the file or declare the unit"))
    assert feed["con"].execute("select count(*) from raw.clinic_resources").fetchone() == (0,)


def test_percent_values_in_a_permille_column_reject_the_file(feed, tmp_path):
    cfg = feed["cfg"]
    doc = cfg.model_dump(by_alias=True, exclude_none=True)
    doc["columns"][4]["unit"] = "‰"
    from dagster_project.feeds.config import FeedConfig
    permille = FeedConfig.model_validate(doc)
    path = tmp_path / "infant_mortality.csv"
    path.write_text("地区,年份,床位数(张),老年人口占比\n包头市,2020,26458,0.52\n赤峰市,2021,12000,0.61\n", encoding="utf-8")
    [outcome] = load_files(feed["con"], permille, [path], feed["archive"],
                           regions=load_region_index(settings.PROJECT_ROOT / "sources" / "reference"))
    assert (outcome.status, outcome.message) == ("rejected", (
        "infant_mortality.csv: column '老年人口占比' is declared in ‰ but all 2 values are <= 1 (largest 0.61): "
        "they look like % (per hundred); fix the file or declare the unit"))


def test_a_third_file_with_the_same_key_is_in_the_conflict_too(feed, two_files, tmp_path):
    a, b = two_files
    c = tmp_path / "beds_night_c.csv"
    c.write_text("地区,年份,床位数(张)\n包头市,2020,26500\n", encoding="utf-8")
    outcomes = feed["load"](a, b, c)
    assert [o.status for o in outcomes] == ["conflict", "conflict", "conflict"]
    assert outcomes[2].message.startswith("beds_night_c.csv: 1 key(s) also in beds_night_a.csv, beds_night_b.csv "
                                          "of the same run")
    assert ("150200", 2020) not in [r[:2] for r in current(feed["con"])]
    # Every value sent for the key is kept, in the quarantine, with its file.
    assert feed["con"].execute(
        "select source_file, row_number from raw._quarantine where raw_value = 'region_code=150200, year=2020' "
        "order by source_file").fetchall() == [(a.name, 2), (b.name, 2), (c.name, 2)]

"""Idempotent reload and revisions: a corrected file replaces the values it covers, and the
earlier values stay queryable with their load id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.feeds.config import load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_file
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
ORIGINAL = FIXTURES / "clinic_resources_2020_2021.csv"


def test_reload_adds_nothing_and_revision_keeps_history(tmp_path):
    cfg = load_feed_config(FIXTURES / "clinic_resources.yml")
    regions = load_region_index(settings.PROJECT_ROOT / "sources" / "reference")
    archive = tmp_path / "archive"
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)

    def load(path, when):
        return load_file(con, cfg, path, archive, regions=regions, now=when)

    first = load(ORIGINAL, dt.datetime(2026, 3, 1, 9, 0))
    assert (first.status, first.rows_loaded) == ("loaded", 4)

    # The same bytes again, even under another name: nothing added anywhere.
    renamed = tmp_path / "clinic_resources_copy.csv"
    renamed.write_bytes(ORIGINAL.read_bytes())
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("raw.clinic_resources", "raw._loads", "raw._quarantine")]
    for path in (ORIGINAL, renamed):
        again = load(path, dt.datetime(2026, 3, 2, 9, 0))
        assert again.status == "duplicate" and again.rows_loaded == 0
    assert [con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("raw.clinic_resources", "raw._loads", "raw._quarantine")] == counts == [4, 1, 0]

    # The bureau corrects 包头市 2020 beds and sends 赤峰市 2021 again unchanged, plus a new year.
    revision = tmp_path / "clinic_resources_2020_2021_revised.csv"
    revision.write_text(
        "地区,年份,床位数(张),常住人口(万人),老年人口占比\n"
        "包头市,2020,26512,270.94,20.19%\n"
        "赤峰市,2021,12000,403.6,——\n"
        "包头市,2022,27001,271.1,21.0%\n", encoding="utf-8")
    second = load(revision, dt.datetime(2026, 4, 1, 9, 0))
    assert (second.status, second.rows_loaded, second.rows_superseded) == ("loaded", 3, 2)
    first_load_id = load_id_1 = con.execute(
        "select load_id from raw._loads where source_file = ?", [ORIGINAL.name]).fetchone()[0]
    load_id_2 = con.execute("select load_id from raw._loads where source_file = ?", [revision.name]).fetchone()[0]
    assert load_id_1.startswith("clinic_resources-20260301T090000") and load_id_2.startswith("clinic_resources-20260401T090000")

    current = con.execute(
        "select region_code, year, hospital_beds, _source_file from raw.clinic_resources "
        "where _superseded_by_load_id is null order by region_code, year").fetchall()
    assert current == [
        ("150200", 2020, 26512, revision.name),   # corrected value
        ("150200", 2022, 27001, revision.name),   # new year
        ("150271", 2020, 1234, ORIGINAL.name),    # not covered by the revision: unchanged
        ("150400", 2021, 12000, revision.name),   # re-sent: the newest file is current
        ("370400", 2021, 31002, ORIGINAL.name),
    ]
    # History: the old 包头市 2020 value is still there, with its own load id and who replaced it.
    history = con.execute(
        "select hospital_beds, _load_id, _superseded_by_load_id, _loaded_at from raw.clinic_resources "
        "where region_code = '150200' and year = 2020 order by _loaded_at").fetchall()
    assert history == [
        (26458, first_load_id, load_id_2, dt.datetime(2026, 3, 1, 9, 0)),
        (26512, load_id_2, None, dt.datetime(2026, 4, 1, 9, 0)),
    ]
    # Every file is archived once, named <first 16 hex of SHA-256>__<original name>.
    assert sorted(p.name.split("__", 1)[1] for p in (archive / "clinic_resources").iterdir()) == [
        ORIGINAL.name, revision.name]
    con.close()

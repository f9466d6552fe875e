"""An edit of sources/reference/region_aliases.csv takes effect on the next run, for files loaded before.

A row quarantined as an unknown region loads once an alias names it (its quarantine row stays,
marked resolved); a loaded row whose alias changes is superseded by the row with the new code; a
row whose alias is removed leaves the current rows for the quarantine. The real loader, a real
DuckDB file, a copy of the real reference lists; expected rows worked out by hand from the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.config import load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_files
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
ALIAS = "Paotow,150200,包头市 in the old postal spelling\n"


@pytest.fixture
def setup(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(settings.PROJECT_ROOT / "sources" / "reference", reference)
    cfg = load_feed_config(FIXTURES / "clinic_resources.yml")
    data = tmp_path / "beds_2021.csv"
    data.write_text("地区,年份,床位数(张),常住人口(万人),老年人口占比\n"
                    "赤峰市,2021,300,403.6,18%\n"
                    "Paotow,2021,200,约270,20%\n"      # unknown region; 约270 is not a number (value-level)
                    "包头市,2020,100,270.94,20.19%\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)

    def run():
        return load_files(con, cfg, [data], tmp_path / "archive", regions=load_region_index(reference))

    yield {"con": con, "run": run, "aliases": reference / "region_aliases.csv"}
    con.close()


def current(con):
    return con.execute("select region_code, year, hospital_beds, resident_population, _row_number from "
                       "raw.clinic_resources where _superseded_by_load_id is null order by _row_number").fetchall()


def quarantine(con):
    return con.execute("select row_number, column_name, raw_value, reason, resolved_by_load_id is not null "
                       "from raw._quarantine order by quarantined_at, row_number, column_name").fetchall()


def test_alias_edits_apply_to_files_loaded_before(setup):
    con, run, aliases = setup["con"], setup["run"], setup["aliases"]
    first = run()[0]
    assert (first.status, first.rows_loaded, first.rows_quarantined) == ("loaded", 2, 1)
    assert current(con) == [("150400", 2021, 300, 4036000, 2), ("150200", 2020, 100, 2709400, 4)]
    unknown = (3, "region_code", "Paotow", "unknown region name 'Paotow'", False)
    bad_value = (3, "resident_population", "约270", "not a number", False)
    assert quarantine(con) == [unknown, bad_value]

    # nothing edited: nothing happens
    assert [o.status for o in run()] == ["duplicate"]

    # the steward adds the alias: the next run loads the row, its measure still NULL (约270), and
    # marks the region quarantine row resolved; the value's quarantine row stays open; nothing deleted
    with aliases.open("a", encoding="utf-8") as fh:
        fh.write(ALIAS)
    second = run()[0]
    assert (second.status, second.rows_loaded, second.rows_quarantined, second.rows_superseded) == ("reresolved", 1, 0, 0)
    assert "1 quarantined row(s) now load" in second.message
    assert current(con) == [("150400", 2021, 300, 4036000, 2), ("150200", 2021, 200, None, 3),
                            ("150200", 2020, 100, 2709400, 4)]
    assert quarantine(con) == [unknown[:4] + (True,), bad_value]
    load_id, status = con.execute("select resolved_by_load_id, l.status from raw._quarantine q join raw._loads l "
                                  "on l.load_id = q.resolved_by_load_id").fetchone()
    assert status == "reresolved"
    assert con.execute("select _load_id from raw.clinic_resources where _row_number = 3").fetchone()[0] == load_id
    assert [o.status for o in run()] == ["duplicate"]

    # the alias is changed to another code: the loaded row is superseded by the re-coded one
    aliases.write_text(aliases.read_text(encoding="utf-8").replace(ALIAS, "Paotow,150300,test: another code\n"),
                       encoding="utf-8")
    third = run()[0]
    assert (third.status, third.rows_loaded, third.rows_superseded) == ("reresolved", 1, 1)
    assert current(con) == [("150400", 2021, 300, 4036000, 2), ("150300", 2021, 200, None, 3),
                            ("150200", 2020, 100, 2709400, 4)]
    assert con.execute("select count(*) from raw.clinic_resources where region_code = '150200' and year = 2021 "
                       "and _superseded_by_load_id is not null").fetchone()[0] == 1

    # the alias is removed: the row leaves the current rows for the quarantine again
    aliases.write_text(aliases.read_text(encoding="utf-8").replace("Paotow,150300,test: another code\n", ""),
                       encoding="utf-8")
    fourth = run()[0]
    assert (fourth.status, fourth.rows_loaded, fourth.rows_quarantined, fourth.rows_superseded) == (
        "reresolved", 0, 1, 1)
    assert current(con) == [("150400", 2021, 300, 4036000, 2), ("150200", 2020, 100, 2709400, 4)]
    # a new quarantine row for the region; the value's open row is not repeated
    assert quarantine(con) == [unknown[:4] + (True,), bad_value, unknown]
    # every version of the row is still there: history, not deletion
    assert con.execute("select count(*) from raw.clinic_resources where _row_number = 3").fetchone()[0] == 2

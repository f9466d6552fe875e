"""The air-quality models are incremental by date: a nightly dbt run over days loaded later gives
the same rows as a full refresh, and recomputes only the days the new loads touched.

On a copy of the session warehouse: hours of three days are taken out of raw.air_quality_hourly
(2024-08-10 and 08-11 whole — the O3 8-hour exception days — and the afternoon of 2024-07-20, whose
O3 8-hour maximum is the window 12:00-19:59), the air-quality models are rebuilt with --full-refresh,
the hours come back as a later load, and a plain (incremental) `dbt run` must give every row of
the full build the nightly job made, the O3 windows across the two loads of 2024-07-20 included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project import settings

MODELS = ["stg_air_quality_hourly", "stg_air_quality_stations", "stg_air_quality_daily",
          "int_air_quality_station_daily", "int_air_quality_daily_statistics", "int_air_quality_iaqi",
          "int_air_quality_daily", "fct_air_quality_daily", "fct_air_quality_station_daily"]
TABLES = {  # relation: its key, for a readable difference
    "intermediate.int_air_quality_station_daily": "station_code, observed_date",
    "intermediate.int_air_quality_daily_statistics": "region_code, observed_date, metric",
    "intermediate.int_air_quality_daily": "region_code, observed_date",
    "marts.fct_air_quality_daily": "region_code, observed_date",
    "marts.fct_air_quality_station_daily": "station_code, observed_date",
}
LATER = ("observed_date in (date '2024-08-10', date '2024-08-11') "
         "or (observed_date = date '2024-07-20' and hour >= 12)")


def _dbt(args: list[str], database: Path, root: Path) -> None:
    env = {**os.environ, "HCW_WAREHOUSE": str(database), "DBT_TARGET_PATH": str(root / "dbt_target")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run([dbt, *args, "--project-dir", str(settings.DBT_PROJECT_DIR),
                           "--profiles-dir", str(settings.DBT_PROJECT_DIR)],
                          env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def _rows(con, relation: str) -> set[tuple]:
    # data_as_of and load_ids name the loads behind a row: the held-back hours come back as a new load
    columns = [r[0] for r in con.execute(f"describe {relation}").fetchall() if r[0] not in ("data_as_of", "load_ids")]
    return set(con.execute(f"select {', '.join(columns)} from {relation}").fetchall())


def test_incremental_run_over_days_loaded_later_equals_the_full_build(warehouse, tmp_path):
    database = tmp_path / settings.WAREHOUSE_FILE_NAME
    shutil.copy2(warehouse["warehouse"], database)
    with duckdb.connect(str(database)) as con:
        full = {t: _rows(con, t) for t in TABLES}
        july_20 = con.execute("select o3_8h, o3_8h_windows from marts.fct_air_quality_station_daily "
                              "where station_code = '1502A01' and observed_date = '2024-07-20'").fetchone()
        assert july_20 == (200.0, 17)  # the hand-set day: O3 200 for hours 12-19
        con.execute(f"create table raw.held_back as select * from raw.air_quality_hourly where {LATER}")
        con.execute(f"delete from raw.air_quality_hourly where {LATER}")
    _dbt(["run", "--full-refresh", "--select", *MODELS], database, tmp_path)

    with duckdb.connect(str(database)) as con:
        assert con.execute("select count(*) from marts.fct_air_quality_station_daily "
                           "where observed_date in ('2024-08-10', '2024-08-11')").fetchone() == (0,)
        # without its afternoon, 2024-07-20 has hours 0-11: the windows ending 07 … 11 (8 hours), 12 (7)
        # and 13 (6 hours) count, 7 < 14 and no maximum above 160: no valid O3 8-hour maximum
        assert con.execute("select o3_8h_windows, o3_8h_is_valid from marts.fct_air_quality_station_daily "
                           "where station_code = '1502A01' and observed_date = '2024-07-20'").fetchone() == (7, False)
        # The held-back hours arrive as a later load. An untouched day is changed behind dbt's back
        # (same load time): an incremental run must not recompute it, a full refresh would.
        con.execute("""insert into raw.air_quality_hourly
                       select * replace ('later-load' as _load_id, now()::timestamp as _loaded_at) from raw.held_back""")
        con.execute("drop table raw.held_back")
        con.execute("update raw.air_quality_hourly set pm25 = pm25 + 500 "
                    "where station_code = '1502A01' and observed_date = '2024-01-15'")
    _dbt(["run", "--select", *MODELS], database, tmp_path)

    with duckdb.connect(str(database), read_only=True) as con:
        untouched = con.execute("select pm25_24h from marts.fct_air_quality_station_daily "
                                "where station_code = '1502A01' and observed_date = '2024-01-15'").fetchone()[0]
        assert untouched == 70.0  # the hand-set value, not 570: only the days of the new load were rebuilt
        assert con.execute("select o3_8h, o3_8h_windows from marts.fct_air_quality_station_daily "
                           "where station_code = '1502A01' and observed_date = '2024-07-20'").fetchone() == july_20
        for table, key in TABLES.items():
            rows = _rows(con, table)
            assert rows == full[table], f"{table}: {len(rows ^ full[table])} rows differ (key {key})"
        later = con.execute("select distinct data_as_of > (select max(data_as_of) from marts.fct_air_quality_daily "
                            "where observed_date = '2024-01-15') from marts.fct_air_quality_daily "
                            "where observed_date in ('2024-07-20', '2024-08-10', '2024-08-11') "
                            "and source = 'computed_hourly'").fetchall()
        assert later == [(True,)]  # the rebuilt days name the later load

"""constant_columns: the loader writes the declared value on every row it loads (and on the rows
of a table loaded before the constant was declared), so staging reads it from raw.<feed>."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.feeds.config import load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_files

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "sources" / "data" / "city_health_snapshot" / "snapshot_data.csv"


def test_the_loader_writes_the_declared_constant(tmp_path):
    cfg = load_feed_config(REPO / "sources" / "feeds" / "city_health_snapshot.yml")
    assert cfg.constant_columns == {"year": 2019}
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    # a table created before the constant was declared, with one row already loaded
    without = cfg.model_copy(update={"constant_columns": {}})
    ensure_tables(con, without)
    con.execute("insert into raw.city_health_snapshot (region_code, _load_id, _row_number) values ('150200', 'old', 2)")
    ensure_tables(con, cfg)
    assert con.execute("select data_type from information_schema.columns where table_schema = 'raw' "
                       "and table_name = 'city_health_snapshot' and column_name = 'year'").fetchone() == ("INTEGER",)
    assert con.execute("select year from raw.city_health_snapshot where _load_id = 'old'").fetchone() == (2019,)

    outcome = load_files(con, cfg, [SNAPSHOT], tmp_path / "archive")[0]
    # 166 rows in the file; six are ambiguous pinyin names (docs/feeds.md, "Region names")
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 160)
    assert con.execute("select year, count(*) from raw.city_health_snapshot where _load_id <> 'old' "
                       "group by year").fetchall() == [(2019, 160)]
    # a row inserted without the column gets no default: the constant is the loader's to write
    con.execute("insert into raw.city_health_snapshot (region_code, _load_id, _row_number) values ('150400', 'x', 9)")
    assert con.execute("select year from raw.city_health_snapshot where _load_id = 'x'").fetchone() == (None,)

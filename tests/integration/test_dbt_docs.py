"""dbt descriptions are persisted as database comments (persist_docs in dbt/dbt_project.yml):
analysts see them in DuckDB (duckdb_columns()); the PostgreSQL side is in test_postgres.py."""

from __future__ import annotations

import yaml

from dagster_project import settings
from tests.conftest import duck


def documented() -> tuple[str, dict[str, str]]:
    """fct_indicator_value's description and column descriptions, read from the dbt YAML itself."""
    doc = yaml.safe_load((settings.DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    model = next(m for m in doc["models"] if m["name"] == "fct_indicator_value")
    return model["description"].strip(), {c["name"]: c["description"] for c in model["columns"] if c.get("description")}


def test_duckdb_marts_carry_table_and_column_comments(warehouse):
    description, columns = documented()
    with duck(warehouse["warehouse"]) as con:
        table = con.execute("select comment from duckdb_tables() where schema_name = 'marts' "
                            "and table_name = 'fct_indicator_value'").fetchone()[0]
        comments = dict(con.execute("select column_name, comment from duckdb_columns() where schema_name = 'marts' "
                                    "and table_name = 'fct_indicator_value'").fetchall())
    assert table.strip() == description
    assert comments["region_code"] == "行政区划代码 / 6-digit region code"
    assert {name: comments[name] for name in columns} == columns


def test_evaluation_settings_are_run_config_of_the_dbt_step(warehouse, tmp_path, monkeypatch):
    """index_alpha set in the run config reaches dbt: the open rounds' weights are rebuilt with α = 1,
    so every weight is the expert weight (w = α·expert + (1−α)·entropy, docs/evaluation.md); closed
    rounds keep the weights frozen when they were closed."""
    import shutil

    import dagster as dg

    from dagster_project.dbt_assets import dbt_resource, healthy_city_dbt_assets

    copy = tmp_path / settings.WAREHOUSE_FILE_NAME  # a copy: the shared warehouse keeps α = 0.5
    shutil.copy(warehouse["warehouse"], copy)
    monkeypatch.setenv("HCW_WAREHOUSE", str(copy))
    result = dg.materialize(
        [healthy_city_dbt_assets], selection=["intermediate/int_index_live_parameters", "marts/fct_indicator_weight"],
        resources={"dbt": dbt_resource()},
        run_config={"ops": {"healthy_city_dbt_assets": {"config": {"index_alpha": 1.0}}}},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    with duck(copy) as con:
        rows = con.execute("select distinct alpha, combined_weight = expert_weight from marts.fct_indicator_weight "
                           "where round_status = 'open' and is_informative").fetchall()
        closed = con.execute("select distinct alpha from marts.fct_indicator_weight where round_status = 'closed'").fetchall()
    with duck(warehouse["warehouse"]) as con:
        shared = con.execute("select distinct alpha from marts.fct_indicator_weight").fetchall()
    assert rows == [(1.0, True)]
    assert closed == [(0.5,)]
    assert shared == [(0.5,)]

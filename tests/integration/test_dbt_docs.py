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

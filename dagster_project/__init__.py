"""Healthy City Warehouse (健康城市数据仓库): Dagster + dbt-duckdb + Great Expectations."""

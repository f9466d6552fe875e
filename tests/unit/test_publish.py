"""publish_snapshot on small hand-made DuckDB files: what is copied, atomicity, the old storage version."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

OLD_DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # duckdb-cli 1.5.6, a test dependency


@pytest.fixture(scope="module")
def pub(dbt_manifest):
    # dagster_project.publish reads the dbt manifest at import (its deps come from the asset graph).
    import dagster_project.publish as module

    return module


def _node(resource_type, schema, name, materialized="table", description=""):
    return {"resource_type": resource_type, "schema": schema, "name": name, "alias": name,
            "config": {"materialized": materialized}, "description": description,
            "columns": {"value": {"description": "指标值"}}}


def test_published_relations_are_the_marts_and_reference_tables_of_the_manifest(pub):
    manifest = {"nodes": {
        "model.p.fct_a": _node("model", "marts", "fct_a", description="A"),
        "model.p.fct_new": _node("model", "marts", "fct_new"),          # added later by someone else
        "seed.p.dim_indicator": _node("seed", "reference", "dim_indicator", materialized="seed"),
        "model.p.stg_x": _node("model", "staging", "stg_x", materialized="view"),
        "model.p.int_y": _node("model", "intermediate", "int_y", materialized="view"),
        "model.p.eph": _node("model", "marts", "eph", materialized="ephemeral"),
        "test.p.not_null_fct_a": _node("test", "marts", "not_null_fct_a", materialized="test"),
    }}
    relations = pub.published_relations(manifest)
    assert [(r.schema, r.name) for r in relations] == [
        ("marts", "fct_a"), ("marts", "fct_new"), ("reference", "dim_indicator")]
    assert relations[0].description == "A"
    assert relations[0].columns == {"value": "指标值"}


@pytest.fixture
def working(tmp_path):
    path = tmp_path / "work" / "healthy_city.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema reference; create schema raw")
        con.execute("create table marts.fct_a as select * from (values ('150200', 2020, 48.5)) t(region_code, year, value)")
        con.execute("create table reference.dim_b as select 'HC17' as indicator_code")
        con.execute("create table raw.secret as select 1 as x")
    return path


@pytest.fixture
def relations(pub):
    return [pub.Relation("marts", "fct_a", "事实表 A", {"value": "指标值"}), pub.Relation("reference", "dim_b")]


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_snapshot_holds_only_the_published_tables_with_comments(pub, relations, working, tmp_path):
    published = tmp_path / "published" / "healthy_city.duckdb"
    result = pub.publish_snapshot(working, published, relations)
    assert result.rows == {"marts.fct_a": 1, "reference.dim_b": 1}
    assert oct(published.stat().st_mode & 0o777) == "0o444"
    assert [p.name for p in published.parent.iterdir()] == ["healthy_city.duckdb"]  # no temp, no .wal
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select * from marts.fct_a").fetchall() == [("150200", 2020, 48.5)]
        tables = con.execute("select schema_name, table_name, comment from duckdb_tables() order by 1, 2").fetchall()
        assert tables == [("marts", "fct_a", "事实表 A"), ("reference", "dim_b", None)]
        assert con.execute("select comment from duckdb_columns() where table_name = 'fct_a' "
                           "and column_name = 'value'").fetchone() == ("指标值",)
    # Written for old readers: DuckDB 2.0's default storage version (69) fails in 1.5 with
    # "Trying to read a database file with version number 69"; v1.4.0 opens.
    assert pub.STORAGE_VERSION == "v1.4.0"
    old = subprocess.run([str(OLD_DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(published),
                          "select region_code, value from marts.fct_a"], capture_output=True, text=True, timeout=60)
    assert (old.returncode, old.stdout, old.stderr) == (0, "150200,48.5\n", "")


def test_failed_publish_leaves_the_previous_file_byte_for_byte(pub, relations, working, tmp_path):
    published = tmp_path / "published" / "healthy_city.duckdb"
    pub.publish_snapshot(working, published, relations)
    before = _sha256(published)
    with pytest.raises(duckdb.CatalogException, match="fct_missing"):
        pub.publish_snapshot(working, published, [*relations, pub.Relation("marts", "fct_missing")])
    assert _sha256(published) == before
    assert [p.name for p in published.parent.iterdir()] == ["healthy_city.duckdb"]


def test_new_publish_replaces_the_file_and_an_open_reader_keeps_its_snapshot(pub, relations, working, tmp_path):
    published = tmp_path / "published" / "healthy_city.duckdb"
    pub.publish_snapshot(working, published, relations)
    reader = duckdb.connect(str(published), read_only=True)
    with duckdb.connect(str(working)) as con:
        con.execute("update marts.fct_a set value = 50.0")
    pub.publish_snapshot(working, published, relations)  # the open read-only reader does not block it
    assert reader.execute("select value from marts.fct_a").fetchone() == (48.5,)  # old inode
    reader.close()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select value from marts.fct_a").fetchone() == (50.0,)


def test_stale_temp_file_of_a_dead_publisher_is_removed(pub, relations, working, tmp_path):
    published = tmp_path / "published" / "healthy_city.duckdb"
    published.parent.mkdir()
    # PID 2**22 + 1 is above Linux's pid_max limit (4194304), so no such process exists.
    stale = published.with_name(f"{published.name}.{2 ** 22 + 1}{pub.TEMP_SUFFIX}")
    stale.write_bytes(b"half a snapshot")
    mine = published.with_name(f"unrelated{pub.TEMP_SUFFIX}")
    mine.write_bytes(b"not ours")
    pub.publish_snapshot(working, published, relations)
    assert not stale.exists()
    assert mine.exists()
    assert os.path.exists(published)

"""scripts/write_mart_contracts.py on a small hand-written yml and a DuckDB table in a temporary file."""

from __future__ import annotations

import duckdb

from scripts import write_mart_contracts as w

YML = """version: 2

models:
  - name: fct_probe
    description: >
      探针 / probe
    columns:
      - name: code
        description: 代码 / code
        data_tests: [not_null]
      - name: value
        data_type: double precision
        description: 数值 / value
      - name: n
        data_type: varchar
        description: 个数 / a count the SQL now makes an integer
"""


def _warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_probe (code varchar, value double, n integer)")
    return path


def test_types_written_under_each_column_aliases_kept_and_the_contract_enforced_on_duckdb(tmp_path, monkeypatch):
    (tmp_path / "_probe.yml").write_text(YML, encoding="utf-8")
    monkeypatch.setattr(w, "MARTS", tmp_path)
    warehouse = _warehouse(tmp_path)
    assert w.main([str(warehouse), "--check"]) == 1
    assert (tmp_path / "_probe.yml").read_text(encoding="utf-8") == YML  # --check writes nothing
    assert w.main([str(warehouse)]) == 0
    assert (tmp_path / "_probe.yml").read_text(encoding="utf-8") == YML.replace(
        "  - name: fct_probe\n", "  - name: fct_probe\n    config:\n      contract:\n"
        "        enforced: \"{{ target.type == 'duckdb' }}\"\n").replace(
        "      - name: code\n", "      - name: code\n        data_type: varchar\n").replace(
        "        data_type: varchar\n        description: 个数", "        data_type: integer\n        description: 个数")
    assert w.main([str(warehouse), "--check"]) == 0  # `double precision` is DuckDB's double: kept as written


def test_a_model_with_an_undocumented_column_gets_no_contract(tmp_path, monkeypatch, capsys):
    (tmp_path / "_probe.yml").write_text(YML.replace("      - name: n\n        data_type: varchar\n"
                                                     "        description: 个数 / a count the SQL now makes an integer\n", ""),
                                         encoding="utf-8")
    monkeypatch.setattr(w, "MARTS", tmp_path)
    assert w.main([str(_warehouse(tmp_path)), "--check"]) == 0
    assert "fct_probe: no contract: undocumented ['n'], not built []" in capsys.readouterr().out


def test_same_type_asks_duckdb():
    con = duckdb.connect()
    assert w.same_type(con, "double precision", "double")
    assert w.same_type(con, "int", "integer")
    assert not w.same_type(con, "varchar", "integer")
    assert not w.same_type(con, "no such type", "integer")
    assert not w.same_type(con, None, "integer")

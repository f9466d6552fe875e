"""What the scorecards read and how the workbook is written, on the session's published snapshot:
the grouped snapshot query against a plain row-by-row reading of the marts, and the workbook written
by the second process against the one written in-process."""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb

from dagster_project.reports.data import load_snapshot
from dagster_project.reports.scorecard import build_scorecards, snapshot_identity, write_overviews_and_workbook


def published(warehouse):
    return warehouse["warehouse"].parent / "published" / "healthy_city.duckdb"


def _row_by_row(path):
    """Every value row on its own: its series, incomplete years, feeds and date (data_as_of, else the
    latest load date written in its lineage 'feed-YYYYMMDDT…')."""
    values, incomplete, feeds, as_of = {}, {}, {}, {}
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select region_code, indicator_code, year, value, is_complete_year, input_load_ids, "
                           "data_as_of from marts.fct_indicator_value").fetchall()
    for region, indicator, year, value, complete, lineage, dated in rows:
        key = (region, indicator)
        values.setdefault(key, {})[year] = value
        if complete is False:
            incomplete.setdefault(key, set()).add(year)
        loads = re.findall(r"(?:^|;)\s*([a-z0-9_]+)-(\d{4})(\d{2})(\d{2})T\d+", lineage or "")
        if loads:
            feeds.setdefault(key, set()).update(f for f, *_ in loads)
        date = dated.date().isoformat() if dated else max((f"{y}-{m}-{d}" for _, y, m, d in loads), default="")
        if date:
            as_of[key] = max(as_of.get(key, ""), date)
    return values, incomplete, {k: sorted(v) for k, v in feeds.items()}, as_of


def test_snapshot_series_equal_the_marts_row_by_row(warehouse):
    snapshot = load_snapshot(published(warehouse))
    values, incomplete, feeds, as_of = _row_by_row(published(warehouse))
    assert {(r.code, i): s for r in snapshot.regions.values() for i, s in r.values.items()} == values
    assert {(r.code, i): y for r in snapshot.regions.values() for i, y in r.incomplete.items()} == incomplete
    assert snapshot.feeds == feeds
    assert snapshot.data_as_of == as_of
    assert feeds and as_of  # the sample's values carry their lineage


def test_second_process_writes_what_one_process_writes(warehouse, tmp_path):
    snapshot = load_snapshot(published(warehouse))
    one = tmp_path / "one"
    one.mkdir()
    overviews, workbook = write_overviews_and_workbook(snapshot, one)
    helper = tmp_path / "helper"
    helper.mkdir()
    run = subprocess.run([sys.executable, "-m", "dagster_project.reports.scorecard", str(published(warehouse)), str(helper)],
                         capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[0] == snapshot_identity(snapshot)  # it read the same file
    assert sorted(p.name for p in helper.iterdir()) == sorted(p.name for p in [*overviews, workbook])
    for path in [*overviews, workbook]:
        assert (helper / path.name).read_bytes() == path.read_bytes(), path.name
    both = build_scorecards(published(warehouse), tmp_path / "both", second_process=True)
    alone = build_scorecards(published(warehouse), tmp_path / "alone", second_process=False)
    assert (both.second_process, alone.second_process) == ("ok", None)
    assert [p.name for p in both.pages] == [p.name for p in alone.pages]
    assert [p.name for p in both.overviews] == [p.name for p in alone.overviews]
    for path in alone.pages + alone.overviews + [alone.workbook]:
        assert (tmp_path / "both" / path.name).read_bytes() == path.read_bytes(), path.name

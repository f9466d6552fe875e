"""On the shared nightly warehouse: every quality check ran, was recorded, and the report was written."""

from __future__ import annotations

import re

from tests.conftest import duck


def test_every_check_of_the_nightly_run_is_recorded_and_reported(warehouse, defs):
    run_id = warehouse["result"].run_id
    ours = {k.name for k in defs.resolve_asset_graph().asset_check_keys
            if k.name.endswith("_gx") and not k.name.startswith(("unique_", "not_null_"))
            or k.name.endswith("_fresh")}
    with duck(warehouse["warehouse"]) as con:
        recorded = {r[0]: r[1] for r in con.execute(
            "select check_name, passed from raw._check_results where run_id = ?", [run_id]).fetchall()}
        stale = con.execute("select check_name from raw._check_results where run_id = ? and kind = 'freshness' "
                            "and not passed", [run_id]).fetchall()
        # Other tests may run the nightly job again on this warehouse; the report shows the latest run.
        latest_run_id = con.execute(
            "select run_id from raw._check_results order by checked_at desc limit 1").fetchone()[0]
    assert ours <= set(recorded)
    # Bundled files were loaded by this very run, so no feed can be stale.
    assert stale == []

    page = (warehouse["warehouse"].parent / "reports" / "data_quality.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    assert latest_run_id in page
    for check in ("fct_indicator_value_gx", "raw_pension_beds_gx", "raw_pension_beds_fresh"):
        assert f"<code>{check}</code>" in page

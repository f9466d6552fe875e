"""Data-quality findings reach administrators as incidents: real Dagster runs, the real alert
sensors, a real SMTP server and HTTP receiver on 127.0.0.1 (the fixtures of test_alerts.py).

The findings are the real ones the nightly dbt build found in the bundled data (a copy of the
shared warehouse). Each run here materializes the asset key marts/fct_data_quality_finding, as
the dbt step does when it rebuilds the mart; between runs the test changes the mart the way the
next dbt build would (a missing report that arrives late), so no dbt build is needed per run.
"""

from __future__ import annotations

import csv
import shutil

import dagster as dg
import duckdb

from dagster_project import settings
from tests.integration.test_alerts import alert_env, run_and_tick  # noqa: F401 - the fixture is reused

PUBLISHERS = {r["feed"]: (r["publisher_zh"], r["publisher_en"]) for r in csv.DictReader(
    (settings.DBT_PROJECT_DIR / "seeds" / "dq_feed_publishers.csv").open(encoding="utf-8"))}


@dg.asset(key=["marts", "fct_data_quality_finding"])
def findings_mart_rebuilt() -> None:
    """Stands for the dbt build of the mart; the mart itself is the one in the warehouse copy."""


def _findings(database):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select finding_id, feed, region_code, year, rule_id from marts.fct_data_quality_finding"
                           ).fetchall()


def test_findings_are_announced_once_and_their_resolution_once(alert_env, warehouse):  # noqa: F811
    database = alert_env["warehouse"]
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse["warehouse"], database)
    findings = _findings(database)
    mails, posts = alert_env["mails"], alert_env["posts"]

    # Oracle for the grouping: the departments of each finding's feeds, from the seed file itself.
    departments = {"；".join(sorted({PUBLISHERS[f][0] for f in (feed or "").split(";") if f in PUBLISHERS}))
                   or "未指明部门" for _, feed, *_ in findings}

    with dg.instance_for_test() as instance:
        first = run_and_tick(instance, [findings_mart_rebuilt])
        assert first.success
        # More than 10 new findings (the first night): one message per responsible department.
        generic = [p[1] for p in posts if p[0] == "/generic"]
        assert len(mails) == len(generic) == len(departments) and len(findings) > 1000
        assert {g["department"] for g in generic} == departments
        assert sum(g["count"] for g in generic) == len(findings)
        statistics = next(m for m in mails if m["Subject"].endswith(": 统计局"))
        body = statistics.get_content()
        assert "负责部门 Responsible department: 统计局 / Statistics Bureau" in body
        # 包头市's 2025 population report was due on 31 March 2026 and never arrived.
        assert "- [WARN] 包头市 150200 2025 · 报表完整性（未报）：统计局：包头市 2025 年 population_by_age 报表未报送，截止日期 2026-03-31" in body

        # The next night finds the same: nothing is repeated.
        run_and_tick(instance, [findings_mart_rebuilt])
        assert len(mails) == len(departments)

        # The report arrives, late: the dbt build replaces the missing-report finding by a late one.
        with duckdb.connect(str(database)) as con:
            missing = con.execute("""
                select finding_id from marts.fct_data_quality_finding
                where rule_id = 'MISSING_REPORT' and feed = 'population_by_age' and region_code = '150200'
                  and year = 2025""").fetchone()[0]
            con.execute("""
                insert into marts.fct_data_quality_finding
                select 'late-150200-2025' as finding_id, 'timeliness' as check_type, 'LATE_REPORT' as rule_id,
                       * exclude (finding_id, check_type, rule_id, message_zh, message_en)
                         replace (10.0 as value),
                       '统计局：包头市 2025 年 population_by_age 报表逾期 10 天报送（截止 2026-03-31，收到 2026-04-10）',
                       'Statistics Bureau: the 2025 population_by_age report of 150200 arrived 10 days late'
                from marts.fct_data_quality_finding where finding_id = ?""", [missing])
            con.execute("delete from marts.fct_data_quality_finding where finding_id = ?", [missing])
        settled = run_and_tick(instance, [findings_mart_rebuilt])

    new = mails[len(departments):]
    # Subjects as sent (the webhook carries them verbatim; an email client shows the same text).
    assert len(new) == 2
    assert sorted(p[1]["subject"] for p in posts[len(departments) * 3:] if p[0] == "/generic") == [
        "[健康城市仓库] 已解决 / Resolved: 报表未报送 / Report missing: 统计局 · 包头市 150200 2025 · population_by_age",
        "[健康城市仓库] 报表逾期报送 / Report late: 统计局 · 包头市 150200 2025 · population_by_age",
    ]
    late = next(m.get_content() for m in new if "Report late" in m["Subject"])
    assert "负责部门 Responsible department: 统计局 / Statistics Bureau" in late
    assert "报表逾期 10 天报送（截止 2026-03-31，收到 2026-04-10）" in late
    assert f"运行 Dagster run: {settled.run_id}" in late
    resolved = next(m.get_content() for m in new if "Resolved" in m["Subject"])
    assert f"问题首次出现于运行 Finding opened in run: {first.run_id}" in resolved
    events = [(p[1]["event"], p[1]["kind"], p[1]["finding_id"]) for p in posts[len(departments) * 3:]
              if p[0] == "/generic"]
    assert sorted(events) == [("incident", "finding", "late-150200-2025"), ("recovery", "finding", missing)]
    # The two summary checks of the findings are not incidents of their own.
    assert not any("dq_no_warn_findings" in m["Subject"] for m in mails)

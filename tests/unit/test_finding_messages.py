"""Texts of data-quality finding alerts, from hand-built findings (the integration test sends real ones)."""

from __future__ import annotations

from dagster_project.alerts.messages import finding_message, finding_resolved_message, findings_digest_message

ACKNOWLEDGED = {
    "finding_id": "f1", "check_type": "related_data", "rule_id": "POP_65_LE_60", "severity": "WARN",
    "rule_severity": "ERROR", "acknowledged_reason": "来源数据错误 / an error of the source",
    "region_code": "430300", "region_name_zh": "湘潭市", "year": 2010, "feed": "census_city",
    "series": "POP_65_LE_60", "department_zh": "国家统计局（leiii/census 整理）",
    "department_en": "National Bureau of Statistics, digitised by leiii/census (MIT)",
    "message_zh": "65岁及以上人口 624743 大于60岁及以上人口 461539（430300 2010）",
    "message_en": "population aged 65+ 624743 exceeds population aged 60+ 461539 (430300 2010)",
    "source_row": "census_city_2010-2020_v1.csv:188",
}


def test_a_finding_names_region_rule_source_and_department():
    m = finding_message(ACKNOWLEDGED, "run-1", "nightly_materialization")
    assert m.subject == ("[健康城市仓库] 数据质量问题（警告）/ Data-quality finding (WARN): 相关数据一致性 · "
                         "湘潭市 430300 2010 · POP_65_LE_60")
    lines = m.body.splitlines()
    assert "负责部门 Responsible department: 国家统计局（leiii/census 整理） / National Bureau of Statistics, " \
           "digitised by leiii/census (MIT)" in lines
    assert "地区 Region: 湘潭市 430300" in lines and "年度 Year: 2010" in lines
    assert ("级别 Severity: WARN（已确认的来源错误，不阻断 / acknowledged source error, not blocking: "
            "来源数据错误 / an error of the source）") in lines
    assert "来源 Source: census_city_2010-2020_v1.csv:188" in lines
    assert (m.payload["event"], m.payload["kind"], m.payload["finding_id"]) == ("incident", "finding", "f1")


def test_resolution_and_digest():
    resolved = finding_resolved_message(ACKNOWLEDGED, "run-2", "nightly_materialization", "run-1")
    assert resolved.subject.startswith("[健康城市仓库] 已解决 / Resolved: 数据质量问题（警告）")
    assert "问题首次出现于运行 Finding opened in run: run-1" in resolved.body
    many = [{**ACKNOWLEDGED, "finding_id": f"f{i}", "severity": "ERROR" if i < 2 else "WARN"} for i in range(45)]
    digest = findings_digest_message("国家统计局（leiii/census 整理）", many, "run-1", "nightly_materialization")
    assert digest.subject == ("[健康城市仓库] 新的数据质量问题 45 条 / 45 new data-quality findings"
                              "（错误 ERROR 2，警告 WARN 43）: 国家统计局（leiii/census 整理）")
    assert sum(1 for line in digest.body.splitlines() if line.startswith("- [")) == 40
    assert "- … 另有 5 条 / 5 more" in digest.body
    assert (digest.payload["count"], digest.payload["errors"], len(digest.payload["findings"])) == (45, 2, 40)

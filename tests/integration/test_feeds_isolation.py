"""Isolation, through a real nightly run on a copy of the shared warehouse: a rejected file in one
feed fails only that feed's files check; every other feed's indicators are rebuilt and published;
the feed keeps its last good rows, with their older data_as_of; administrators get an alert naming
the file; landing files no feed reads are listed in the run, the report and an alert."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from tests.conftest import _point_env_at, duck, run_nightly

# A revised table from the statistics office of the health commission: 包头市 2024 general
# practitioners 1006 -> 1100 (the other columns as bundled).
REVISED_HEALTHCARE = ("行政区划代码,地区名称,年份,执业(助理)医师数(人),注册护士数(人),全科医生数(人),"
                      "专业公共卫生机构人员数(人),医疗卫生机构床位数(张),基层医疗卫生机构数(个),"
                      "能提供中医药服务的基层医疗卫生机构数(个),社区卫生服务中心数(个),社区卫生服务站数(个),"
                      "乡镇卫生院数(个),村卫生室数(个),能提供中医药服务的社区卫生服务中心数(个),"
                      "能提供中医药服务的社区卫生服务站数(个),能提供中医药服务的乡镇卫生院数(个),"
                      "能提供中医药服务的村卫生室数(个)\n"
                      "150200,包头市,2024,9350,10471,1100,2405,18338,1853,1786,31,69,35,528,31,66,34,422\n")
# The civil-affairs bureau's file has a column nobody declared: rejected whole. Had it loaded,
# 包头市 2024 would have 99,999 beds instead of the bundled 35,237.
REJECTED_BEDS = "行政区划代码,地区名称,年份,养老机构床位数(张),床位使用率(%)\n150200,包头市,2024,99999,61.2\n"
REJECTED_REASON = ("pension_beds_2024_revised.csv: unexpected column(s) ['床位使用率(%)']: declare them under "
                   "'columns' or 'ignore_columns' in pension_beds.yml")
# The bundled data's known WARN findings (tests/integration/test_pipeline.py says why each is expected).
KNOWN_REAL_DATA_WARNINGS = {name: "WARN" for name in (
    "raw_city_panel_gx", "raw_city_panel_feed_rules_gx", "published_value_agrees_fct_indicator_value",
    "dq_no_warn_findings")}
UNREAD = [
    ("landing/healthcare_resources/healthcare_resources_2025.CSV", "healthcare_resources",
     "name does not match file_pattern '*.csv' of feed healthcare_resources: the letter case differs; "
     "rename it to 'healthcare_resources_2025.csv'"),
    ("landing/pension_bed/pension_beds_2025.csv", None,
     "unknown feed folder 'pension_bed': no sources/feeds/pension_bed.yml; did you mean 'pension_beds'?"),
]
INDICATORS = "select region_code, year, indicator_code, value, data_as_of from marts.fct_indicator_value"


def _indicators(path) -> dict:
    with duck(path) as con:
        return {r[:3]: r[3:] for r in con.execute(INDICATORS).fetchall()}


@pytest.fixture(scope="module")
def second_night(warehouse, defs, tmp_path_factory):
    """Night 1 = the shared warehouse (bundled files). Night 2, on a copy of it: one good revised
    file, one rejected file and two files no feed reads in the landing folders."""
    root = tmp_path_factory.mktemp("isolation")
    shutil.copytree(warehouse["warehouse"].parent, root / "warehouse")
    shutil.copytree(warehouse["archive"], root / "archive")
    with pytest.MonkeyPatch.context() as mp:
        paths = _point_env_at(mp, root)
        mp.setenv("HCW_ALERT_STATE", str(root / "alert_incidents.sqlite"))
        published = paths["warehouse"].parent / "published" / paths["warehouse"].name
        before = _indicators(published)
        landing = paths["landing"]
        for relative, text in [("healthcare_resources/healthcare_resources_2024_revised.csv", REVISED_HEALTHCARE),
                               ("pension_beds/pension_beds_2024_revised.csv", REJECTED_BEDS),
                               ("healthcare_resources/healthcare_resources_2025.CSV", REVISED_HEALTHCARE),
                               ("pension_bed/pension_beds_2025.csv", REJECTED_BEDS)]:
            (landing / relative).parent.mkdir(parents=True, exist_ok=True)
            (landing / relative).write_text(text, encoding="utf-8")
        with dg.instance_for_test() as instance:
            result = run_nightly(defs, instance)
            yield {**paths, "published": published, "before": before, "result": result, "instance": instance}


def _evaluations(result) -> dict:
    return {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def test_the_run_is_green_and_only_the_feeds_files_check_fails(second_night):
    result = second_night["result"]
    assert result.success is True
    evaluations = _evaluations(result)
    failed = {name: e.severity.value for name, e in evaluations.items() if not e.passed}
    assert failed == {"raw_pension_beds_files_accepted": "ERROR", "landing_files_claimed": "WARN",
                      **KNOWN_REAL_DATA_WARNINGS}
    check = evaluations["raw_pension_beds_files_accepted"]
    assert check.blocking is False
    assert check.metadata["failed_summary"].value == f"- pension_beds_2024_revised.csv: rejected: {REJECTED_REASON}"
    # Every other feed accepted its files; every step ran (nothing skipped, nothing failed).
    assert all(e.passed for name, e in evaluations.items()
               if name.endswith("_files_accepted") and name != "raw_pension_beds_files_accepted")
    assert not [e for e in result.all_events if e.event_type_value in ("STEP_FAILURE", "STEP_SKIPPED")]
    with duck(second_night["warehouse"]) as con:
        assert con.execute("select status, message from raw._loads where source_file = 'pension_beds_2024_revised.csv'"
                           ).fetchall() == [("rejected", REJECTED_REASON)]
        assert con.execute("select status from raw._loads where source_file = 'healthcare_resources_2024_revised.csv'"
                           ).fetchall() == [("loaded",)]


def test_every_other_feeds_indicators_are_rebuilt_and_published(second_night):
    before, after = second_night["before"], _indicators(second_night["published"])
    # Nothing lost: every indicator value of night 1 is still published, nothing new appeared.
    assert set(after) == set(before)
    assert {k[2] for k in after} == {k[2] for k in before} and len({k[2] for k in after}) >= 30
    # The revised health-commission file reached the published snapshot:
    # HC24 包头市 2024 = 1,100 general practitioners / 2,731,322 residents × 10,000 = 4.02734… (was 1006 → 3.68322…).
    assert before[("150200", 2024, "HC24")][0] == pytest.approx(1006 * 10_000 / 2_731_322, rel=1e-12)
    assert after[("150200", 2024, "HC24")][0] == pytest.approx(1100 * 10_000 / 2_731_322, rel=1e-12)
    # Equal up to the last bits of a double: a parallel SUM of doubles may add in another order.
    changed = {k for k in after if after[k][0] != pytest.approx(before[k][0], rel=1e-9)}
    # GPs feed HC24 only; beds of other indicators did not change.
    assert changed == {("150200", 2024, "HC24")}


def test_the_rejected_feed_keeps_its_last_good_rows_with_an_older_data_as_of(second_night):
    before, after = second_night["before"], _indicators(second_night["published"])
    # HC17 (beds per 1,000 elderly) is computed from pension_beds: the 99,999 did not get in.
    # 包头市 2024: (35,237 institution + 10,819 community) beds / 611,543 residents aged 60+ × 1,000 = 75.3111…
    assert after[("150200", 2024, "HC17")][0] == pytest.approx((35_237 + 10_819) * 1_000 / 611_543, rel=1e-12)
    hc17 = {k: v for k, v in after.items() if k[2] == "HC17"}
    assert len(hc17) == 45 and hc17 == {k: v for k, v in before.items() if k[2] == "HC17"}
    with duck(second_night["warehouse"]) as con:
        night1_beds, night1_population, night1_city, night1_county, night2_revision = [con.execute(
            "select loaded_at from raw._loads where source_file = ? and status = 'loaded'", [name]).fetchone()[0]
            for name in ("pension_beds_2016_2024.csv", "population_by_age_2016_2024.csv",
                         "census_city_2010-2020_v1.csv", "census_county_2010_2020.csv",
                         "healthcare_resources_2024_revised.csv")]
    # Its values say how old they are: the newest of the night-1 loads they came from, the beds and the
    # population of int_population (the prefecture census for 包头市 2016-2020, the county census for 山亭区
    # and 稀土高新区 2020, the population feed after 2020 and for 稀土高新区 before) ...
    assert {v[1] for v in hc17.values()} == {max(night1_beds, night1_population), max(night1_beds, night1_city),
                                             max(night1_beds, night1_county)}
    # ... older than the value rebuilt from tonight's revised file.
    assert after[("150200", 2024, "HC24")][1] == night2_revision > max(night1_beds, night1_population)
    assert all(v[1] is not None for v in after.values())


def test_an_alert_names_the_rejected_file_and_the_unread_landing_files(second_night, smtp_server, http_receiver,
                                                                       monkeypatch):
    from dagster_project.alerts.sensors import alert_on_run_success

    port, mails = smtp_server
    base_url, posts = http_receiver
    for name, value in {"HCW_SMTP_HOST": "127.0.0.1", "HCW_SMTP_PORT": str(port),
                        "HCW_SMTP_SENDER": "warehouse@example.org", "HCW_SMTP_RECIPIENTS": "admin@example.org",
                        "HCW_ALERT_WEBHOOK_URL": f"{base_url}/generic"}.items():
        monkeypatch.setenv(name, value)
    for name in ("HCW_DINGTALK_WEBHOOK_URL", "HCW_WECOM_WEBHOOK_URL", "HCW_SMTP_USER", "HCW_SMTP_STARTTLS",
                 "HCW_SMTP_SSL", "HCW_ALERT_WEBHOOK_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    instance, run_id = second_night["instance"], second_night["result"].run_id
    event = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
    alert_on_run_success(dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_success", dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id), dagster_event=event))

    by_subject = {m["Subject"]: m.get_content() for m in mails}
    subject = ("[健康城市仓库] 数据校验失败（错误）/ Check failed (ERROR): "
               "养老机构床位数 · raw/pension_beds · raw_pension_beds_files_accepted")
    body = by_subject[subject]
    assert "级别 Severity: ERROR（不阻断：其他数据源照常更新发布 / not blocking: everything else is still built and published）" in body
    assert "运行结果 Run status: 成功 SUCCESS" in body
    assert f"失败值 Failing values: {REJECTED_REASON}（1 行 rows）" in body
    assert "位置 Where: pension_beds_2024_revised.csv" in body
    landing = by_subject["[健康城市仓库] 数据校验失败（警告）/ Check failed (WARN): landing/inventory · landing_files_claimed"]
    for path, _, reason in UNREAD:
        assert f"位置 Where: {path}" in landing and f"失败值 Failing values: {reason}（1 行 rows）" in landing
    generic = next(p[1] for p in posts if p[1].get("check") == "raw_pension_beds_files_accepted")
    assert (generic["severity"], generic["run_failed"], generic["failures"][0]["failing_rows"][0]["_source_file"]) == (
        "ERROR", False, "pension_beds_2024_revised.csv")


def test_the_report_and_the_run_list_the_rejected_and_unread_files(second_night):
    run_id = second_night["result"].run_id
    with duck(second_night["warehouse"]) as con:
        rows = con.execute("select check_name, severity, source_file, row_key, value from raw._check_failures "
                           "where run_id = ? and check_name in ('raw_pension_beds_files_accepted', "
                           "'landing_files_claimed') order by check_name desc, source_file", [run_id]).fetchall()
    assert rows == [("raw_pension_beds_files_accepted", "ERROR", "pension_beds_2024_revised.csv", "rejected",
                     REJECTED_REASON)] + [("landing_files_claimed", "WARN", p, f, r) for p, f, r in UNREAD]
    report = (second_night["warehouse"].parent / "reports" / "data_quality.html").read_text(encoding="utf-8")
    assert "失败·不阻断 Failed · ERROR, not blocking" in report
    for text in ["pension_beds_2024_revised.csv", *[p for p, _, _ in UNREAD]]:
        assert text in report
    # The asset landing/inventory and the feed asset list them in the run's metadata too.
    result = second_night["result"]
    inventory = result.asset_materializations_for_node("landing__inventory")[0].metadata
    assert inventory["files_not_read"].value == 2
    assert inventory["files_read_by_feeds"].value == {"healthcare_resources": 1, "pension_beds": 1}
    feed = result.asset_materializations_for_node("raw__healthcare_resources")[0].metadata
    assert feed["landing_files_not_read"].value == 1
    assert "healthcare_resources/healthcare_resources_2025.CSV" in feed["landing_files_not_read_list"].value


def test_conflicting_files_fail_the_check_like_a_rejected_one_and_accepted_ones_pass():
    from dagster_project.feeds.assets import files_check
    from dagster_project.feeds.config import load_feed_configs
    from dagster_project.feeds.loader import FileOutcome

    cfg = next(c for c in load_feed_configs() if c.name == "pension_beds")
    conflict = "a.csv and b.csv both give 150200 2024 (27100 and 99999): neither is current"
    outcomes = [FileOutcome("ok.csv", "loaded", "1" * 64), FileOutcome("old.csv", "duplicate", "2" * 64),
                FileOutcome("a.csv", "conflict", "3" * 64, message=conflict),
                FileOutcome("b.csv", "conflict", "4" * 64, message=conflict)]
    result = files_check(cfg, outcomes, run_id=None)
    assert (result.check_name, result.passed, result.severity) == (
        "raw_pension_beds_files_accepted", False, dg.AssetCheckSeverity.ERROR)
    assert result.metadata["failed_summary"].value == f"- a.csv: conflict: {conflict}\n- b.csv: conflict: {conflict}"
    assert [(f["failing_rows"][0]["_source_file"], f["notes"].split("；")[0]) for f in result.metadata["failures"].value] == [
        ("a.csv", "与同一运行中的另一文件冲突，两者的值均未生效 / conflicts with another file of this run; neither value is current"),
        ("b.csv", "与同一运行中的另一文件冲突，两者的值均未生效 / conflicts with another file of this run; neither value is current")]
    assert files_check(cfg, outcomes[:2], run_id=None).passed is True

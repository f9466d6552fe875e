"""Scorecards end to end: written by the nightly run (the session-shared warehouse), rendered in a
real headless Chromium without network, compared with the published marts read independently with
DuckDB, and the workbook opened with openpyxl."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project.alerts.channels import AlertSettings
from dagster_project.reports.data import load_snapshot
from dagster_project.reports.digest import STATE_FILE, run_digest
from tests.integration.browser import Browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (`make chromium-install` "
                                                              "installs Debian's chromium; needs root and apt-get)")
# No network, no first-run UI, no background services.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0"]


def scorecard_dir(warehouse) -> Path:
    return warehouse["warehouse"].parent / "reports" / "scorecards"


def published(warehouse) -> Path:
    return warehouse["warehouse"].parent / "published" / "healthy_city.duckdb"


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for every page of this module (tests/integration/browser.py)."""
    b = Browser(CHROMIUM, CHROMIUM_FLAGS, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


class Elements(HTMLParser):
    """Every element with a data-* attribute, with its attributes and its text content."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "rect", "line", "circle", "path", "polyline"}

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []
        self.stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        item = {"tag": tag, "attrs": dict(attrs), "text": ""}
        if any(k.startswith("data-") for k, _ in attrs):
            self.found.append(item)
        if tag not in self.VOID:
            self.stack.append(item)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for item in self.stack:
            item["text"] += data

    def with_attr(self, name: str) -> list[dict]:
        return [e for e in self.found if name in e["attrs"]]


def parse(dom: str) -> Elements:
    p = Elements()
    p.feed(dom)
    return p


def number(text: str) -> float:
    return float(text.strip().split()[0].replace(",", ""))


def test_nightly_run_writes_the_scorecards(warehouse):
    events = [e for e in warehouse["result"].all_events if e.event_type_value == "ASSET_MATERIALIZATION"
              and e.asset_key is not None and e.asset_key.path == ["reports", "scorecards"]]
    assert len(events) == 1, "the reports/scorecards asset runs after the publish asset"
    meta = events[0].event_specific_data.materialization.metadata
    pages = [Path(p) for p in meta["pages"].value]
    overviews = [Path(p) for p in meta["overviews"].value]
    assert all(p.exists() for p in [*pages, *overviews, Path(meta["workbook"].value)])
    with duckdb.connect(str(published(warehouse)), read_only=True) as con:
        # a region's page shows its latest evaluated year (an index), else its latest year with values
        expected = {f"{c}_{y}.html" for c, y in con.execute(
            "select v.region_code, coalesce(max(i.year), max(v.year)) from marts.fct_indicator_value v "
            "left join marts.fct_healthy_city_index i using (region_code) group by v.region_code").fetchall()}
        groups = {g for (g,) in con.execute(
            "select distinct comparison_group from marts.fct_healthy_city_index").fetchall()}
    assert {p.name for p in pages} == expected
    assert {p.name for p in overviews} == {"overview_all.html"} | {f"overview_{g.replace('·', '_')}.html" for g in groups}
    for path in [*pages, *overviews]:
        text = path.read_text(encoding="utf-8")
        # Self-contained: nothing fetched from anywhere (the SVG namespace is an identifier, not a fetch).
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path
        assert "<link" not in text and "@import" not in text and "url(" not in text, path


def test_workbook_hand_checked_region(warehouse):
    wb = load_workbook(scorecard_dir(warehouse) / "scorecards.xlsx")
    assert wb.sheetnames[0].startswith("总览")
    assert all(len(name) <= 31 for name in wb.sheetnames)
    ws = wb["包头市"]
    assert ws.freeze_panes == "C4"
    header = {c.value: c.column for c in ws[3]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    hc17 = ws.cell(row=rows["HC17"], column=header["2020"])
    # 包头市 2020: (26,458 institution + 7,107 community) elderly-care beds / 547,023.4182 people aged 60+
    # (2020 census: 2,709,378 × 20.19 / 100) × 1,000.
    assert hc17.value == pytest.approx((26458 + 7107) / (2709378 * 20.19 / 100) * 1000, abs=1e-6)
    assert round(hc17.value, 6) == 61.359347
    assert hc17.number_format == "#,##0.00"
    target_header_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == "目标编号 Target")
    t_header = {c.value: c.column for c in ws[target_header_row]}
    t_row = rows["T000_014"]
    get = lambda label: ws.cell(row=t_row, column=t_header[label])  # noqa: E731
    assert get("指标代码 Code").value == "HC17"
    assert get("比较 Comparator").value == ">="
    assert get("目标值 Target value").value == 60
    assert get("状态 Status").value == "达成" and get("Status (en)").value == "met"
    assert get("判定年 Judged year").value == 2020
    assert get("判定值 Judged value").value == pytest.approx(61.359347, abs=1e-6)
    assert get("状态 Status").fill.fgColor.rgb.endswith("1A9850")        # met: green
    assert get("判定值 Judged value").fill.fgColor.rgb.endswith("1A9850")
    assert ws.conditional_formatting, "status column recolours when edited"
    not_met = next(r for r in range(target_header_row + 1, ws.max_row + 1)
                   if ws.cell(row=r, column=t_header["Status (en)"]).value == "not met")
    assert ws.cell(row=not_met, column=t_header["状态 Status"]).fill.fgColor.rgb.endswith("D73027")  # red


def _marts(warehouse):
    with duckdb.connect(str(published(warehouse)), read_only=True) as con:
        # Each region's page shows its latest evaluated year (else its latest year with values); an
        # indicator without a value that year shows "—".
        values = {(c, i): v for c, i, v in con.execute(
            "with page_year as (select v.region_code, coalesce(max(i.year), max(v.year)) as latest "
            "  from marts.fct_indicator_value v left join marts.fct_healthy_city_index i using (region_code) "
            "  group by v.region_code) "
            "select region_code, indicator_code, max(value) filter (where year = latest) "
            "from marts.fct_indicator_value join page_year using (region_code) group by all").fetchall()}
        index = {c: v for c, v in con.execute(
            "select region_code, healthy_city_index from marts.fct_healthy_city_index "
            "qualify year = max(year) over (partition by region_code)").fetchall()}
        statuses = {(c, t): s for c, t, s in con.execute(
            "select region_code, target_id, status from marts.fct_target_attainment").fetchall()}
        judged = {t: v for t, v in con.execute(
            "select target_id, status_value from marts.fct_target_attainment").fetchall()}
        sub_indices = {(c, col): v for c, col, v in con.execute(
            "unpivot (select region_code, index_healthy_environment, index_healthy_society, index_health_services, "
            "         index_healthy_population, index_health_culture from marts.fct_healthy_city_index "
            "         qualify year = max(year) over (partition by region_code)) "
            "on index_healthy_environment, index_healthy_society, index_health_services, "
            "   index_healthy_population, index_health_culture into name col value v").fetchall()}
        groups = {}
        for c, g in con.execute("select distinct region_code, comparison_group from marts.fct_healthy_city_index").fetchall():
            groups.setdefault(g, set()).add(c)
    _marts.judged, _marts.sub_indices = judged, sub_indices
    return values, index, statuses, groups


@needs_chromium
def test_the_browser_reports_what_a_broken_page_raises(browser, tmp_path):
    """The page tests below assert "no console message": this shows that such messages are seen."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><html><body><p data-value="x">1</p><img src="missing.png">'
                      '<script>console.warn("late"); notDefined();</script></body></html>', encoding="utf-8")
    fine = tmp_path / "fine.html"
    fine.write_text('<!doctype html><html><body><p data-value="x">1</p>'
                    '<script>document.body.dataset.ran = "yes";</script></body></html>', encoding="utf-8")
    tab = browser.tab()
    html, messages = tab.dom(broken.as_uri())
    assert any(m.startswith("console.warning: late") for m in messages), messages
    assert any(m.startswith("exception:") and "notDefined" in m for m in messages), messages
    assert any("missing.png" in m for m in messages), messages
    html, messages = tab.dom(fine.as_uri())
    assert messages == []
    assert 'data-ran="yes"' in html  # the DOM after the page's script ran, not the file's text


@needs_chromium
def test_pages_render_in_chromium_and_match_the_marts(warehouse, tmp_path, browser):
    values, index, statuses, groups = _marts(warehouse)
    out = tmp_path / "screenshots"
    out.mkdir()
    pages = sorted(scorecard_dir(warehouse).glob("[0-9]*_*.html"))
    assert pages
    tab = browser.tab()
    for page in pages:
        code = page.name.split("_")[0]
        html, messages = tab.dom(page.as_uri())
        assert messages == [], page.name
        dom = parse(html)
        shown = {e["attrs"]["data-value"]: e["text"] for e in dom.with_attr("data-value") if e["tag"] == "td"}
        expected = {i: v for (c, i), v in values.items() if c == code}
        assert set(shown) == set(expected), page.name
        for indicator, v in expected.items():
            if v is None:
                assert shown[indicator].strip() == "—"
                continue
            assert number(shown[indicator]) == pytest.approx(v, abs=0.005), (page.name, indicator)
        # The locator map draws this region, once.
        assert [e["attrs"]["data-region"] for e in dom.with_attr("data-region") if e["tag"] in ("path", "circle")] == [code]
        card = next(e for e in dom.with_attr("data-value") if e["attrs"]["data-value"] == "healthy_city_index")
        assert number(card["text"]) == pytest.approx(index[code], abs=0.005)
        for e in dom.with_attr("data-value"):
            if e["tag"] == "div" and e["attrs"]["data-value"].startswith("index_"):
                expected_sub = _marts.sub_indices.get((code, e["attrs"]["data-value"]))
                if expected_sub is None:
                    assert e["text"].strip() == "—"
                else:
                    assert number(e["text"]) == pytest.approx(expected_sub, abs=0.005), (page.name, e["attrs"])
        for e in dom.with_attr("data-status-value"):
            v = _marts.judged[e["attrs"]["data-status-value"]]
            assert (e["text"].strip() == "—") if v is None else number(e["text"]) == pytest.approx(v, abs=0.005)
        chips = {}
        for row in dom.found:
            if row["tag"] == "tr" and "data-target" in row["attrs"]:
                chips[row["attrs"]["data-target"]] = row
        status_of = {e["attrs"]["data-status"] for e in dom.with_attr("data-status")}
        expected_targets = {t: s for (c, t), s in statuses.items() if c == code}
        assert set(chips) == set(expected_targets), page.name
        assert status_of <= set(expected_targets.values()) | set()
    # One screenshot per page type, kept under the test's output.
    shot = chromium(["--window-size=1280,2000", f"--screenshot={out / 'scorecard.png'}", pages[0].as_uri()],
                    tmp_path / "profile")
    assert shot.returncode == 0 and (out / "scorecard.png").stat().st_size > 10_000


@needs_chromium
def test_overviews_draw_a_shape_per_region(warehouse, tmp_path, browser):
    values, index, statuses, groups = _marts(warehouse)
    overviews = sorted(scorecard_dir(warehouse).glob("overview_*.html"))
    all_regions = set(index)
    tab = browser.tab()
    for page in overviews:
        html, messages = tab.dom(page.as_uri())
        assert messages == [], page.name
        dom = parse(html)
        members = {e["attrs"]["data-region"] for e in dom.found if e["tag"] == "tr" and "data-region" in e["attrs"]}
        if page.name == "overview_all.html":
            assert members == all_regions
        else:
            assert members in list(groups.values()), page.name
        # Every layer: one shape (a prefecture polygon or a marker inside its prefecture) per region.
        layers = [e["attrs"]["data-layer"] for e in dom.with_attr("data-layer") if e["tag"] == "g"]
        assert layers[0] == "index" and len(layers) > 1
        shapes = [e for e in dom.with_attr("data-region") if e["tag"] in ("path", "circle")]
        assert len(shapes) == len(layers) * len(members), page.name
        assert {e["attrs"]["data-region"] for e in shapes} == members
        assert all(e["attrs"]["d"].startswith("M") for e in shapes if e["tag"] == "path")
        for e in dom.with_attr("data-index-value"):
            code = e["attrs"]["data-index-value"]
            if e["text"].strip() == "—":  # no index in the overview's year (e.g. a city of the 2019 snapshot)
                continue
            assert number(e["text"]) == pytest.approx(index[code], abs=0.005)
        # The table shows one year for the whole group: its latest evaluated year (else latest with values).
        with duckdb.connect(str(published(warehouse)), read_only=True) as con:
            codes = sorted(members)
            marks = ", ".join("?" * len(codes))
            year = con.execute(f"select coalesce((select max(year) from marts.fct_healthy_city_index where "
                               f"region_code in ({marks})), (select max(year) from marts.fct_indicator_value where "
                               f"region_code in ({marks})))", codes + codes).fetchone()[0]
            shown_values = {(c, i): v for c, i, v in con.execute(
                f"select region_code, indicator_code, value from marts.fct_indicator_value "
                f"where year = ? and region_code in ({marks})", [year, *codes]).fetchall()}
        year_cells = {e["attrs"]["data-cell"]: e["text"] for e in dom.with_attr("data-cell")}
        for key, text in year_cells.items():
            code, indicator = key.split(":")
            if shown_values.get((code, indicator)) is not None:
                assert number(text) == pytest.approx(shown_values[(code, indicator)], abs=0.005)
            else:
                assert text.strip() == "—", (page.name, key)
    # The layer switch runs: "#layer=HC17" shows that layer and hides the index.
    overview = (scorecard_dir(warehouse) / "overview_all.html").as_uri()
    html, messages = browser.tab().dom(overview + "#layer=HC17")  # a new tab: a fresh load, not a fragment change
    assert messages == []
    display = {e["attrs"]["data-layer"]: e["attrs"].get("style", "") for e in parse(html).with_attr("data-layer")
               if e["tag"] == "g"}
    assert "none" not in display["HC17"] and "display: none" in display["index"]
    out = tmp_path / "screenshots"
    out.mkdir(exist_ok=True)
    shot = chromium(["--window-size=1280,1100", f"--screenshot={out / 'overview.png'}",
                     (scorecard_dir(warehouse) / "overview_all.html").as_uri()], tmp_path / "profile")
    assert shot.returncode == 0 and (out / "overview.png").stat().st_size > 10_000


def test_digest_one_message_per_region_through_the_alert_channels(warehouse, tmp_path, smtp_server, http_receiver):
    port, mails = smtp_server
    base_url, posts = http_receiver
    snapshot = load_snapshot(published(warehouse))
    state = tmp_path / STATE_FILE
    settings = AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="warehouse@example.org",
                             smtp_recipients=("admin@example.org",), smtp_user=None, smtp_password=None,
                             smtp_starttls=False, smtp_ssl=False, webhook_url=f"{base_url}/generic",
                             webhook_token=None, dingtalk_url=None, dingtalk_secret=None,
                             wecom_url=f"{base_url}/wecom?key=k", timeout_seconds=5)
    first = run_digest(snapshot, state, settings=settings)
    assert first["first_run"] and first["messages"] == 0 and mails == [] and posts == []
    # The previous run, as it would have been: 包头市 T000_014 not met (now met: every elderly-care bed
    # counts) and one 赤峰市 target on track that is now off track.
    previous = json.loads(state.read_text(encoding="utf-8"))
    assert previous["T000_014"]["status"] == "met"
    previous["T000_014"]["status"] = "not met"
    off_track = [t for t, s in previous.items() if s["region_code"] == "150400" and s["status"] == "off track"]
    assert off_track
    previous[off_track[0]]["status"] = "on track"
    state.write_text(json.dumps(previous, ensure_ascii=False), encoding="utf-8")

    # A channel that is down: nothing delivered, so the changes stay for the next run.
    down = AlertSettings(**{**settings.__dict__, "webhook_url": None, "wecom_url": None, "smtp_port": _closed_port()})
    assert run_digest(snapshot, state, settings=down)["messages"] == 2
    assert json.loads(state.read_text(encoding="utf-8"))["T000_014"]["status"] == "not met"

    result = run_digest(snapshot, state, settings=settings)
    assert result["changes"] == 2 and result["regions"] == ["150200", "150400"]
    assert len(mails) == 2
    subjects = sorted(m["Subject"] for m in mails)
    assert "包头市 150200" in subjects[0] and "赤峰市 150400" in subjects[1]
    baotou = next(m for m in mails if "150200" in m["Subject"]).get_content()
    assert "T000_014" in baotou and "未达成 not met → 达成 met" in baotou
    chifeng = next(m for m in mails if "150400" in m["Subject"]).get_content()
    assert off_track[0] in chifeng and "按期可达 on track → 进度滞后 off track" in chifeng
    generic = [body for path, body, _ in posts if path == "/generic"]
    assert {b["region_code"] for b in generic} == {"150200", "150400"}
    assert next(b for b in generic if b["region_code"] == "150200")["changes"] == [
        {"target_id": "T000_014", "before": "not met", "after": "met", "projected_before": None,
         "projected_after": None, "is_worse": False}]
    assert len([p for p, _, _ in posts if p.startswith("/wecom")]) == 2
    # Announced once: the next run with nothing new sends nothing.
    assert run_digest(snapshot, state, settings=settings)["messages"] == 0
    assert len(mails) == 2


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_summary_lists_the_scorecards(warehouse, capsys):
    from dagster_project.summary import print_scorecards

    print_scorecards(warehouse["result"])
    out = capsys.readouterr().out
    assert f"Scorecards 健康城市评价报告: {scorecard_dir(warehouse)}" in out
    assert str(scorecard_dir(warehouse) / "150200_2024.html") in out
    assert str(scorecard_dir(warehouse) / "scorecards.xlsx") in out

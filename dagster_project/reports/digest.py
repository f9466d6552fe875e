"""Off-track digest (目标状态变化摘要): when a target's status or projection changes between two
published snapshots (on track → off track, met → not met, a projection that now misses), send one
message per region through the alert channels (dagster_project.alerts.channels.deliver).

The previous run's statuses are kept in a JSON file beside the reports
(<reports>/scorecards/target_status_state.json): the next pipeline run may hold DuckDB's writer
lock, and a JSON file is readable by anyone. The first run only records the state (there is
nothing to compare with); a region is announced again only when something changes again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from dagster_project.alerts.channels import AlertSettings, Message, deliver
from dagster_project.reports.data import STATUS, Snapshot

STATE_FILE = "target_status_state.json"
SUBJECT_PREFIX = "[健康城市仓库]"


@dataclass(frozen=True)
class Change:
    region_code: str
    region_name_zh: str
    target_id: str
    indicator_text_zh: str
    before: dict
    after: dict

    @property
    def kind(self) -> str:
        if self.before.get("status") != self.after.get("status"):
            return "status"
        return "projection"

    @property
    def is_worse(self) -> bool:
        return STATUS.get(self.after.get("status"), ("", "", 0))[2] > STATUS.get(self.before.get("status"), ("", "", 0))[2]


def current_state(snapshot: Snapshot) -> dict[str, dict]:
    state = {}
    for region in snapshot.regions.values():
        for t in region.targets:
            projected = t.get("projected_value")
            state[t["target_id"]] = {
                "region_code": region.code, "region_name_zh": region.name_zh,
                "indicator_text_zh": t.get("indicator_text_zh") or "", "status": t.get("status"),
                "projected_value": None if projected is None else round(projected, 6),
                "is_projected_to_meet_target": t.get("is_projected_to_meet_target"),
                "target_year": t.get("target_year"),
            }
    return state


def compare(previous: dict[str, dict], current: dict[str, dict]) -> list[Change]:
    """Targets whose status changed, or whose projection now meets/misses the target when it did
    not before. A target new in this run or gone from it is not a change of status."""
    changes = []
    for target_id, now in sorted(current.items()):
        before = previous.get(target_id)
        if before is None:
            continue
        status_changed = before.get("status") != now.get("status")
        projection_flipped = (before.get("is_projected_to_meet_target") is not None
                              and now.get("is_projected_to_meet_target") is not None
                              and before["is_projected_to_meet_target"] != now["is_projected_to_meet_target"])
        if status_changed or projection_flipped:
            changes.append(Change(now["region_code"], now["region_name_zh"], target_id, now["indicator_text_zh"],
                                  before, now))
    return changes


def _status_text(status: str | None) -> str:
    return f"{STATUS.get(status, (status or '—',))[0]} {status or '—'}"


def _projection_text(entry: dict) -> str:
    v = entry.get("projected_value")
    return "—" if v is None else f"{v:,.2f}"


def region_messages(changes: list[Change], reports_dir: Path | None = None) -> list[Message]:
    """One message per region, listing every change (worse first)."""
    by_region: dict[str, list[Change]] = {}
    for c in changes:
        by_region.setdefault(c.region_code, []).append(c)
    messages = []
    for code, items in sorted(by_region.items()):
        items.sort(key=lambda c: (not c.is_worse, c.target_id))
        name = items[0].region_name_zh
        worse = sum(c.is_worse for c in items)
        lines = [f"{name}（{code}）规划目标状态变化 / Plan targets that changed since the last run", ""]
        for c in items:
            line = (f"- {c.target_id} {c.indicator_text_zh}（{c.after.get('target_year')}）："
                    f"{_status_text(c.before.get('status'))} → {_status_text(c.after.get('status'))}")
            if c.before.get("projected_value") != c.after.get("projected_value"):
                line += f"；预测 projection {_projection_text(c.before)} → {_projection_text(c.after)}"
            lines.append(line)
        if reports_dir is not None:
            pages = sorted(reports_dir.glob(f"{code}_*.html"))
            if pages:
                lines += ["", f"评价报告 Scorecard: {pages[-1]}"]
        subject = (f"{SUBJECT_PREFIX} 规划目标状态变化 / Target status changes: {name} {code} "
                   f"（{len(items)} 项 changes, {worse} 项变差 worse）")
        payload = {"event": "target_status_changes", "kind": "targets", "region_code": code, "region_name_zh": name,
                   "changes": [{"target_id": c.target_id, "before": c.before.get("status"), "after": c.after.get("status"),
                                "projected_before": c.before.get("projected_value"),
                                "projected_after": c.after.get("projected_value"), "is_worse": c.is_worse}
                               for c in items]}
        messages.append(Message(subject, "\n".join(lines), payload))
    return messages


def run_digest(snapshot: Snapshot, state_path: Path, reports_dir: Path | None = None,
               settings: AlertSettings | None = None, logger: logging.Logger | None = None) -> dict:
    """Compare with the stored state, send one message per region with changes, store the new state.
    The state is replaced only after sending, so a crash re-sends rather than loses a change."""
    current = current_state(snapshot)
    previous = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else None
    changes = compare(previous, current) if previous is not None else []
    messages = region_messages(changes, reports_dir)
    outcomes = [deliver(m, settings, logger) for m in messages]
    # A region whose message reached no configured channel keeps its old entries: the next run
    # finds the same changes and tries again (as the incident alerts do).
    for message, outcome in zip(messages, outcomes):
        if outcome and not any(outcome.values()):
            for change in message.payload["changes"]:
                current[change["target_id"]] = previous[change["target_id"]]
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(state_path)
    return {"first_run": previous is None, "changes": len(changes), "messages": len(messages),
            "regions": sorted({c.region_code for c in changes}), "delivered": outcomes}

"""Alerts to administrators: email and webhooks when a check fails, a run fails or a
feed goes stale, once per incident, with a recovery notice. See docs/alerts.md."""

import dagster as dg


def build_alert_sensors() -> list[dg.SensorDefinition]:
    from dagster_project.alerts.sensors import alert_on_run_failure, alert_on_run_success

    return [alert_on_run_failure, alert_on_run_success]

"""Alerts to administrators (issue #6). Returns the sensors to register in the Definitions."""

import dagster as dg


def build_alert_sensors() -> list[dg.SensorDefinition]:
    return []

"""Landing-folder sensor (issue #3). Returns the sensors to register in the Definitions."""

import dagster as dg


def build_feed_sensors() -> list[dg.SensorDefinition]:
    return []

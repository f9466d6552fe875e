"""Data quality: Great Expectations 1.x suites (expectations/*.json) run as Dagster asset checks."""

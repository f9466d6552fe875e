"""Write-audit-publish of the marts for analysts (issue #7)."""

import dagster as dg

publish_assets: list[dg.AssetsDefinition] = []

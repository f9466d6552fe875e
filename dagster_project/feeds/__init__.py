"""Feed framework: one YAML file per feed in sources/feeds/ becomes one ingestion asset."""

"""The on-disk caches: derived records, catalog snapshots, list rows."""

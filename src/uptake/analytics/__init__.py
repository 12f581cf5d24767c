"""Adoption analytics: metric definitions (Ibis expressions), snapshots, engines and the privacy floor.

- `snapshots`: the tables other domains export into the events backend, and `write_snapshot`.
- `metrics`: `Period`, `Grouping`, the person × day activity table and every metric, listed in `METRICS`.
- `privacy`: the privacy floor and `publish_metric`, the only door through which figures leave analytics.
- `engines`: connecting to DuckDB, PostgreSQL, Spark (and, by configuration, other Ibis backends).
"""

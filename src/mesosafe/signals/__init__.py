"""Registry analytics: disproportionality signals and clinic safety, with no Django import.

Steps, each usable alone: ``io`` (read, check) → ``counting`` (one SQL for DuckDB and Spark) →
``gps`` (fit the prior, EBGM/EB05/EB95) and ``stats`` (RR, PRR, ROR, IC) → ``pipeline``;
``registry`` → ``rates`` → ``funnel`` → ``clusters`` (Poisson CUSUM) → ``report``. See docs/signals.md.
"""

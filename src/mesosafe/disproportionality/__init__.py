"""Disproportionality signals over report databases (no Django import). See docs/signals.md.

Steps, each taking and returning data: ``reading`` (a file or DataFrame → the long table) → ``counting``
(one SQL for DuckDB and Spark → Counts) → ``gps`` (fit the prior → PriorFit; EBGM/EB05/EB95) →
``scoring`` (with ``stats``: the output table). ``pipeline.run`` chains them for a file and writes
``output`` with its ``provenance``.
"""

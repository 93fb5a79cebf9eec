"""Clinic, practitioner, product and batch safety over a treatment registry (no Django import).

Steps, each taking and returning data: ``tables`` (check the treatments and complications) → ``rates``
(rates with exact intervals) → ``funnel`` (funnel-plot limits and classification) → ``clusters`` (Poisson
CUSUM infection-cluster alerts) → ``report`` (the files). See docs/signals.md.
"""

"""What a registry report compares and counts. Kept apart from the analysis (pandas, SciPy, matplotlib) so
that the web pages, which only list a report's files, do not load it."""

UNIT_TYPES = ("clinic", "practitioner", "product", "batch")
OUTCOMES = ("complication", "infection")

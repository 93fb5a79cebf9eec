"""Settings for the whole suite."""

from hypothesis import settings

# Hypothesis fails an example that takes over 200 ms by default: a timing assertion, which on a loaded 2-core
# machine (the suite runs beside other work) fails correct tests now and then. Speed is measured in bench/.
settings.register_profile("mesosafe", deadline=None)
settings.load_profile("mesosafe")

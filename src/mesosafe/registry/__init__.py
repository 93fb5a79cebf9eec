"""The registry's view of the clinic database: exports in the column contracts of `mesosafe.signals`."""

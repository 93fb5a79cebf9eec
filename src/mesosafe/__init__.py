"""mesosafe: a safety system for mesotherapy."""

__version__ = "0.1.0"

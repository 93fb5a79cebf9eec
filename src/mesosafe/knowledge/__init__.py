"""The knowledge base: clinical content as validated, versioned data."""

from mesosafe.knowledge.loader import KnowledgeBase, KnowledgeError, load, load_from
from mesosafe.knowledge.vocabulary import Decision, Disposition, Lang, Severity, Trend

__all__ = [
    "Decision",
    "Disposition",
    "KnowledgeBase",
    "KnowledgeError",
    "Lang",
    "Severity",
    "Trend",
    "load",
    "load_from",
]

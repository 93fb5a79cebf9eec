"""Questions and answers from the knowledge base."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesosafe.knowledge import load as load_kb
from mesosafe.portal.access import Visit, with_any_link


@with_any_link
def faq(request: HttpRequest, visit: Visit) -> HttpResponse:
    entries = [
        (entry.id, entry.question.get(visit.lang), entry.answer.get(visit.lang)) for entry in load_kb().faq
    ]
    return render(request, "portal/faq.html", visit.context("faq", entries=entries))

"""The least a check-in can do: one SELECT for the link, one INSERT … RETURNING committed on its own."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from floor import TABLE
from mesosafe.lib.tokens import digest
from mesosafe.treatments.models import CheckinLink

_LOOKUP = f'SELECT id FROM "{CheckinLink._meta.db_table}" WHERE token_hash = %s'
_INSERT = f'INSERT INTO "{TABLE}" (link_id, body) VALUES (%s, %s::jsonb) RETURNING id'


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP, [digest(token)])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"status": 404}, status=404)
        cursor.execute(_INSERT, [row[0], request.body.decode()])
        (stored,) = cursor.fetchone()
    return JsonResponse({"id": stored}, status=201)

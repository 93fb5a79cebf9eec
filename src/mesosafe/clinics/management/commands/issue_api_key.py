"""Issue an API key for a staff member: `mesosafe manage issue_api_key <username> [--name laptop]`.
The key is printed once; only its hash is stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesosafe.clinics.models import Staff
from mesosafe.clinics.services import issue_api_key


class Command(BaseCommand):
    help = "Issue an API key for a staff member and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="a label for the key, e.g. the device")

    def handle(self, *args: Any, **options: Any) -> None:
        staff = Staff.objects.filter(user__username=options["username"]).first()
        if staff is None:
            raise CommandError(
                f"no staff member with username '{options['username']}' (add one in the admin)"
            )
        self.stdout.write(issue_api_key(staff, name=options["name"][:100]))

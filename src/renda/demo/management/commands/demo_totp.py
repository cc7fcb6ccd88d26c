"""Print the current 6-digit code of a demo login's authenticator (admin, staff, budget only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from renda.demo.county import DemoRefused, demo_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo login created by demo_seed (refuses any other user)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        try:
            code = demo_totp_code(username)
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(code)

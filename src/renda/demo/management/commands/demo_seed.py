"""Load the fictional demo county (示范县): regions, organisations, deputies, stations, demo logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from renda.demo.county import DemoRefused, demo_logins_text, seed_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo county and its demo logins. Safe to run again: it duplicates nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-logins", action="store_true", help="do not print the demo logins (run_platform prints them)"
        )

    def handle(self, *args, no_logins: bool = False, **options):
        started = time.monotonic()
        try:
            ctx = seed_demo()
        except DemoRefused as refusal:
            self.stderr.write(self.style.WARNING(f"Demo not loaded: {refusal}"))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"示范县演示数据已载入 Demo county loaded in {time.monotonic() - started:.1f} s:"
            )
        )
        self.stdout.write(ctx.summary())
        for note in ctx.notes:
            self.stdout.write(self.style.WARNING(f"  note: {note}"))
        if not no_logins:
            self.stdout.write("")
            self.stdout.write(demo_logins_text())

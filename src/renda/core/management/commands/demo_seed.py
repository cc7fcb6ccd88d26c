"""Load the fictional demo county (示范县): regions, organisations, deputies, stations, demo logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from renda.core.demo import DemoRefused, demo_logins_text, seed_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo county and its demo logins. Safe to run again: it duplicates nothing."

    def handle(self, *args, **options):
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
        self.stdout.write("")
        self.stdout.write(demo_logins_text())

"""履职档案 figures (a benchmark, not a test): the archive at the size of five years of a large county.

    .venv/bin/python benchmarks/deputies_archive.py [--deputies 750] [--entries 300000] [--rounds 30]

Builds a throw-away SQLite database (in a temporary directory, or ``DATABASE_URL``) with ``--deputies``
seats of one five-year term in 25 groups and ``--entries`` archive entries (bulk_create; automatic and
self-reported, every review state, a few reception days still ahead), the busiest deputy holding the
most. Then p50/p95 over ``--rounds`` requests through Django's test client (the whole view and
template) of

1. the busiest deputy's own archive page (我的履职档案);
2. the office's review list of one group, filters as the page opens them (档案审核, self-reported);
3. the busiest deputy's term archive as a PDF (一人一档), built ``--pdf-rounds`` times.

Targets: pages p95 ≤ 150 ms, the PDF ≤ 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

GROUPS = 25


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deputies", type=int, default=750)
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pdf-rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("RENDA_DATA_DIR", tempfile.mkdtemp(prefix="renda-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from renda.accounts.models import Organisation, Region, Role, User
    from renda.conftest import sign_in
    from renda.deputies.models import ArchiveEntry, Deputy, DeputyGroup, Person, Term
    from renda.deputies.models.archive import SELF_REPORTED_SECTIONS, Kind, ReviewState, Section

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    rng = random.Random(18)
    today = timezone.localdate()

    # --- the county: one five-year term, 25 groups, the seats and their people ----------------------
    started = time.perf_counter()
    county, _c = Region.objects.get_or_create(
        code=settings.RENDA_REGION_CODE, defaults={"name": "示范县", "level": Region.Level.COUNTY}
    )
    start = today.replace(month=1, day=1) - dt.timedelta(days=4 * 365)
    term = Term.objects.create(
        level="county",
        region=county,
        number=99,
        name="第九十九届（基准）",
        start_date=start,
        end_date=start + dt.timedelta(days=5 * 365 - 1),
        is_current=True,
    )
    groups = DeputyGroup.objects.bulk_create(
        [DeputyGroup(term=term, name=f"第{g + 1}代表小组", region=county) for g in range(GROUPS)]
    )
    users = User.objects.bulk_create(
        [User(username=f"bench-d{i}", real_name=f"代表{i}", role=Role.DEPUTY) for i in range(args.deputies)]
    )
    people = Person.objects.bulk_create(
        [Person(name=f"代表{i}", gender="FM"[i % 2], user=u) for i, u in enumerate(users)]
    )
    seats = Deputy.objects.bulk_create(
        [
            Deputy(person=p, term=term, group=groups[i % GROUPS], region=county, number=f"99{i:04d}")
            for i, p in enumerate(people)
        ]
    )
    office_org = Organisation.objects.create(
        code="BENCH-RD", name="县人大常委会代表工作委员会", kind=Organisation.Kind.CONGRESS, region=county
    )
    office = User.objects.create(username="bench-office", real_name="工委干部", role=Role.STAFF,
                                 organisation=office_org)  # fmt: skip

    # --- the entries: a skewed share per seat, the first seat the busiest ----------------------------
    weights = [1.0 / (1 + i) ** 0.35 for i in range(args.deputies)]
    scale = args.entries / sum(weights)
    per_seat = [max(1, round(w * scale)) for w in weights]
    self_kinds = list(SELF_REPORTED_SECTIONS)
    automatic = [
        (Kind.SUGGESTION_SUBMITTED, Section.SUGGESTIONS),
        (Kind.SUGGESTION_COSIGNED, Section.SUGGESTIONS),
        (Kind.RECEPTION_DUTY, Section.GROUP),
        (Kind.OPINION_ANSWERED, Section.SUGGESTIONS),
        (Kind.ACTIVITY_ATTENDED, Section.MEETINGS),
        (Kind.ACTIVITY_ATTENDED, Section.TRAINING),
    ]
    states = [ReviewState.APPROVED] * 7 + [ReviewState.SUBMITTED, ReviewState.CHECKED, ReviewState.RETURNED]
    span = (today - start).days
    source_id = 0
    total = 0
    batch: list[ArchiveEntry] = []
    for seat, n in zip(seats, per_seat, strict=True):
        for _i in range(n):
            date = start + dt.timedelta(days=rng.randrange(span + 30))  # a few reception days ahead
            if rng.random() < 0.6:
                kind, section = rng.choice(automatic)
                source_id += 1
                entry = ArchiveEntry(
                    seat=seat, kind=kind, section=section, date=date, title=f"自动记录{source_id}",
                    is_automatic=True, source_id=source_id, state=ReviewState.APPROVED,
                )  # fmt: skip
            else:
                kind = rng.choice(self_kinds)
                state = rng.choice(states) if date <= today else ReviewState.SUBMITTED
                entry = ArchiveEntry(
                    seat=seat, kind=kind, section=SELF_REPORTED_SECTIONS[kind], date=date,
                    title=f"走访选民{total}", text="走访选民，听取意见建议，记录在案并跟进。", state=state,
                    return_reason="请补充照片。" if state == ReviewState.RETURNED else "",
                )  # fmt: skip
            batch.append(entry)
            total += 1
            if len(batch) == 5000:
                ArchiveEntry.objects.bulk_create(batch)
                batch.clear()
    ArchiveEntry.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics a real database gathers over time
    busiest = seats[0]
    busiest_n = ArchiveEntry.objects.filter(seat=busiest).count()
    group_n = ArchiveEntry.objects.filter(seat__group=busiest.group, is_automatic=False).count()
    print(f"built {ArchiveEntry.objects.count()} entries for {len(seats)} deputies in "
          f"{time.perf_counter() - started:.1f} s; the busiest deputy holds {busiest_n}, "
          f"the group {group_n} self-reported")  # fmt: skip

    # --- the pages -----------------------------------------------------------------------------------
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    overrides = {
        "DEBUG": True,  # to count the queries
        "ALLOWED_HOSTS": ["testserver"],
        "STORAGES": {**settings.STORAGES, "staticfiles": static},
    }
    deputy_client = sign_in(Client(), users[0])
    office_client = sign_in(Client(), office)
    pages = [
        ("deputy's own archive", deputy_client, "/deputies/archive/", 150.0),
        (
            "office, one group's entries",
            office_client,
            f"/deputies/archive/review/?group={groups[0].pk}",
            150.0,
        ),
    ]
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  target")
    with override_settings(**overrides):
        for label, client, url, target in pages:
            assert client.get(url).status_code == 200  # warm-up: template compilation, caches
            samples = []
            for _ in range(args.rounds):
                reset_queries()
                t0 = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            queries = len(connection.queries)
            p95 = percentile(samples, 0.95)
            verdict = "met" if p95 <= target else "MISSED"
            print(f"{label:34} {statistics.median(samples):8.1f} {p95:8.1f} {queries:8d}  "
                  f"p95 ≤ {target:.0f} ms: {verdict}")  # fmt: skip
        url = f"/deputies/archive/seat/{busiest.pk}.pdf"
        samples, size = [], 0
        for _ in range(args.pdf_rounds):
            t0 = time.perf_counter()
            response = deputy_client.get(url)
            samples.append(time.perf_counter() - t0)
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            size = len(response.content)
        approved = ArchiveEntry.objects.filter(
            seat=busiest, state=ReviewState.APPROVED, date__lte=today
        ).count()
        worst = max(samples)
        print(f"term PDF of the busiest deputy ({approved} approved entries, {size // 1024} KiB): "
              f"median {statistics.median(samples):.2f} s, worst {worst:.2f} s; "
              f"target ≤ 5 s: {'met' if worst <= 5 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()

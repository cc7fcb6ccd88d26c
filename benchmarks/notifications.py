"""消息中心 figures (a benchmark, not a test): one event fanned out to the deputies, and the inbox.

    .venv/bin/python benchmarks/notifications.py [--deputies 750] [--notices 100000] [--rounds 40]

1. Fan-out: one ``notify()`` to every deputy (in-app + SMS) inside a request's transaction — the time
   until the commit has written the notices, planned the deliveries and queued the worker's task;
2. delivery: one worker (``deliveries_send``, what the task runs) sending every SMS through a local
   fake 阿里云 ``SendSms`` gateway (a stdlib HTTP server in a thread: signature, HTTP, answer parsed);
3. the inbox page of a person with ``--notices`` notices (p50/p95 over ``--rounds`` requests), first
   page, unread filter and a deep page, through Django's test client (the whole view and template).

Runs on a fresh SQLite database in a temporary directory (or ``DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


class FakeSendSms(BaseHTTPRequestHandler):
    count = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        FakeSendSms.count += 1
        body = json.dumps({"Code": "OK", "Message": "OK", "BizId": f"{FakeSendSms.count}^0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deputies", type=int, default=750)
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault("RENDA_DATA_DIR", tempfile.mkdtemp(prefix="renda-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSendSms)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["RENDA_SMS_BACKEND"] = "aliyun"
    os.environ["ALIYUN_SMS_ENDPOINT"] = f"http://127.0.0.1:{server.server_address[1]}/"
    for name, value in (("ACCESS_KEY_ID", "bench"), ("ACCESS_KEY_SECRET", "bench"), ("SIGN_NAME", "某县人大"),
                        ("TEMPLATE_CODE", "SMS_1")):  # fmt: skip
        os.environ[f"ALIYUN_SMS_{name}"] = value
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from renda.accounts.models import Role, User
    from renda.notifications.delivery import deliveries_send, phone_hash
    from renda.notifications.kinds import INBOX, SMS, Kind, declare
    from renda.notifications.models import Delivery, Notification, RecipientSettings
    from renda.notifications.services import notify

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    declare(Kind("bench.meeting", "会议通知", (INBOX, SMS)))

    # --- 1. fan-out to the deputies -----------------------------------------------------------------
    User.objects.bulk_create(
        [
            User(username=f"bench-deputy-{i}", real_name=f"代表{i}", role=Role.DEPUTY, phone=f"139{i:08d}")
            for i in range(args.deputies)
        ],
        batch_size=1000,
    )
    deputies = list(User.objects.filter(role=Role.DEPUTY, username__startswith="bench-deputy-"))
    RecipientSettings.objects.bulk_create(
        [RecipientSettings(user=u, phone_verified_hash=phone_hash(u.phone)) for u in deputies],
        batch_size=1000,
    )
    quiet_off = {"QUIET_START": "00:00", "QUIET_END": "00:00"}  # the figures, whatever the hour
    with override_settings(RENDA_NOTIFICATIONS=quiet_off):
        started = time.perf_counter()
        with transaction.atomic():
            notify(
                kind="bench.meeting",
                recipients=deputies,
                text="县人大常委会定于3月8日上午9时召开代表座谈会，请准时参加。",
                link="/",
            )
        in_request = time.perf_counter() - started
        notices = Notification.objects.filter(kind="bench.meeting").count()
        queued = Delivery.objects.filter(kind="bench.meeting", status=Delivery.Status.QUEUED).count()
        print(f"fan-out to {len(deputies)} deputies: {in_request * 1000:.0f} ms in the request "
              f"({notices} notices, {queued} SMS queued; target ≤ 1000 ms)")  # fmt: skip

        started = time.perf_counter()
        report = deliveries_send()
        worker = time.perf_counter() - started
    sent = Delivery.objects.filter(kind="bench.meeting", status=Delivery.Status.SENT).count()
    print(f"delivery by one worker: {worker:.1f} s for {sent} SMS through the fake gateway "
          f"({sent / worker:.0f}/s; {report.as_dict()}; target ≤ 30 s)")  # fmt: skip

    # --- 2. the inbox with many notices -----------------------------------------------------------
    reader = deputies[0]
    now = timezone.now()
    batch = []
    for i in range(args.notices):
        batch.append(
            Notification(
                recipient=reader, kind=("suggestion.assigned", "suggestion.overdue", "opinion.new")[i % 3],
                text=f"第 2026-{i:05d} 号建议已交办，请及时办理。", link=f"/suggestions/{i + 1}/",
                read_at=now if i % 10 else None,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Notification.objects.bulk_create(batch)
            batch.clear()
    Notification.objects.bulk_create(batch)
    total = Notification.objects.filter(recipient=reader).count()
    from renda.notifications.selectors import InboxFilter, inbox_for, unread_count

    for label, filters in (("first page", InboxFilter()), ("unread", InboxFilter(state="unread"))):
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            rows = inbox_for(actor=reader, filters=filters)
            rows.count(), list(rows[:25]), unread_count(actor=reader)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"inbox queries, {label:12} with {args.notices} notices: p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms (count, page, unread count)")  # fmt: skip
    client = Client()
    client.force_login(reader)
    pages = min(1 + total // 25, 400)  # the inbox counts up to 10,000 notices (400 pages)
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        ALLOWED_HOSTS=["testserver"], STORAGES={**settings.STORAGES, "staticfiles": static}
    ):
        for label, url in (
            ("inbox, first page", "/notifications/"),
            ("inbox, unread", "/notifications/?state=unread"),
            ("inbox, one kind", "/notifications/?kind=suggestion.overdue"),
            (f"inbox, page {pages // 2}", f"/notifications/?page={pages // 2}"),
            ("workbench (bell + panel)", "/"),
        ):
            client.get(url)  # warm-up: template compilation, caches
            samples = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{label:28} with {total} notices: p50 {statistics.median(samples):.1f} ms, "
                  f"p95 {percentile(samples, 0.95):.1f} ms (target p95 ≤ 100 ms)")  # fmt: skip
    server.shutdown()


if __name__ == "__main__":
    main()

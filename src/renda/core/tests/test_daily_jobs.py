"""The daily jobs run every module's reminders, and one failing job does not stop the others."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_daily_jobs_run_each_configured_command():
    out = io.StringIO()
    call_command("run_daily_jobs", stdout=out)
    text = out.getvalue()
    assert "suggestions_remind" in text and "liaison_remind" in text


def test_a_failing_job_does_not_stop_the_others(settings):
    settings.RENDA_DAILY_COMMANDS = ["no_such_command", "liaison_remind"]
    out, err = io.StringIO(), io.StringIO()
    call_command("run_daily_jobs", stdout=out, stderr=err)
    assert "no_such_command failed" in err.getvalue()
    assert "liaison_remind" in out.getvalue()


def test_a_bad_time_is_refused():
    with pytest.raises(CommandError):
        call_command("run_daily_jobs", every_day_at="7 o'clock")

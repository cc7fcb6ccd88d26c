"""Receivers: open deadlines follow the working calendar."""

from __future__ import annotations

from renda.core.calendar import calendar_changed


def on_calendar_changed(sender, dates=(), **kwargs) -> None:
    from renda.suggestions.services import deadlines_recompute

    deadlines_recompute(dates)


calendar_changed.connect(on_calendar_changed, dispatch_uid="suggestions.recompute_deadlines")

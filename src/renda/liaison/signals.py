"""Receivers: open opinions' deadlines follow the working calendar."""

from __future__ import annotations

from renda.core.calendar import calendar_changed


def on_calendar_changed(sender, dates=(), **kwargs) -> None:
    from renda.liaison.services import recompute_open_deadlines

    recompute_open_deadlines()


calendar_changed.connect(on_calendar_changed, dispatch_uid="liaison.recompute_deadlines")

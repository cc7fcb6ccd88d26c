"""代表活动的操作: the acts on an activity, declared once (page, POST and audit labels).

The detail page offers the acts the organiser may do now (``renda.core.views.acts``); each calls
its service in :mod:`renda.deputies.services.activities`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from renda.accounts.models import User
from renda.core.audit_labels import label_actions
from renda.core.workflow import Act
from renda.deputies import forms_activities as f
from renda.deputies.activity_workflow import ACTIVITY
from renda.deputies.models.activities import Activity
from renda.deputies.services import activities as services

State = Activity.State
ORGANISE = "deputies.organise_activity"


def _close(user: User, activity: Activity, form: Any) -> Any:
    photo = form.cleaned_data.get("photo")
    return services.activity_close(
        actor=user, activity=activity, minutes=form.cleaned_data["minutes"], photos=[photo] if photo else []
    )


def _signin_may_open(user: User, activity: Activity) -> bool:
    opens, _closes = services.signin_window(activity)
    return opens <= timezone.now() <= activity.end_at


def _has_started(user: User, activity: Activity) -> bool:
    return timezone.now() >= activity.start_at


ACTIVITY.declare(
    Act(
        "publish",
        gettext_lazy("Publish to the invitees"),
        lambda u, x, form: services.activity_publish(actor=u, activity=x),
        ORGANISE,
        to=State.PUBLISHED,
        done=gettext_lazy("The activity is published; the invitees can answer."),
        audit_label=gettext_lazy("Publish an activity"),
    ),
    Act(
        "open_signin",
        gettext_lazy("Open the sign-in"),
        lambda u, x, form: services.activity_open_signin(actor=u, activity=x),
        ORGANISE,
        to=State.SIGNIN,
        available=_signin_may_open,
        done=gettext_lazy("The sign-in is open: show the sign-in screen."),
        audit_label=gettext_lazy("Open an activity's sign-in"),
    ),
    Act(
        "close",
        gettext_lazy("Close the activity"),
        _close,
        ORGANISE,
        to=State.CLOSED,
        form=f.CloseForm,
        available=_has_started,
        done=gettext_lazy("The activity is closed; the attendees are counted from the sign-ins."),
        style="success",
        audit_label=gettext_lazy("Close an activity"),
    ),
    Act(
        "cancel",
        gettext_lazy("Cancel the activity"),
        lambda u, x, form: services.activity_cancel(actor=u, activity=x, reason=form.cleaned_data["reason"]),
        ORGANISE,
        to=State.CANCELLED,
        form=f.CancelForm,
        done=gettext_lazy("The activity is cancelled."),
        style="outline-danger",
        audit_label=gettext_lazy("Cancel an activity"),
    ),
)

label_actions(
    {
        "deputies.activity_create": gettext_lazy("Create an activity"),
        "deputies.activity_edit": gettext_lazy("Edit an activity"),
        "deputies.activity_file_add": gettext_lazy("Add a file to an activity"),
        "deputies.activity_invite": gettext_lazy("Invite deputies to an activity"),
        "deputies.invitation_remove": gettext_lazy("Withdraw an invitation"),
        "deputies.invitation_answer": gettext_lazy("Answer an activity invitation"),
        "deputies.leave_approve": gettext_lazy("Approve leave from an activity"),
        "deputies.leave_refuse": gettext_lazy("Refuse leave from an activity"),
        "deputies.activity_sign_in": gettext_lazy("Sign in to an activity (QR code)"),
        "deputies.activity_sign_in_by_staff": gettext_lazy("Sign a deputy in by hand"),
        "deputies.activity_sign_out": gettext_lazy("Record leaving an activity early"),
        "deputies.calendar_feed_reset": gettext_lazy("Make a private calendar address"),
        "deputies.calendar_feed_revoke": gettext_lazy("Revoke a private calendar address"),
        "deputies.activity_reminders_send": gettext_lazy("Send activity reminders"),
        "deputies.create_activity": gettext_lazy("Create an activity"),
        "deputies.organise_activity": gettext_lazy("Organise an activity"),
        "deputies.sign_in_activity": gettext_lazy("Sign in to an activity"),
        "deputies.answer_invitation": gettext_lazy("Answer an invitation"),
        "deputies.manage_calendar_feed": gettext_lazy("Manage a private calendar address"),
    }
)

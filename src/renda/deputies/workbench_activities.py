"""Workbench panels of 代表活动: a deputy's activities to answer and today's; the organiser's leave
requests to decide and sign-ins running."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from renda.core.permissions import can
from renda.core.roles import Role
from renda.core.workbench import Panel, Stat, register
from renda.deputies.models.activities import Activity, Invitation
from renda.deputies.selectors import activities as selectors


@register
def activities_panels(user) -> list[Panel]:
    if user.role == Role.DEPUTY and can(user, "deputies.view_my_activities"):
        invitations = selectors.my_activities(actor=user)
        now = timezone.now()
        open_ = [
            i for i in invitations if i.activity.state in (Activity.State.PUBLISHED, Activity.State.SIGNIN)
        ]
        today = [i for i in open_ if selectors.is_today(i.activity, now)]
        to_answer = [i for i in open_ if i.answer == Invitation.Answer.PENDING and i.activity.end_at > now]
        todo = [
            {
                "label": i.activity.title,
                "url": reverse("deputies:activity", args=[i.activity.pk]),
                "note": (
                    _("today") if i in today else date_format(timezone.localtime(i.activity.start_at), "m-d")
                )
                + (" · " + str(_("please answer")) if i in to_answer else ""),
            }
            for i in (today + [i for i in to_answer if i not in today])[:6]
        ]
        url = reverse("deputies:my_activities")
        return [
            Panel(
                title=_("My activities"),
                order=12,
                stats=[
                    Stat(_("Today"), len(today), url),
                    Stat(_("To answer"), len(to_answer), url),
                    Stat(_("Coming"), len([i for i in open_ if i.activity.start_at > now]), url),
                ],
                todo=todo,
                empty_text=_("No activity to answer or to attend today."),
            )
        ]
    if user.role == Role.STAFF and can(user, "deputies.view_activities"):
        organised = Activity.objects.filter(state__in=(Activity.State.PUBLISHED, Activity.State.SIGNIN))
        if not can(user, "deputies.organise_activity", Activity(organisation=None)):
            organised = organised.filter(organisation_id=user.organisation_id)
        pending = (
            Invitation.objects.filter(activity__in=organised, leave=Invitation.Leave.PENDING)
            .select_related("activity", "deputy")
            .order_by("activity__start_at")
        )
        signing = organised.filter(Q(state=Activity.State.SIGNIN))
        url = reverse("deputies:activity_list")
        todo = [
            {
                "label": _("Sign-in screen: %(title)s") % {"title": a.title},
                "url": reverse("deputies:activity_signin", args=[a.pk]),
            }
            for a in signing[:3]
        ] + [
            {
                "label": _("Leave request of %(name)s") % {"name": inv.deputy.name},
                "url": reverse("deputies:activity", args=[inv.activity_id]) + "#invitees",
                "note": inv.activity.title,
            }
            for inv in pending[:5]
        ]
        return [
            Panel(
                title=_("Deputy activities"),
                order=22,
                stats=[
                    Stat(_("Coming"), organised.filter(start_at__gt=timezone.now()).count(), url),
                    Stat(_("Leave requests"), pending.count(), url),
                    Stat(_("Sign-in open"), signing.count(), f"{url}?state=signin"),
                ],
                todo=todo,
                empty_text=_("No leave request to decide."),
            )
        ]
    return []

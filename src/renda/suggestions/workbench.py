"""Workbench panels of the suggestions module: counts, 临期/超期, to-dos and notices per role."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Role
from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register
from renda.suggestions import selectors
from renda.suggestions.models import State

TODO_NOTES = {
    "review": _("to review and register"),
    "assign": _("to assign to units"),
    "revise": _("returned to you: revise and submit again"),
    "cosign": _("you are invited to co-sign"),
    "rate": _("replied: rate the reply"),
}


def _todo_rows(summary, items) -> list[dict]:
    """Overdue and due-soon first, then what waits for the actor's act (each suggestion once)."""
    rows = []
    for s in summary["overdue"]:
        rows.append(
            {
                "label": f"{s.number} {s.title}",
                "url": reverse("suggestions:detail", args=[s.pk]),
                "note": _("overdue since %(d)s") % {"d": s.reply_due},
                "kind": "overdue",
            }
        )
    for s in summary["due_soon"]:
        rows.append(
            {
                "label": f"{s.number} {s.title}",
                "url": reverse("suggestions:detail", args=[s.pk]),
                "note": _("due on %(d)s") % {"d": s.reply_due},
                "kind": "soon",
            }
        )
    listed = {s.pk for s in (*summary["overdue"], *summary["due_soon"])}
    for item in items:
        s = item.suggestion
        if s.pk in listed:
            continue
        listed.add(s.pk)
        if item.kind == "reply":
            note = str(_("reply due %(d)s") % {"d": item.due} if item.due else _("to reply"))
        else:
            note = str(TODO_NOTES[item.kind])
        rows.append(
            {
                "label": f"{s.number} {s.title}".strip(),
                "url": reverse("suggestions:detail", args=[s.pk]),
                "note": note,
                "kind": item.kind,
            }
        )
    return _shortened(rows)


PER_KIND = 4  # rows of each kind on the workbench; the tiles above open the full lists


def _shortened(rows: list[dict]) -> list[dict]:
    """At most ``PER_KIND`` rows of each kind (overdue, due soon, to review …), so that every kind
    of work shows; a last row says how many more there are."""
    shown: list[dict] = []
    per_kind: dict[str, int] = {}
    for row in rows:
        per_kind[row["kind"]] = per_kind.get(row["kind"], 0) + 1
        if per_kind[row["kind"]] <= PER_KIND:
            shown.append(row)
    hidden = len(rows) - len(shown)
    if hidden:
        shown.append(
            {
                "label": _("%(n)s more: open the counts above") % {"n": hidden},
                "url": "",
                "note": "",
                "kind": "more",
            }
        )
    return shown


@register
def suggestions_panels(user) -> list[Panel]:
    if not can(user, "suggestions.view_list"):
        return []
    summary = selectors.workbench_summary(actor=user)
    by_state = summary["by_state"]
    url = reverse("suggestions:list")
    extra = {"summary": summary}  # the notices are on the notification centre's own panel
    due_stats = [
        Stat(_("Due soon"), summary["due_soon_count"], f"{url}?due=soon"),
        Stat(_("Overdue"), summary["overdue_count"], f"{url}?due=overdue"),
        Stat(_("Open commitments"), summary["commitments"], f"{url}?commitments=1"),
    ]
    todo = _todo_rows(summary, selectors.role_todo(actor=user))
    if user.role == Role.STAFF:
        stats = [
            Stat(_("To review"), by_state.get(State.SUBMITTED, 0), f"{url}?state=submitted"),
            Stat(_("To assign"), by_state.get(State.REGISTERED, 0), f"{url}?state=registered"),
            Stat(_("Waiting to be accepted"), by_state.get(State.ASSIGNED, 0), f"{url}?state=assigned"),
            Stat(_("In progress"), by_state.get(State.IN_PROGRESS, 0), f"{url}?state=in_progress"),
            Stat(_("Awaiting rating"), by_state.get(State.REPLIED, 0), f"{url}?state=replied"),
            Stat(_("Closed"), by_state.get(State.CLOSED, 0), f"{url}?state=closed"),
            Stat(_("Key suggestions under supervision"), summary["key_open"], f"{url}?key=1"),
            *due_stats,
        ]
        title = _("Deputies' suggestions")
    elif user.role == Role.DEPUTY:
        stats = [
            Stat(
                _("Drafts"),
                sum(by_state.get(x, 0) for x in selectors.STAGES["drafts"]),
                f"{url}?stage=drafts",
            ),
            Stat(
                _("Being handled"),
                sum(by_state.get(x, 0) for x in selectors.STAGES["handling"]),
                f"{url}?stage=handling",
            ),
            Stat(_("To rate"), by_state.get(State.REPLIED, 0), f"{url}?state=replied"),
            Stat(_("Closed"), by_state.get(State.CLOSED, 0), f"{url}?state=closed"),
            *due_stats[:2],
        ]
        title = _("My suggestions")
    else:
        for a in selectors.unit_todo(actor=user):
            label = (
                _("accept by %(d)s") % {"d": a.accept_due}
                if a.accepted_at is None
                else _("opinion due %(d)s") % {"d": a.opinion_due}
            )
            todo.insert(
                0,
                {
                    "label": f"{a.suggestion.number} {a.suggestion.title}",
                    "url": reverse("suggestions:detail", args=[a.suggestion_id]),
                    "note": label,
                    "kind": "accept",
                },
            )
        stats = [
            Stat(_("Waiting to be accepted"), by_state.get(State.ASSIGNED, 0), f"{url}?state=assigned"),
            Stat(_("In progress"), by_state.get(State.IN_PROGRESS, 0), f"{url}?state=in_progress"),
            Stat(
                _("Replied"),
                sum(by_state.get(x, 0) for x in selectors.STAGES["answered"]),
                f"{url}?stage=answered",
            ),
            *due_stats,
        ]
        title = _("Suggestions assigned to my unit")
    return [
        Panel(
            title=title,
            order=15,
            stats=stats,
            todo=todo,
            template="suggestions/panels/workbench.html",
            extra=extra,
        )
    ]

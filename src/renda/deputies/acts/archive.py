"""The acts of the archive review (履职档案审核), declared once on the workflow.

Imported by :meth:`renda.deputies.apps.DeputiesConfig.ready`: the entry page offers them through
:mod:`renda.core.views.acts`, and the audit log takes its labels from them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.core.forms import StyledForm
from renda.core.permissions import can
from renda.core.workflow import Act
from renda.deputies.models.archive import ReviewState
from renda.deputies.services import archive as services
from renda.deputies.workflow import ARCHIVE_REVIEW

S = ReviewState


class ReviewForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnForm(ReviewForm):
    reason = forms.CharField(
        label=_("Reason for returning (the deputy reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


ARCHIVE_REVIEW.declare(
    Act(
        "approve",
        _("Approve"),
        when={S.SUBMITTED, S.CHECKED},
        permission="deputies.archive_first_review",
        form=ReviewForm,
        run=lambda actor, entry, form: services.archive_entry_approve(
            actor=actor, entry=entry, version=form.cleaned_data["version"]
        ),
        done=_("The entry has been reviewed."),
        audit_label=_("Approve an archive entry"),
        available=lambda actor, entry: (
            entry.state != S.CHECKED or can(actor, "deputies.archive_final_review", entry)
        ),
        form_kwargs=lambda actor, entry: {"initial": {"version": entry.version}},
    ),
    Act(
        "return",
        _("Return with a reason"),
        to=S.RETURNED,
        permission="deputies.archive_first_review",
        form=ReturnForm,
        style="outline-danger",
        run=lambda actor, entry, form: services.archive_entry_return(
            actor=actor, entry=entry, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        ),
        done=_("The entry has been returned to the deputy."),
        audit_label=_("Return an archive entry"),
        available=lambda actor, entry: (
            entry.state != S.CHECKED or can(actor, "deputies.archive_final_review", entry)
        ),
        form_kwargs=lambda actor, entry: {"initial": {"version": entry.version}},
    ),
)

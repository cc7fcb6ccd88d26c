"""The kinds of notice the suggestions module sends (消息中心, ``renda.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare

ALL = (INBOX, WECHAT, SMS, EMAIL)

declare(
    Kind("suggestion.invite", _("Invitation to co-sign a suggestion"), (INBOX, EMAIL)),
    Kind("suggestion.submitted", _("New suggestion to review"), (INBOX, EMAIL)),
    Kind("suggestion.withdrawn", _("Suggestion withdrawn"), (INBOX,)),
    Kind("suggestion.returned", _("Suggestion returned"), (INBOX, EMAIL)),
    Kind("suggestion.converted", _("Suggestion converted to a letter"), (INBOX, EMAIL)),
    Kind("suggestion.registered", _("Suggestion registered"), (INBOX, EMAIL)),
    Kind("suggestion.merged", _("Suggestions merged"), (INBOX,)),
    Kind("suggestion.assigned", _("Suggestion assigned"), ALL),
    Kind("suggestion.release_requested", _("Unit asks to be replaced"), (INBOX, EMAIL)),
    Kind("suggestion.reassigned", _("Suggestion reassigned"), ALL),
    Kind("suggestion.opinion_sent", _("Co-handling opinion sent"), (INBOX,)),
    Kind("suggestion.opinion_waived", _("Co-handling opinion waived"), (INBOX,)),
    Kind("suggestion.extension_requested", _("Extension requested"), (INBOX, EMAIL)),
    Kind("suggestion.extension_decided", _("Extension decided"), (INBOX, EMAIL)),
    Kind("suggestion.replied", _("Reply to rate"), ALL),
    Kind("suggestion.unsatisfied", _("Deputy unsatisfied with a reply"), ALL, urgent=True),
    Kind("suggestion.closed", _("Suggestion closed"), (INBOX,)),
    Kind("suggestion.key", _("Key suggestion under supervision"), (INBOX, EMAIL)),
    Kind("suggestion.chased", _("Chase on a suggestion"), ALL, urgent=True),
    Kind("suggestion.overdue", _("Suggestion overdue"), ALL, dedup=True),
    Kind("suggestion.due_soon", _("Suggestion reply due soon"), ALL, dedup=True),
    Kind("suggestion.not_accepted", _("Assignment not accepted in time"), ALL, dedup=True),
    Kind("suggestion.commitment_due", _("Commitment due"), (INBOX, EMAIL), dedup=True),
)

"""消息中心 pages: the inbox (filters by kind and read state), opening a notice, marking read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.params import ChoiceParam, TextParam, query_params
from renda.notifications import selectors, services
from renda.notifications.selectors import InboxFilter

PAGE_SIZE = 25
COUNT_CAP = 10_000  # an inbox counts its notices up to here ("10000+"): counting 10^5 rows each time costs


class CappedPaginator(Paginator):
    """Django's paginator, whose count stops at :data:`COUNT_CAP` (the newest notices are the ones
    read; the filters find older ones)."""

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_capped_count"):
            self._capped_count = self.object_list[:COUNT_CAP].count()  # type: ignore[attr-defined]
        return self._capped_count

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP


def _safe_link(request: AuthedRequest, link: str) -> str:
    """The notice's link if it stays on this site; else the inbox."""
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return link
    return ""


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """消息中心: the actor's notices, newest first."""
    params = query_params(request.GET, kind=TextParam(max_length=60), state=ChoiceParam(["unread", "read"]))
    filters = InboxFilter(kind=params["kind"], state=params["state"])
    rows = selectors.inbox_for(actor=request.user, filters=filters)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in (("kind", filters.kind), ("state", filters.state)) if v)
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "filters": filters,
            "kinds": selectors.kinds_in_inbox(actor=request.user),
            "unread": selectors.unread_count(actor=request.user),
            "query": query,
        },
    )


def _notice_or_404(request: AuthedRequest, pk: int):  # type: ignore[no-untyped-def]
    notice = selectors.own_notice(actor=request.user, pk=pk)
    if notice is None:  # someone else's notice does not exist for this person
        raise Http404
    return notice


@login_required
def notice_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open a notice: it is read now, and the person goes to the page it is about."""
    notice = _notice_or_404(request, pk)
    services.notification_mark_read(actor=request.user, notification=notice)
    return redirect(_safe_link(request, notice.link) or "notifications:inbox")


@login_required
@require_POST
def notice_mark_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    services.notification_mark_read(actor=request.user, notification=notice)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    params = query_params(request.POST, kind=TextParam(max_length=60))
    services.notifications_mark_all_read(actor=request.user, kind=params["kind"])
    return _back(request)


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)  # an address, never a URL name to reverse
    return redirect("notifications:inbox")

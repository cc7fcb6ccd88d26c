"""代表建议办理 pages: thin views that parse the request and call one service or selector."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.excel import xlsx_response
from renda.core.params import ChoiceParam, FlagParam, IdParam, IntParam, TextParam, query_params
from renda.core.pdf import pdf_response, render_pdf
from renda.core.permissions import can, require
from renda.core.public_cache import cached_public_page
from renda.core.redaction import redact_personal_data
from renda.core.roles import Role
from renda.core.views.acts import OfferedAct, offered_acts, run_act
from renda.core.workflow import errors_onto_form
from renda.deputies.selectors import seat_of
from renda.deputies.views import no_seat_response
from renda.suggestions import forms as f
from renda.suggestions import selectors, services
from renda.suggestions.letters import letter_body, letter_parts
from renda.suggestions.models import (
    Reply,
    ReplyClass,
    State,
    Suggestion,
    SuggestionCategory,
)
from renda.suggestions.workflow import SUGGESTION

# --- list, create, edit ----------------------------------------------------------------------------


YEAR = IntParam(min_value=1949, max_value=2999)
STAGE_LABELS = {
    "drafts": gettext_lazy("Drafts and returned"),
    "handling": gettext_lazy("Being handled"),
    "answered": gettext_lazy("Replied or closed"),
}  # a ?year= filter outside this is ignored


@login_required
def suggestion_list(request: AuthedRequest) -> HttpResponseBase:
    g = query_params(
        request.GET,
        state=ChoiceParam(State.values),
        q=TextParam(max_length=50),
        year=YEAR,
        category=IdParam(),
        due=ChoiceParam(("soon", "overdue")),
        key=FlagParam(),
        session=IdParam(),
        stage=ChoiceParam(tuple(selectors.STAGES)),
        commitments=FlagParam(),
    )
    filters = selectors.SuggestionFilter(
        state=g["state"],
        q=g["q"],
        year=g["year"],
        category_id=g["category"],
        due=g["due"],
        key_only=g["key"],
        session_id=g["session"],
        stage=g["stage"],
        open_commitments=g["commitments"],
    )
    if query_params(request.GET, format=ChoiceParam(("xlsx",)))["format"] == "xlsx":
        return _list_workbook(request, filters)
    rows = selectors.suggestions_visible_to(actor=request.user, filters=filters)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": State.choices,
        "categories": SuggestionCategory.objects.all(),
        "sessions": selectors.sessions(),
        "stage_label": STAGE_LABELS.get(filters.stage, ""),
        "can_create": can(request.user, "suggestions.create"),
        "is_office": can(request.user, "suggestions.view_all"),
        "today": timezone.localdate(),
        "querystring": _querystring(request),
    }
    template = "suggestions/list.html#results" if request.htmx else "suggestions/list.html"
    return render(request, template, context)


def _list_workbook(request: AuthedRequest, filters: selectors.SuggestionFilter) -> HttpResponseBase:
    """导出: the list with its current filters, as the person sees it, in words a reader knows."""
    rows = selectors.suggestions_for_export(actor=request.user, filters=filters)
    headers = [
        _("Suggestion number"),
        _("Title"),
        _("Session"),
        _("Lead deputy"),
        _("Co-signing deputies"),
        _("Category"),
        _("State"),
        _("Key suggestion"),
        _("Lead unit"),
        _("Co-handling units"),
        _("Submitted on"),
        _("Assigned on"),
        _("Reply due"),
        _("Replied on"),
        _("Reply class"),
        _("Deputy's rating"),
    ]

    def line(s: Suggestion) -> list[Any]:
        current = s.current_assignments
        lead = [a.unit.name for a in current if a.role == "lead"]
        reply = s.last_reply
        evaluation = getattr(reply, "evaluation", None) if reply is not None else None
        local = timezone.localtime
        return [
            s.number,
            s.title,
            f"{s.session.term.name}{s.session.short_label}" if s.session else "",
            s.deputy.name,
            pgettext("list separator", ", ").join(c.deputy.name for c in getattr(s, "signed_cosigns", [])),
            s.category.name if s.category else "",
            s.get_state_display(),
            _("Yes") if s.is_key else _("No"),
            pgettext("list separator", ", ").join(lead),
            pgettext("list separator", ", ").join(a.unit.name for a in current if a.role != "lead"),
            local(s.submitted_at).date() if s.submitted_at else None,
            s.assigned_on,
            s.reply_due,
            local(reply.replied_at).date() if reply is not None else None,
            reply.get_reply_class_display() if reply is not None else "",
            evaluation.get_result_display() if evaluation is not None else "",
        ]

    today = timezone.localdate()
    return xlsx_response(
        filename=_("suggestions-%(date)s.xlsx") % {"date": f"{today:%Y%m%d}"},
        fallback="suggestions.xlsx",
        title=_("Deputies' suggestions"),
        headers=headers,
        rows=(line(s) for s in rows.iterator(chunk_size=500)),
        footer=_("Exported on %(date)s by %(name)s") % {"date": today, "name": request.user.display_name},
    )


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def suggestion_create(request: AuthedRequest) -> HttpResponse:
    if request.user.role == Role.DEPUTY and seat_of(request.user) is None:
        return no_seat_response(request)  # told why and whom to ask, not a bare 403
    require(request.user, "suggestions.create")
    deputy = seat_of(request.user)
    form = f.SuggestionForm(request.POST or None, request.FILES or None, deputy=deputy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = services.suggestion_create(
                actor=request.user,
                title=data["title"],
                content=data["content"],
                category=data["category"],
                cosigners=list(data["cosigners"]),
                files=data["files"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The draft has been saved. Submit it when it is ready."))
            return redirect("suggestions:detail", pk=suggestion.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/form.html", {"form": form, "creating": True}, status=status)


@login_required
def suggestion_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    suggestion = selectors.suggestion_for(actor=request.user, pk=pk)
    require(request.user, "suggestions.edit", suggestion)
    if suggestion.state not in (State.DRAFT, State.RETURNED):
        messages.error(request, _("Only a draft or a returned suggestion can be edited."))
        return redirect("suggestions:detail", pk=pk)
    initial = {
        "title": suggestion.title,
        "content": suggestion.content,
        "category": suggestion.category,
        "cosigners": [c.deputy for c in suggestion.cosigns.all()],
    }
    form = f.SuggestionForm(
        request.POST or None, request.FILES or None, initial=initial, deputy=suggestion.deputy
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.suggestion_update(
                actor=request.user,
                suggestion=suggestion,
                title=data["title"],
                content=data["content"],
                category=data["category"],
                cosigners=list(data["cosigners"]),
                files=data["files"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The suggestion has been saved."))
            return redirect("suggestions:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/form.html", {"form": form, "suggestion": suggestion}, status=status)


@login_required
def similar(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """相似建议 (htmx): as the deputy types (a new one, or suggestion ``pk`` being edited, which is
    left out), or for staff reviewing one suggestion (``?exclude=``)."""
    params = query_params(
        request.GET, title=TextParam(max_length=3000), content=TextParam(max_length=3000), exclude=IdParam()
    )
    text = f"{params['title']} {params['content']}".strip()[:3000]
    exclude = pk if pk is not None else params["exclude"]
    results = selectors.similar_suggestions(actor=request.user, text=text, exclude_pk=exclude) if text else []
    visible = [(s, score, can(request.user, "suggestions.view_suggestion", s)) for s, score in results]
    return render(request, "suggestions/similar.html", {"results": visible, "text": text})


# --- detail and the acts on it ----------------------------------------------------------------------


def _detail_context(request: AuthedRequest, s: Suggestion, forms: list[OfferedAct]) -> dict[str, Any]:
    user = request.user
    return {
        "s": s,
        "forms": forms,  # (name, act, form) for each act the person may do now
        "can_edit": s.state in (State.DRAFT, State.RETURNED) and can(user, "suggestions.edit", s),
        "can_documents": can(user, "suggestions.view_documents", s),
        "is_office": can(user, "suggestions.view_all"),
        "today": timezone.localdate(),
    }


@login_required
def suggestion_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    context = _detail_context(request, s, offered_acts(request, SUGGESTION, s))
    return render(request, "suggestions/detail.html", context)


@login_required
@require_POST
def suggestion_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Run one act (declared in :mod:`renda.suggestions.acts`); a refusal shows on its form."""
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    shown: list[Suggestion] = []

    def reload() -> Suggestion:
        # After a refusal the page shows the suggestion as stored (the service's changes were undone).
        shown.append(selectors.suggestion_for(actor=request.user, pk=pk))
        return shown[-1]

    outcome = run_act(request, SUGGESTION, s, action, reload=reload)
    if outcome.done:
        return redirect("suggestions:detail", pk=pk)
    context = _detail_context(request, shown[-1] if shown else s, outcome.offered)
    context["failed"] = outcome.failed
    return render(request, "suggestions/detail.html", context, status=400)


# --- files and documents -----------------------------------------------------------------------------


@login_required
def attachment_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """附件: streamed only after the permission check; never served from MEDIA_URL."""
    attachment = selectors.attachment_for(actor=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def assignment_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    """交办单 (PDF)."""
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    require(request.user, "suggestions.view_documents", s)
    if not s.assigned_on:
        raise Http404
    pdf = render_pdf(
        "suggestions/pdf/assignment_sheet.html",
        {"s": s, "today": timezone.localdate(), "office": selectors.office_signature()},
    )
    return pdf_response(
        pdf, filename=f"交办单-{s.number}.pdf", fallback=f"assignment-{s.pk}.pdf", inline=True
    )


def reply_letter_context(s: Suggestion, reply: Reply) -> dict[str, Any]:
    """What the 答复函 prints: the fixed parts once, around the body (stored without them)."""
    body = letter_body(reply.text, deputy_name=s.deputy.name, unit_name=reply.unit.name)
    return {
        "s": s,
        "reply": reply,
        "letter": letter_parts(deputy_name=s.deputy.name, title=s.title, unit_name=reply.unit.name),
        "paragraphs": [line for line in body.split("\n") if line.strip()],
        "commitments": [c for c in s.commitments.all() if c.reply_id == reply.pk],
    }


@login_required
def reply_letter(request: AuthedRequest, pk: int, reply_pk: int) -> HttpResponse:
    """答复函 (PDF)."""
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    require(request.user, "suggestions.view_documents", s)
    reply = next((r for r in s.replies.all() if r.pk == reply_pk), None)
    if reply is None:
        raise Http404
    pdf = render_pdf("suggestions/pdf/reply_letter.html", reply_letter_context(s, reply))
    return pdf_response(
        pdf,
        filename=f"答复函-{s.number}-{reply.round}.pdf",
        fallback=f"reply-{s.pk}-{reply.round}.pdf",
        inline=True,
    )


# --- statistics, public results, categories, notifications ---------------------------------------------


def _dimensions() -> list[tuple[str, str]]:
    return [
        ("unit", _("Unit")),
        ("deputy", _("Deputy")),
        ("category", _("Category")),
        ("year", _("Year")),
        ("session", _("Session")),
    ]


@login_required
def statistics(request: AuthedRequest) -> HttpResponseBase:
    params = query_params(
        request.GET, by=ChoiceParam(selectors.DIMENSIONS, default="unit"), year=YEAR, session=IdParam()
    )
    by, year, session = params["by"], params["year"], params["session"]
    rows = selectors.suggestion_statistics(actor=request.user, by=by, year=year, session_id=session)
    if request.GET.get("format") == "xlsx":
        headers = [
            str(dict(_dimensions()).get(by, by)),
            _("Assigned"),
            _("Accepted in time"),
            _("Replied"),
            _("Replied in time"),
            *[_("Class %(c)s share (%%)") % {"c": c} for c in ReplyClass.values],
            _("Rated"),
            _("Satisfaction rate (%)"),
            _("Overdue"),
        ]
        data = (
            [
                r.key,
                r.assigned,
                r.accepted_in_time,
                r.replied,
                r.replied_in_time,
                *r.class_shares.values(),
                r.rated,
                r.satisfaction_rate,
                r.overdue,
            ]
            for r in rows
        )
        return xlsx_response(
            filename=_("suggestion-statistics-%(year)s.xlsx") % {"year": year or _("All")},
            fallback="suggestion-statistics.xlsx",
            title=_("Suggestion statistics"),
            headers=headers,
            rows=data,
            footer=_("Exported on %(date)s") % {"date": timezone.localdate()},
        )
    chart = {
        "labels": [r.key for r in rows[:20]],
        "assigned": [r.assigned for r in rows[:20]],
        "replied_in_time": [r.replied_in_time for r in rows[:20]],
        "overdue": [r.overdue for r in rows[:20]],
        "classes": [
            {"name": c, "value": sum((r.classes or {}).get(c, 0) for r in rows)} for c in ReplyClass.values
        ],
    }
    context = {
        "rows": rows,
        "by": by,
        "year": year,
        "years": selectors.statistic_years(),
        "session": session,
        "sessions": selectors.sessions(),
        "chart": chart,
        "dimensions": _dimensions(),
    }
    return render(request, "suggestions/statistics.html", context)


@cached_public_page
def public_results(request: HttpRequest) -> HttpResponse:
    """办理结果公开: no sign-in; the published results, searched by text and filtered by category,
    lead unit, session and year."""
    g = query_params(
        request.GET,
        q=TextParam(max_length=50),
        category=IdParam(),
        unit=IdParam(),
        session=IdParam(),
        year=YEAR,
        page=IntParam(min_value=1, max_value=100_000, default=1),
    )
    filters = selectors.PublicFilter(
        q=g["q"], category_id=g["category"], unit_id=g["unit"], session_id=g["session"], year=g["year"]
    )
    rows = Paginator(selectors.public_results(filters), 20).get_page(g["page"])
    kept = {k: g[k] for k in ("q", "category", "unit", "session", "year") if g[k]}
    return render(
        request,
        "suggestions/public.html",
        {
            "page": rows,
            "filters": filters,
            "choices": selectors.public_filter_choices(),
            "query": urlencode(kept),
            "filtered": bool(kept),
        },
    )


@cached_public_page
def public_result(request: HttpRequest, pk: int) -> HttpResponse:
    """One published result: the suggestion and the reply as published (no sign-in)."""
    s = selectors.public_result(pk)
    reply = s.published_reply or s.last_reply
    commitments = [c for c in s.commitments.all() if reply is not None and c.reply_id == reply.pk]
    return render(
        request,
        "suggestions/public_detail.html",
        {
            "s": s,
            "reply": reply,
            "content": redact_personal_data(s.content),
            "lead": s.lead_assignment,
            "co_units": s.co_assignments,
            "commitments": commitments,
            "cosigners": [c.deputy.name for c in s.cosigns.all() if c.signed_at],
        },
    )


@login_required
def categories(request: AuthedRequest) -> HttpResponse:
    require(request.user, "suggestions.manage_categories")
    form = f.CategoryForm(request.POST or None)
    if request.method == "POST":
        toggle = query_params(request.POST, toggle=IdParam())["toggle"]
        if toggle:
            category = SuggestionCategory.objects.filter(pk=toggle).first()
            if category is None:
                raise Http404
            services.category_toggle(actor=request.user, category=category)
            return redirect("suggestions:categories")
        if form.is_valid():
            try:
                services.category_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("The category has been added."))
                return redirect("suggestions:categories")
    return render(
        request, "suggestions/categories.html", {"form": form, "categories": SuggestionCategory.objects.all()}
    )


@login_required
def sessions(request: AuthedRequest) -> HttpResponse:
    """会议: the office records the term's session periods (第N次会议, 大会期间 / 闭会期间)."""
    require(request.user, "suggestions.manage_sessions")
    form = f.SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The session period has been recorded."))
            return redirect("suggestions:sessions")
    return render(request, "suggestions/sessions.html", {"form": form, "sessions": selectors.sessions()})


@login_required
@require_POST
def suggestion_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """删除草稿: the lead deputy deletes their own draft."""
    suggestion = selectors.suggestion_for(actor=request.user, pk=pk)
    try:
        services.suggestion_delete(actor=request.user, suggestion=suggestion)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("suggestions:detail", pk=pk)
    messages.success(request, _("The draft has been deleted."))
    return redirect("suggestions:list")

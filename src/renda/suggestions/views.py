"""代表建议办理 pages: thin views that parse the request and call one service or selector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renda.core.excel import xlsx_response
from renda.core.params import ChoiceParam, FlagParam, IdParam, IntParam, TextParam, query_params
from renda.core.pdf import pdf_response, render_pdf
from renda.core.permissions import can, require
from renda.suggestions import forms as f
from renda.suggestions import selectors, services
from renda.suggestions.models import (
    Assignment,
    Commitment,
    ExtensionRequest,
    ReplyClass,
    State,
    Suggestion,
    SuggestionCategory,
)

# --- list, create, edit ----------------------------------------------------------------------------


YEAR = IntParam(min_value=1949, max_value=2999)  # a ?year= filter outside this is ignored


def _year(request: HttpRequest) -> int | None:
    return query_params(request.GET, year=YEAR)["year"]


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    g = query_params(
        request.GET,
        state=ChoiceParam(State.values),
        q=TextParam(max_length=50),
        year=YEAR,
        category=IdParam(),
        due=ChoiceParam(("soon", "overdue")),
        key=FlagParam(),
    )
    filters = selectors.SuggestionFilter(
        state=g["state"],
        q=g["q"],
        year=g["year"],
        category_id=g["category"],
        due=g["due"],
        key_only=g["key"],
    )
    rows = selectors.suggestions_visible_to(actor=request.user, filters=filters)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": State.choices,
        "categories": SuggestionCategory.objects.all(),
        "can_create": can(request.user, "suggestions.create"),
        "is_office": can(request.user, "suggestions.view_all"),
        "today": timezone.localdate(),
        "querystring": _querystring(request),
    }
    template = "suggestions/list.html#results" if request.htmx else "suggestions/list.html"
    return render(request, template, context)


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def suggestion_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "suggestions.create")
    deputy = request.user.deputy
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
            _apply_errors(form, error)
        else:
            messages.success(request, _("The draft has been saved. Submit it when it is ready."))
            return redirect("suggestions:detail", pk=suggestion.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/form.html", {"form": form, "creating": True}, status=status)


@login_required
def suggestion_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
            _apply_errors(form, error)
        else:
            messages.success(request, _("The suggestion has been saved."))
            return redirect("suggestions:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/form.html", {"form": form, "suggestion": suggestion}, status=status)


@login_required
def similar(request: HttpRequest, pk: int | None = None) -> HttpResponse:
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


@dataclass
class Action:
    """One act on a suggestion: who may, the form, and the service call."""

    label: str
    form: type
    run: Callable[[Any, Suggestion, Any], Any]
    done: str
    targets: Callable[[Any, Suggestion], list[tuple[int, str]]] | None = None
    available: Callable[[Any, Suggestion], bool] = lambda user, s: True
    style: str = "primary"


def _my_assignments(user, s: Suggestion, **kw) -> list[Assignment]:
    return [
        a
        for a in s.current_assignments
        if a.unit_id == user.organisation_id and all(getattr(a, k) == v for k, v in kw.items())
    ]


def _targets_accept(user, s):
    return [(a.pk, f"{a.unit} · {a.get_role_display()}") for a in _my_assignments(user, s, accepted_at=None)]


def _targets_opinion(user, s):
    return [(a.pk, str(a.unit)) for a in _my_assignments(user, s, role=Assignment.Role.CO, opinion_at=None)]


def _targets_reassign(user, s):
    return [
        (
            a.pk,
            f"{a.unit} · {a.get_role_display()}"
            + (f" · {_('asks to be replaced')}" if a.release_requested_at else ""),
        )
        for a in s.current_assignments
        if a.accepted_at is None
    ]


def _targets_extension(user, s):
    return [
        (e.pk, f"{e.months} · {e.reason}")
        for e in s.extensions.all()
        if e.status == ExtensionRequest.Status.PENDING
    ]


def _targets_commitment(user, s):
    return [(c.pk, f"{c.text} ({c.due_on:%Y-%m-%d})") for c in s.commitments.all() if c.fulfilled_at is None]


def _cosign_pending(user, s):
    deputy = getattr(user, "deputy", None)
    return any(c.deputy_id == getattr(deputy, "pk", None) and c.signed_at is None for c in s.cosigns.all())


def _run_reply(user, s, form):
    d = form.cleaned_data
    return services.suggestion_reply(
        actor=user,
        suggestion=s,
        reply_class=d["reply_class"],
        text=d["text"],
        file=d.get("file"),
        commitments=[services.CommitmentIn(text, due) for text, due in form.commitments()],
    )


def _assignment(s: Suggestion, pk: int) -> Assignment:
    return Assignment.objects.select_related("suggestion", "unit").get(pk=pk, suggestion=s)


ACTIONS: dict[str, Action] = {
    "submit": Action(
        gettext_lazy("Submit"),
        f.EmptyForm,
        lambda u, s, form: services.suggestion_submit(actor=u, suggestion=s),
        gettext_lazy("The suggestion has been submitted."),
        available=lambda u, s: s.state in (State.DRAFT, State.RETURNED) and can(u, "suggestions.submit", s),
    ),
    "cosign": Action(
        gettext_lazy("Co-sign"),
        f.EmptyForm,
        lambda u, s, form: services.suggestion_cosign(actor=u, suggestion=s),
        gettext_lazy("You have co-signed the suggestion."),
        available=lambda u, s: (
            s.state in (State.DRAFT, State.RETURNED, State.SUBMITTED)
            and can(u, "suggestions.cosign", s)
            and _cosign_pending(u, s)
        ),
    ),
    "register": Action(
        gettext_lazy("Register"),
        f.RegisterForm,
        lambda u, s, form: services.suggestion_register(
            actor=u, suggestion=s, category=form.cleaned_data["category"]
        ),
        gettext_lazy("The suggestion has been registered."),
        available=lambda u, s: s.state == State.SUBMITTED and can(u, "suggestions.review", s),
    ),
    "return": Action(
        gettext_lazy("Return for revision"),
        f.ReasonForm,
        lambda u, s, form: services.suggestion_return(
            actor=u, suggestion=s, reason=form.cleaned_data["reason"]
        ),
        gettext_lazy("The suggestion has been returned to the deputy."),
        available=lambda u, s: s.state == State.SUBMITTED and can(u, "suggestions.review", s),
        style="outline-secondary",
    ),
    "convert": Action(
        gettext_lazy("Handle as an opinion"),
        f.ReasonForm,
        lambda u, s, form: services.suggestion_convert(
            actor=u, suggestion=s, reason=form.cleaned_data["reason"]
        ),
        gettext_lazy("The suggestion is handled as an opinion."),
        available=lambda u, s: s.state == State.SUBMITTED and can(u, "suggestions.review", s),
        style="outline-secondary",
    ),
    "merge": Action(
        gettext_lazy("Merge into another suggestion"),
        f.MergeForm,
        lambda u, s, form: services.suggestion_merge(actor=u, suggestion=s, into=form.cleaned_data["into"]),
        gettext_lazy("The suggestion has been merged."),
        available=lambda u, s: (
            s.state in (State.SUBMITTED, State.REGISTERED) and can(u, "suggestions.review", s)
        ),
        style="outline-secondary",
    ),
    "assign": Action(
        gettext_lazy("Assign"),
        f.AssignForm,
        lambda u, s, form: services.suggestion_assign(
            actor=u,
            suggestion=s,
            lead=form.cleaned_data["lead"],
            co_units=list(form.cleaned_data["co_units"]),
            note=form.cleaned_data["note"],
        ),
        gettext_lazy("The suggestion has been assigned."),
        available=lambda u, s: s.state == State.REGISTERED and can(u, "suggestions.assign", s),
    ),
    "accept": Action(
        gettext_lazy("Accept the assignment"),
        f.TargetForm,
        lambda u, s, form: services.assignment_accept(
            actor=u, assignment=_assignment(s, form.cleaned_data["target"])
        ),
        gettext_lazy("The assignment has been accepted."),
        targets=_targets_accept,
    ),
    "release": Action(
        gettext_lazy("Ask to be replaced"),
        f.TargetReasonForm,
        lambda u, s, form: services.assignment_request_release(
            actor=u,
            assignment=_assignment(s, form.cleaned_data["target"]),
            reason=form.cleaned_data["reason"],
        ),
        gettext_lazy("Your request has been sent to the deputy affairs office."),
        targets=_targets_accept,
        style="outline-secondary",
    ),
    "opinion": Action(
        gettext_lazy("Send the co-handling opinion"),
        f.OpinionForm,
        lambda u, s, form: services.assignment_send_opinion(
            actor=u, assignment=_assignment(s, form.cleaned_data["target"]), text=form.cleaned_data["text"]
        ),
        gettext_lazy("The opinion has been sent to the lead unit."),
        targets=_targets_opinion,
    ),
    "reassign": Action(
        gettext_lazy("Replace a unit"),
        f.ReassignForm,
        lambda u, s, form: services.assignment_reassign(
            actor=u,
            assignment=_assignment(s, form.cleaned_data["target"]),
            unit=form.cleaned_data["unit"],
            note=form.cleaned_data["note"],
        ),
        gettext_lazy("The unit has been replaced."),
        targets=_targets_reassign,
        available=lambda u, s: (
            can(u, "suggestions.assign", s) and s.state in (State.ASSIGNED, State.IN_PROGRESS)
        ),
        style="outline-secondary",
    ),
    "contact": Action(
        gettext_lazy("Record a contact with the deputy"),
        f.ContactForm,
        lambda u, s, form: services.contact_record(actor=u, suggestion=s, **form.cleaned_data),
        gettext_lazy("The contact has been recorded."),
        available=lambda u, s: (
            s.state in (State.ASSIGNED, State.IN_PROGRESS, State.REPLIED)
            and can(u, "suggestions.record_contact", s)
        ),
        style="outline-primary",
    ),
    "extend": Action(
        gettext_lazy("Ask for an extension"),
        f.ExtensionForm,
        lambda u, s, form: services.extension_request(actor=u, suggestion=s, **form.cleaned_data),
        gettext_lazy("The extension request has been sent."),
        available=lambda u, s: (
            s.state == State.IN_PROGRESS
            and can(u, "suggestions.request_extension", s)
            and not _targets_extension(u, s)
        ),
        style="outline-secondary",
    ),
    "decide_extension": Action(
        gettext_lazy("Decide on the extension"),
        f.ExtensionDecideForm,
        lambda u, s, form: services.extension_decide(
            actor=u,
            extension=ExtensionRequest.objects.get(pk=form.cleaned_data["target"], suggestion=s),
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
        ),
        gettext_lazy("The extension request has been decided."),
        targets=_targets_extension,
        available=lambda u, s: can(u, "suggestions.decide_extension", s),
    ),
    "reply": Action(
        gettext_lazy("File the reply"),
        f.ReplyForm,
        _run_reply,
        _("The reply has been filed."),
        available=lambda u, s: s.state == State.IN_PROGRESS and can(u, "suggestions.reply", s),
    ),
    "rate": Action(
        gettext_lazy("Rate the reply"),
        f.RateForm,
        lambda u, s, form: services.suggestion_rate(actor=u, suggestion=s, **form.cleaned_data),
        gettext_lazy("Thank you: your rating has been recorded."),
        available=lambda u, s: s.state == State.REPLIED and can(u, "suggestions.rate", s),
    ),
    "fulfil": Action(
        gettext_lazy("Record a commitment as fulfilled"),
        f.FulfilForm,
        lambda u, s, form: services.commitment_fulfil(
            actor=u,
            commitment=Commitment.objects.get(pk=form.cleaned_data["target"], suggestion=s),
            note=form.cleaned_data["note"],
        ),
        gettext_lazy("The commitment is recorded as fulfilled."),
        targets=_targets_commitment,
        available=lambda u, s: can(u, "suggestions.fulfil_commitment", s),
        style="outline-primary",
    ),
    "key": Action(
        gettext_lazy("Mark as a key suggestion"),
        f.KeyForm,
        lambda u, s, form: services.suggestion_mark_key(actor=u, suggestion=s, **form.cleaned_data),
        gettext_lazy("The suggestion is now supervised as a key suggestion."),
        available=lambda u, s: (
            not s.is_key
            and s.state in (State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS, State.REPLIED)
            and can(u, "suggestions.supervise", s)
        ),
        style="outline-danger",
    ),
    "chase": Action(
        gettext_lazy("Chase the units"),
        f.ChaseForm,
        lambda u, s, form: services.suggestion_chase(actor=u, suggestion=s, note=form.cleaned_data["reason"]),
        gettext_lazy("The chase has been logged and the units notified."),
        available=lambda u, s: (
            s.state in (State.ASSIGNED, State.IN_PROGRESS) and can(u, "suggestions.supervise", s)
        ),
        style="outline-warning",
    ),
    "publish": Action(
        gettext_lazy("Publish the result"),
        f.PublishForm,
        lambda u, s, form: services.suggestion_publish(
            actor=u, suggestion=s, summary=form.cleaned_data["summary"]
        ),
        gettext_lazy("The result is published."),
        available=lambda u, s: s.state in (State.REPLIED, State.CLOSED) and can(u, "suggestions.publish", s),
        style="outline-success",
    ),
    "unpublish": Action(
        gettext_lazy("Withdraw from the public page"),
        f.EmptyForm,
        lambda u, s, form: services.suggestion_unpublish(actor=u, suggestion=s),
        gettext_lazy("The result is no longer public."),
        available=lambda u, s: s.published_at is not None and can(u, "suggestions.publish", s),
        style="outline-secondary",
    ),
}


def _form_for(name: str, action: Action, user, s: Suggestion, data=None, files=None):
    kwargs: dict[str, Any] = {"prefix": name}
    if action.targets is not None:
        kwargs["targets"] = action.targets(user, s)
    if action.form is f.MergeForm:
        kwargs["suggestion"] = s
    return action.form(data, files, **kwargs)


# The order the acts appear in: the main next step first, then the less common ones.
ACTION_ORDER = (
    "submit",
    "cosign",
    "register",
    "assign",
    "accept",
    "opinion",
    "reply",
    "rate",
    "decide_extension",
    "reassign",
    "return",
    "convert",
    "merge",
    "release",
    "contact",
    "extend",
    "fulfil",
    "key",
    "chase",
    "publish",
    "unpublish",
)


def _available(user, s: Suggestion) -> dict[str, Any]:
    forms = {}
    for name in ACTION_ORDER:
        action = ACTIONS[name]
        if action.targets is not None and not action.targets(user, s):
            continue
        if action.available(user, s):
            forms[name] = _form_for(name, action, user, s)
    return forms


def _detail_context(request: HttpRequest, s: Suggestion, forms: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    return {
        "s": s,
        "forms": [(name, ACTIONS[name], form) for name, form in forms.items()],
        "can_edit": s.state in (State.DRAFT, State.RETURNED) and can(user, "suggestions.edit", s),
        "can_documents": can(user, "suggestions.view_documents", s),
        "is_office": can(user, "suggestions.view_all"),
        "today": timezone.localdate(),
    }


@login_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    return render(
        request, "suggestions/detail.html", _detail_context(request, s, _available(request.user, s))
    )


@login_required
@require_POST
def suggestion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = _form_for(action, spec, request.user, s, request.POST, request.FILES)
    if form.is_valid():
        try:
            spec.run(request.user, s, form)
        except ValidationError as error:
            _apply_errors(form, error)
        except (Assignment.DoesNotExist, Commitment.DoesNotExist, ExtensionRequest.DoesNotExist) as exc:
            raise Http404 from exc
        else:
            messages.success(request, spec.done)
            return redirect("suggestions:detail", pk=pk)
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    forms = _available(request.user, s)
    forms[action] = form
    context = _detail_context(request, s, forms)
    context["failed"] = action
    return render(request, "suggestions/detail.html", context, status=400)


# --- files and documents -----------------------------------------------------------------------------


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
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
def assignment_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """交办单 (PDF)."""
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    require(request.user, "suggestions.view_documents", s)
    if not s.assigned_on:
        raise Http404
    pdf = render_pdf("suggestions/pdf/assignment_sheet.html", {"s": s, "today": timezone.localdate()})
    return pdf_response(
        pdf, filename=f"交办单-{s.number}.pdf", fallback=f"assignment-{s.pk}.pdf", inline=True
    )


@login_required
def reply_letter(request: HttpRequest, pk: int, reply_pk: int) -> HttpResponse:
    """答复函 (PDF)."""
    s = selectors.suggestion_for(actor=request.user, pk=pk)
    require(request.user, "suggestions.view_documents", s)
    reply = next((r for r in s.replies.all() if r.pk == reply_pk), None)
    if reply is None:
        raise Http404
    pdf = render_pdf(
        "suggestions/pdf/reply_letter.html",
        {"s": s, "reply": reply, "commitments": [c for c in s.commitments.all() if c.reply_id == reply.pk]},
    )
    return pdf_response(
        pdf,
        filename=f"答复函-{s.number}-{reply.round}.pdf",
        fallback=f"reply-{s.pk}-{reply.round}.pdf",
        inline=True,
    )


# --- statistics, public results, categories, notifications ---------------------------------------------


def _dimensions() -> list[tuple[str, str]]:
    return [("unit", _("Unit")), ("deputy", _("Deputy")), ("category", _("Category")), ("year", _("Year"))]


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    params = query_params(request.GET, by=ChoiceParam(selectors.DIMENSIONS, default="unit"), year=YEAR)
    by, year = params["by"], params["year"]
    rows = selectors.suggestion_statistics(actor=request.user, by=by, year=year)
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
            filename=f"代表建议办理统计-{year or '全部'}.xlsx",
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
        "chart": chart,
        "dimensions": _dimensions(),
    }
    return render(request, "suggestions/statistics.html", context)


def public_results(request: HttpRequest) -> HttpResponse:
    """办理结果公开: no sign-in; only the published title, deputy, unit, class and summary."""
    year = _year(request)
    rows = Paginator(selectors.public_results(year=year), 20).get_page(request.GET.get("page"))
    return render(request, "suggestions/public.html", {"page": rows, "year": year})


@login_required
def categories(request: HttpRequest) -> HttpResponse:
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
                _apply_errors(form, error)
            else:
                messages.success(request, _("The category has been added."))
                return redirect("suggestions:categories")
    return render(
        request, "suggestions/categories.html", {"form": form, "categories": SuggestionCategory.objects.all()}
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.user)
    return redirect("core:workbench")

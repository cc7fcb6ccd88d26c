"""系统管理: the administrator's pages for users, organisations, regions and API tokens.

Thin views: they parse the request, call one selector or service, and render. A generated
password or API token is rendered once in the response to the request that made it (never
stored, never put in a message or the session) and the response is marked not to be cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renda.accounts import selectors, services
from renda.accounts.forms import (
    ApiTokenIssueForm,
    OrganisationForm,
    RegionForm,
    UserCreateForm,
    UserEditForm,
)
from renda.accounts.http import AuthedRequest
from renda.accounts.models import Organisation, Region, Role, User
from renda.core.params import ChoiceParam, IdParam, TextParam, query_params
from renda.core.permissions import can, require

USERS_PER_PAGE = 50


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target if field != NON_FIELD_ERRORS else None, error)
    else:
        form.add_error(None, exc)


def _shown_once(request: AuthedRequest, context: dict) -> HttpResponse:
    response = render(request, "accounts/admin/secret_once.html", context)
    add_never_cache_headers(response)
    return response


# --- users ------------------------------------------------------------------------------------


@login_required
def user_list(request: AuthedRequest) -> HttpResponse:
    """用户管理: every account, by role, organisation, status and name."""
    params = query_params(
        request.GET,
        active=ChoiceParam(("1", "0")),
        role=ChoiceParam(Role.values),
        organisation=IdParam(),
        q=TextParam(max_length=50),
    )
    active = params["active"]
    filters = selectors.UserFilter(
        role=params["role"],
        organisation_id=params["organisation"],
        active={"1": True, "0": False}.get(active),
        q=params["q"],
    )
    users = selectors.users_for_admin(actor=request.user, filters=filters)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "active": active,
        "roles": Role.choices,
        "organisations": selectors.organisations_visible_to(actor=request.user).order_by("kind", "code"),
        "locked": selectors.locked_usernames(actor=request.user, usernames=[u.username for u in page]),
    }
    template = "accounts/admin/user_list.html#results" if request.htmx else "accounts/admin/user_list.html"
    return render(request, template, context)


@login_required
def user_create(request: AuthedRequest) -> HttpResponse:
    """新建用户: the generated initial password is shown once on the answer page."""
    require(request.user, "accounts.manage_users")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _shown_once(request, {"target": user, "password": password, "created": True})
    status = 400 if form.errors else 200
    return render(request, "accounts/admin/user_form.html", {"form": form}, status=status)


def _user_edit_context(request: AuthedRequest, target: User) -> dict:
    show_tokens = can(request.user, "accounts.manage_api_tokens", target) and (
        target.role == Role.FINANCE_FEED or target.api_tokens.exists()
    )
    return {
        "target": target,
        "locked": bool(selectors.locked_usernames(actor=request.user, usernames=[target.username])),
        "has_second_factor": selectors.user_has_second_factor(actor=request.user, user=target),
        "show_tokens": show_tokens,
        "tokens": selectors.api_tokens_of(actor=request.user, user=target) if show_tokens else [],
        "token_form": ApiTokenIssueForm() if can(request.user, "accounts.issue_api_token", target) else None,
    }


@login_required
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """修改用户, with the account's lock, second-factor and API-token panels."""
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    initial = {
        "real_name": target.real_name,
        "phone": target.phone,
        "role": target.role,
        "organisation": target.organisation_id,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            target.refresh_from_db()
        else:
            messages.success(request, _("The user has been saved."))
            return redirect("accounts:user_edit", pk=target.pk)
    context = {"form": form, **_user_edit_context(request, target)}
    return render(request, "accounts/admin/user_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def user_password_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    password = services.user_password_reset(actor=request.user, user=target)
    return _shown_once(request, {"target": target, "password": password})


@login_required
@require_POST
def user_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, _("The account has been unlocked."))
    return redirect("accounts:user_edit", pk=target.pk)


@login_required
@require_POST
def user_second_factor_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    services.user_second_factor_reset(actor=request.user, user=target)
    messages.success(
        request, _("The second factor has been reset: the user sets up an authenticator at the next sign-in.")
    )
    return redirect("accounts:user_edit", pk=target.pk)


@login_required
@require_POST
def api_token_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    """签发接口令牌: the raw token is shown once on the answer page."""
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    token_form = ApiTokenIssueForm(request.POST)
    if token_form.is_valid():
        try:
            token, raw = services.api_token_issue(
                actor=request.user,
                user=target,
                name=token_form.cleaned_data["name"],
                expires_on=token_form.cleaned_data["expires_on"],
            )
        except ValidationError as exc:
            _add_errors(token_form, exc)
        else:
            return _shown_once(request, {"target": target, "token": token, "raw_token": raw})
    form = UserEditForm(
        initial={
            "real_name": target.real_name,
            "phone": target.phone,
            "role": target.role,
            "organisation": target.organisation_id,
            "is_active": target.is_active,
        }
    )
    context = {"form": form, **_user_edit_context(request, target), "show_tokens": True}
    context["token_form"] = token_form
    return render(request, "accounts/admin/user_edit.html", context, status=400)


@login_required
@require_POST
def api_token_revoke(request: AuthedRequest, pk: int, token_pk: int) -> HttpResponse:
    target = selectors.user_for_admin(actor=request.user, pk=pk)
    token = selectors.api_token_for_admin(actor=request.user, user=target, pk=token_pk)
    try:
        services.api_token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The API token has been revoked."))
    return redirect("accounts:user_edit", pk=target.pk)


# --- organisations ----------------------------------------------------------------------------


@login_required
def organisation_list(request: AuthedRequest) -> HttpResponse:
    """组织机构: the tree of committees, departments, townships and the finance bureau."""
    rows = selectors.organisation_tree(actor=request.user)
    context = {"rows": rows, "can_manage": can(request.user, "accounts.manage_organisations")}
    return render(request, "accounts/admin/organisation_list.html", context)


def _organisation_form_page(
    request: AuthedRequest, form: OrganisationForm, organisation: Organisation | None
) -> HttpResponse:
    context = {"form": form, "organisation": organisation}
    status = 400 if form.errors else 200
    return render(request, "accounts/admin/organisation_form.html", context, status=status)


@login_required
def organisation_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "accounts.manage_organisations")
    form = OrganisationForm(
        request.POST or None, initial={"parent": query_params(request.GET, parent=IdParam())["parent"]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The organisation has been saved."))
            return redirect("accounts:organisation_list")
    return _organisation_form_page(request, form, None)


@login_required
def organisation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_for_admin(actor=request.user, pk=pk)
    initial = {
        "code": organisation.code,
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "parent": organisation.parent_id,
        "region": organisation.region_id,
        "is_active": organisation.is_active,
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            organisation.refresh_from_db()
        else:
            messages.success(request, _("The organisation has been saved."))
            return redirect("accounts:organisation_list")
    return _organisation_form_page(request, form, organisation)


# --- regions ----------------------------------------------------------------------------------


@login_required
def region_list(request: AuthedRequest) -> HttpResponse:
    """行政区划: county → towns → villages."""
    rows = selectors.region_tree(actor=request.user)
    return render(request, "accounts/admin/region_list.html", {"rows": rows})


def _region_form_page(request: AuthedRequest, form: RegionForm, region: Region | None) -> HttpResponse:
    context = {"form": form, "region": region}
    return render(request, "accounts/admin/region_form.html", context, status=400 if form.errors else 200)


@login_required
def region_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "accounts.manage_regions")
    form = RegionForm(
        request.POST or None, initial={"parent": query_params(request.GET, parent=IdParam())["parent"]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.region_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The region has been saved."))
            return redirect("accounts:region_list")
    return _region_form_page(request, form, None)


@login_required
def region_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    region = selectors.region_for_admin(actor=request.user, pk=pk)
    initial = {"code": region.code, "name": region.name, "parent": region.parent_id}
    form = RegionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_update(actor=request.user, region=region, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            region.refresh_from_db()
        else:
            messages.success(request, _("The region has been saved."))
            return redirect("accounts:region_list")
    return _region_form_page(request, form, region)

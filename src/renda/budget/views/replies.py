"""复函与附件: what the finding's page and the letter's page (函询在线答复) share — the forms that answer,
accept or return a reply (and the finding's other acts), and the files of a letter served after the
permission check.

- :func:`act_on_finding` runs one act of the finding's workflow from the POSTed form: back to the
  page on success, the page again with the form and the service's reasons (400) when refused.
- :func:`file_after_check` looks a file's owner up through a selector scoped to the actor (a row
  the actor may not see is a 404, as one that does not exist) and streams the file.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect

from renda.accounts.http import AuthedRequest
from renda.budget.models import Finding
from renda.budget.workflow import FINDING
from renda.core.views.acts import OfferedAct, run_act

Owner = TypeVar("Owner", bound=Model)

# The page shown again after a refusal: (the acts offered, with the refused form; its name).
FailedPage = Callable[[list[OfferedAct], str], HttpResponse]


def visible_or_404(lookup: Callable[[], Owner], missing: type[Model]) -> Owner:
    """``lookup()`` (a selector scoped to the actor), or 404 when the actor may not see the row."""
    try:
        return lookup()
    except missing.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None


def act_on_finding(
    request: AuthedRequest,
    finding: Finding,
    action: str,
    *,
    reload: Callable[[], Finding],
    done: str,
    failed_page: FailedPage,
) -> HttpResponse:
    """Run ``action`` on ``finding`` from the POSTed form (the service decides and checks)."""
    outcome = run_act(request, FINDING, finding, action, reload=reload)
    if outcome.done:
        return redirect(done)
    response = failed_page(outcome.offered, outcome.failed)
    response.status_code = 400
    return response


def serve_stored(stored: FieldFile, name: str) -> FileResponse:
    """A stored file, streamed only after the permission check; never served from MEDIA_URL."""
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_after_check(
    lookup: Callable[[], Owner], missing: type[Model], file_of: Callable[[Owner], tuple[FieldFile, str]]
) -> FileResponse:
    """The file of the row ``lookup()`` finds for the actor (404 when hidden, gone or empty)."""
    stored, name = file_of(visible_or_404(lookup, missing))
    return serve_stored(stored, name)

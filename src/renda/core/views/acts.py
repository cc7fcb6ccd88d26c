"""The one view piece every workflow's detail page uses to offer and run its acts (办理操作).

A module's detail view calls :func:`offered_acts` to list the acts the person may do now (each with
its empty form), and its ``…/act/<name>/`` view calls :func:`run_act`, which validates the act's form,
calls the service the act declares and either reports success or returns the forms again with the
service's errors on the failed one. Nothing here knows a module: the declarations live in each app's
``workflow.py`` (see :mod:`renda.core.workflow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404

from renda.core.http import AuthedRequest
from renda.core.workflow import Act, Workflow, errors_onto_form


class OfferedAct(NamedTuple):
    """An act on the page: its declaration and its form (bound and with errors after a failed POST).

    Templates unpack it: ``{% for name, act, form in forms %}``.
    """

    name: str
    act: Act
    form: forms.Form


def offered_acts(request: AuthedRequest, workflow: Workflow[Any], obj: Any) -> list[OfferedAct]:
    """The acts ``request.user`` may do on ``obj`` now, each with an empty form."""
    user = request.user
    return [OfferedAct(a.name, a, workflow.form_for(a, user, obj)) for a in workflow.acts_for(user, obj)]


@dataclass
class ActOutcome:
    done: bool
    offered: list[OfferedAct]
    failed: str = ""


def run_act(
    request: AuthedRequest, workflow: Workflow[Any], obj: Any, name: str, *, reload: Any = None
) -> ActOutcome:
    """Run the act ``name`` on ``obj`` from the POSTed form.

    The service is the authority (it checks permission and state itself and raises); this only
    parses the form and puts the service's refusal on it. ``reload()`` reads the object again for the
    page shown after a failure (default: the same object).
    """
    act = workflow.acts.get(name)
    if act is None:
        raise Http404
    user = request.user
    form = workflow.form_for(act, user, obj, request.POST, request.FILES)
    if form.is_valid():
        try:
            act.run(user, obj, form)
        except ValidationError as error:
            errors_onto_form(form, error)
        except ObjectDoesNotExist as exc:  # a target chosen on the form that is not this object's
            raise Http404 from exc
        else:
            if act.done:
                messages.success(request, str(act.done))
            return ActOutcome(True, [])
    fresh = reload() if reload is not None else obj
    offered = offered_acts(request, workflow, fresh)
    for index, item in enumerate(offered):
        if item.name == name:
            offered[index] = item._replace(form=form)
            break
    else:
        offered.insert(0, OfferedAct(name, act, form))
    return ActOutcome(False, offered, failed=name)

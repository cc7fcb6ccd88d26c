"""人员称呼: how pages, letters and exports name who acted — a name and a role, never a login name."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

__all__ = ["anonymous_label", "person_label"]


def person_label(person: Any) -> str:
    """A person's name and role as pages, letters and exports show them: “张三（县教育局）” for a
    unit's clerk, “李四（代表）” for a deputy (the organisation when the person has one, else the role).
    Duck-typed on the platform's user (``display_name``, ``get_role_display``, ``organisation``) so
    that core imports no app."""
    name = str(getattr(person, "display_name", "") or person)
    organisation = getattr(person, "organisation", None)
    role = str(organisation) if organisation is not None else ""
    if not role and hasattr(person, "get_role_display"):
        role = str(person.get_role_display())
    if not role:
        return name
    return _("%(name)s (%(role)s)") % {"name": name, "role": role}


#: What the histories stored for acts done without an account (the liaison code "citizen", the
#: audit's "anonymous") or by the platform, shown as words.
_ANONYMOUS = {
    "": gettext_lazy("System"),
    "citizen": gettext_lazy("Citizen (public)"),
    "anonymous": gettext_lazy("Citizen (public)"),
    "system": gettext_lazy("System"),
    "System": gettext_lazy("System"),
    "系统": gettext_lazy("System"),
}


def anonymous_label(stored_name: str) -> str:
    """The stored name of an act without a person (see :data:`_ANONYMOUS`) as words."""
    label = _ANONYMOUS.get(stored_name)
    return str(label) if label is not None else stored_name

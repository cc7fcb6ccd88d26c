"""流程内核: the one workflow kernel every module's state machine runs on.

A module declares its workflow once (``<app>/workflow.py``)::

    SUGGESTION = Workflow(
        name="suggestions.suggestion",
        model=Suggestion,
        audit_prefix="suggestions.",
        event_model=Event,            # inherits WorkflowEvent: append-only
        event_link="suggestion",      # the event's foreign key to the object
        transitions={State.DRAFT: {State.SUBMITTED}, ...},
        audited=("state", "number", ...),
    )
    SUGGESTION.declare(Act("assign", _("Assign"), to=State.ASSIGNED, permission="suggestions.assign",
                           form=AssignForm, run=lambda actor, obj, data: suggestion_assign(...)))

and its services use the kernel for the moves::

    with SUGGESTION.step(suggestion, actor=actor, action="assign", to=State.ASSIGNED) as s:
        s.reply_due = ...

``step`` re-reads the row under ``select_for_update``, checks the transition table (one
:class:`WrongState` with one code and a Chinese message naming the state), lets the service change
the object, then saves it, writes exactly one event row and one audit row. The generic act views
(``renda.core.views.acts``) offer the acts an actor may do now, run the chosen one and put its errors
on its form; the audit log's labels come from the same declaration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.core.audit import audit, label_actions, snapshot
from renda.core.people import anonymous_label, person_label
from renda.core.permissions import can

M = TypeVar("M", bound=models.Model)


class WrongState(ValidationError):
    """The act is not allowed in the object's current state (code ``wrong_state``)."""


class AppendOnlyError(RuntimeError):
    """A workflow event was about to be changed or deleted: the history is append-only."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Workflow events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Workflow events are append-only.")


class WorkflowEvent(models.Model):
    """办理过程: one append-only row per move or act — who, when, from which state to which, why.

    Every module's event table inherits this (each keeps its own table and its link to its object).
    Rows are written once; ``save`` of a stored row, ``delete`` and queryset ``update``/``delete``
    raise :class:`AppendOnlyError`. (Deleting the object itself still removes its history.)
    """

    action = models.CharField(gettext_lazy("action"), max_length=40, blank=True)
    from_state = models.CharField(gettext_lazy("from"), max_length=20, blank=True)
    to_state = models.CharField(gettext_lazy("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(gettext_lazy("note"), blank=True)
    at = models.DateTimeField(gettext_lazy("at"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Workflow events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Workflow events are append-only.")

    @property
    def actor_display(self) -> str:
        """Who acted, as a reader names them: the person's name and role (or organisation), “群众”
        for a citizen without an account, “系统” for the platform itself — never a login name."""
        if self.actor is not None:
            return person_label(self.actor)
        return anonymous_label(self.actor_name)


def _person(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


class EmptyForm(forms.Form):
    """The form of an act that asks for nothing but the click."""


@dataclass(frozen=True)
class Act:
    """One thing a person can do to an object of a workflow, declared once.

    ``to`` is the state the act moves to (``None``: the act records something without a move); the
    act is offered in the states ``when`` lists, or else in every state from which ``to`` may be
    reached. ``run(actor, obj, form)`` calls the module's service. ``available(actor, obj)`` narrows
    the offer further (e.g. a co-signer who has not signed yet). ``form_kwargs(actor, obj)`` gives
    the form its choices. ``heading`` titles the card that holds the act's form.
    """

    name: str
    label: Any
    run: Callable[[Any, Any, Any], Any]
    permission: str
    to: str | None = None
    when: Collection[str] | None = None
    form: type[forms.Form] = EmptyForm
    done: Any = ""
    style: str = "primary"
    available: Callable[[Any, Any], bool] | None = None
    form_kwargs: Callable[[Any, Any], dict[str, Any]] | None = None
    audit_label: Any = None
    # The heading of the act's card: what the act does ("转交承办单位"), when the button's label is
    # only a verb ("转办"); pages show :attr:`title`.
    heading: Any = None

    @property
    def title(self) -> Any:
        """What the act's card is headed with: its ``heading``, else its label."""
        return self.heading or self.label


@dataclass
class Step(Generic[M]):
    """What the body of :meth:`Workflow.step` fills in: the note, the target, extra event fields,
    hooks run on the event before it is saved (e.g. storing an attachment) and audit details.
    After the block, ``recorded`` is the event row written (e.g. to link files to it)."""

    obj: M
    to: str | None = None
    note: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    prepare: list[Callable[[WorkflowEvent], None]] = field(default_factory=list)
    audit_after: dict[str, Any] = field(default_factory=dict)
    audit_note: str = ""
    recorded: WorkflowEvent | None = None


@dataclass
class Workflow(Generic[M]):
    """A module's state machine: the transition table, the event table, who may do what."""

    name: str
    model: type[M]
    event_model: type[WorkflowEvent]
    event_link: str
    transitions: Mapping[str, Iterable[str]]
    # The audit log's action is this prefix and the act's name ("budget.finding_" + "close").
    audit_prefix: str = ""
    audited: tuple[str, ...] = ("state",)
    state_field: str = "state"
    states: type[models.TextChoices] | None = None
    # Moves that need more than the act's permission, e.g. reopening: {(from, to): permission}.
    guarded_moves: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Narrows the rows an act may lock (e.g. to the installation's region).
    scope: Callable[[models.QuerySet], models.QuerySet] | None = None
    # How the history names who acted (default: the person, or "System" when no one signed in).
    actor_label: Callable[[Any], str] | None = None
    acts: dict[str, Act] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.transitions = {source: frozenset(targets) for source, targets in self.transitions.items()}
        WORKFLOWS[self.name] = self

    # --- the table ----------------------------------------------------------------------------

    def can_move(self, from_state: str, to_state: str) -> bool:
        return to_state in self.transitions.get(from_state, frozenset())

    def state_label(self, state: str) -> str:
        states = self.states or getattr(self.model, "State", None)
        if states is not None and state in states.values:
            return str(states(state).label)
        return state

    def wrong_state(self, obj: M, to: str | None = None) -> WrongState:
        state = getattr(obj, self.state_field)
        name = str(self.model._meta.verbose_name)
        if to is None:
            message = _("This cannot be done while the %(object)s is “%(state)s”.") % {
                "object": name,
                "state": self.state_label(state),
            }
        else:
            message = _("A %(object)s that is “%(state)s” cannot become “%(to)s”.") % {
                "object": name,
                "state": self.state_label(state),
                "to": self.state_label(to),
            }
        return WrongState(message, code="wrong_state")

    def require_state(self, obj: M, *states: str) -> None:
        if getattr(obj, self.state_field) not in states:
            raise self.wrong_state(obj)

    def check_move(self, actor: Any, obj: M, to: str) -> None:
        source = getattr(obj, self.state_field)
        if not self.can_move(source, to):
            raise self.wrong_state(obj, to)
        permission = self.guarded_moves.get((source, to))
        if permission is not None and not can(actor, permission, obj):
            raise WrongState(
                _("Only an administrator can move a %(object)s that is “%(state)s” to “%(to)s”.")
                % {
                    "object": str(self.model._meta.verbose_name),
                    "state": self.state_label(source),
                    "to": self.state_label(to),
                },
                code="wrong_state",
            )

    # --- the moves ----------------------------------------------------------------------------

    def lock(self, obj: M) -> M:
        """Re-read ``obj`` under ``select_for_update`` (into the same instance), so acts cannot interleave."""
        rows = self.model._default_manager.select_for_update()
        if self.scope is not None:
            rows = self.scope(rows)
        fresh = rows.get(pk=obj.pk)
        obj.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
        return obj

    def record(
        self,
        obj: M,
        *,
        actor: Any,
        action: str,
        from_state: str | None = None,
        to_state: str = "",
        note: str = "",
        fields: Mapping[str, Any] | None = None,
        prepare: Iterable[Callable[[WorkflowEvent], None]] = (),
    ) -> WorkflowEvent:
        """Append one event row (without moving or auditing: :meth:`step` does both).

        ``from_state`` defaults to the object's state; an empty one is kept (an object created by a
        step comes from no state)."""
        state = getattr(obj, self.state_field)
        person = _person(actor)
        event = self.event_model(
            **{self.event_link: obj},
            action=action,
            from_state=state if from_state is None else from_state,
            to_state=to_state or state,
            actor=person,
            actor_name=(
                self.actor_label(actor)
                if self.actor_label is not None
                else str(person)
                if person is not None
                else _("System")
            )[:150],
            note=note,
            **dict(fields or {}),
        )
        for hook in prepare:
            hook(event)
        event.save()
        return event

    @contextlib.contextmanager
    def step(
        self,
        obj: M,
        *,
        actor: Any,
        action: str,
        to: str | None = None,
        when: Iterable[str] | None = None,
        note: str = "",
        lock: bool = True,
        audit_action: str | None = None,
    ) -> Iterator[Step[M]]:
        """One act: lock, check, let the caller change ``obj``, then save, one event, one audit row.

        ``to``: the state to move to, checked against the table and the guarded moves before the
        body runs (the body may choose it instead, setting ``step.to``, which is checked after);
        ``when``: the states an act that does not move may start from. The body fills in the
        :class:`Step` (note, extra event fields, audit details) and may raise to undo everything
        (the calling service is atomic). ``audit_action``: the audit log's action name when it is
        not the event's ``action`` (a module whose audit codes predate the kernel).
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Workflow.step runs inside a service's transaction.")
        if lock and obj.pk is not None:
            self.lock(obj)
        source = getattr(obj, self.state_field)
        if when is not None and source not in set(when):
            raise self.wrong_state(obj)
        if to is not None:
            self.check_move(actor, obj, to)
        before = snapshot(obj, self.audited)
        step = Step(obj=obj, to=to, note=note)
        yield step
        if step.to is not None:
            if step.to != to:
                self.check_move(actor, obj, step.to)
            setattr(obj, self.state_field, step.to)
        obj.save()
        step.recorded = self.record(
            obj,
            actor=actor,
            action=action,
            from_state=source,
            to_state=getattr(obj, self.state_field),
            note=step.note,
            fields=step.event,
            prepare=step.prepare,
        )
        audit(
            actor,
            self.audit_action(audit_action or action),
            obj,
            before=before,
            after={**snapshot(obj, self.audited), **step.audit_after},
            note=step.audit_note,
        )

    def audit_action(self, action: str) -> str:
        return f"{self.audit_prefix or self.name.split('.')[0] + '.'}{action}"

    # --- the acts -----------------------------------------------------------------------------

    def declare(self, *acts: Act) -> None:
        """Register the workflow's acts (in the order the detail page offers them) and their labels."""
        for act in acts:
            self.acts[act.name] = act
        label_actions({self.audit_action(a.name): a.audit_label or a.label for a in acts})

    def offered_from(self, act: Act) -> frozenset[str]:
        if act.when is not None:
            return frozenset(act.when)
        if act.to is None:
            return frozenset(self.transitions)
        return frozenset(s for s, targets in self.transitions.items() if act.to in targets)

    def acts_for(self, actor: Any, obj: M) -> list[Act]:
        """The acts ``actor`` may do on ``obj`` now, in declaration order."""
        state = getattr(obj, self.state_field)
        offered = []
        for act in self.acts.values():
            if state not in self.offered_from(act):
                continue
            guard = self.guarded_moves.get((state, act.to)) if act.to is not None else None
            if guard is not None and not can(actor, guard, obj):
                continue
            if not can(actor, act.permission, obj):
                continue
            if act.available is not None and not act.available(actor, obj):
                continue
            offered.append(act)
        return offered

    def form_for(self, act: Act, actor: Any, obj: M, data: Any = None, files: Any = None) -> forms.Form:
        kwargs = act.form_kwargs(actor, obj) if act.form_kwargs is not None else {}
        return act.form(data, files, prefix=act.name, **kwargs)


# Every declared workflow by name (the contract test walks them).
WORKFLOWS: dict[str, Workflow[Any]] = {}


def errors_onto_form(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on ``form``: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)

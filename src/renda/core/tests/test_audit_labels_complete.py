"""Every audit action of every module has a label (issue 15.7).

The audit log names an action by its label (代表建议办理 · 交办); an action without one shows its code.
This walks every action the platform can write, found three ways, and fails on any without a label:

- every permission of the rule set (a refused permission is audited under the permission's name);
- every act declared on a workflow (``Workflow.declare``) and every ``Workflow.step`` in the source
  (its action, or its ``audit_action=``, behind the workflow's prefix);
- every ``audit(actor, "app.action", …)`` in the source, with an f-string's parts expanded over the
  values it can take (the import kinds).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import rules.permissions

from renda.core.audit_labels import ACTION_LABELS
from renda.core.workflow import WORKFLOWS, Workflow

SOURCE = Path(__file__).resolve().parents[2]
#: The modules of the platform that write audit rows (tests, migrations and the demo excluded).
APPS = ("core", "accounts", "deputies", "liaison", "suggestions", "budget", "api")


def _source_files():
    for app in APPS:
        for path in sorted((SOURCE / app).rglob("*.py")):
            parts = path.relative_to(SOURCE).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def _module_name(path: Path) -> str:
    relative = path.relative_to(SOURCE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _pattern(node: ast.AST) -> str | None:
    """An f-string as a regular expression (each placeholder any word)."""
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for value in node.values:
        text = _literal(value)
        parts.append(re.escape(text) if text is not None else r"\w+")
    return "".join(parts)


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def written_actions() -> tuple[set[str], set[str], list[str]]:
    """(actions written literally, f-string patterns, steps whose workflow could not be resolved)."""
    actions: set[str] = set()
    patterns: set[str] = set()
    unresolved: list[str] = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = None
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "audit" and len(node.args) >= 2:
                text = _literal(node.args[1])
                if text is not None:
                    actions.add(text)
                elif (pattern := _pattern(node.args[1])) is not None:
                    patterns.add(pattern)
            if isinstance(func, ast.Attribute) and func.attr == "step" and isinstance(func.value, ast.Name):
                action = _literal(_keyword(node, "audit_action")) or _literal(_keyword(node, "action"))
                if action is None:
                    continue
                module = module or importlib.import_module(_module_name(path))
                workflow = getattr(module, func.value.id, None)
                if not isinstance(workflow, Workflow):
                    unresolved.append(f"{path.name}: {func.value.id}.step(action={action!r})")
                    continue
                actions.add(workflow.audit_action(action))
    return actions, patterns, unresolved


def test_every_permission_has_a_label():
    """A refusal is audited under the permission's name: each one reads as words."""
    missing = sorted(name for name in rules.permissions.permissions if name not in ACTION_LABELS)
    assert not missing, f"permissions without an audit label: {missing}"


def test_every_declared_act_has_a_label():
    missing = sorted(
        workflow.audit_action(act.name)
        for workflow in WORKFLOWS.values()
        for act in workflow.acts.values()
        if workflow.audit_action(act.name) not in ACTION_LABELS
    )
    assert not missing, f"acts without an audit label: {missing}"


def test_every_action_written_in_the_source_has_a_label():
    actions, patterns, unresolved = written_actions()
    assert not unresolved, unresolved
    assert len(actions) > 50  # the walk found the platform's actions, not nothing
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert not missing, f"audit actions without a label: {missing}"
    for pattern in sorted(patterns):
        assert any(re.fullmatch(pattern, name) for name in ACTION_LABELS), (
            f"no label for any action of the form {pattern}"
        )


def test_budget_import_actions_of_every_kind_have_labels():
    """``budget.import_{kind}_change`` is written for every kind of import."""
    from renda.budget.models import ImportBatch

    missing = [
        f"budget.import_{kind}_change"
        for kind in ImportBatch.Kind.values
        if f"budget.import_{kind}_change" not in ACTION_LABELS
    ]
    assert not missing, missing

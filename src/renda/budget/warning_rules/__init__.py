"""预警: the warning rule engine of the budget module (rules as set-based SQL)."""

from renda.budget.warning_rules.registry import RULES, RuleSpec, rule_name

__all__ = ["RULES", "RuleSpec", "rule_name"]

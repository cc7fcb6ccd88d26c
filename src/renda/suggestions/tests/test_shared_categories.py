"""One list of categories for 代表建议 and 网上家站 (issue 15.8), in both languages."""

from __future__ import annotations

import importlib

import pytest
from django.utils import translation

from renda.core.categories import TOPIC_NAMES, Topic
from renda.liaison.forms import OpinionForm
from renda.liaison.models import Category
from renda.suggestions.models import SuggestionCategory

pytestmark = pytest.mark.django_db


def test_suggestions_and_opinions_offer_the_same_subjects():
    """The migrated categories of a county cover the shared list, and opinions use the same list."""
    assert Category is Topic
    tied = {c.topic for c in SuggestionCategory.objects.filter(is_active=True) if c.topic}
    assert tied == set(Topic.values)
    opinion_choices = {value for value, _label in OpinionForm().fields["category"].widget.choices if value}
    assert opinion_choices == set(Topic.values)


def test_a_category_reads_alike_in_both_modules_and_in_english():
    education = SuggestionCategory.objects.get(topic=Topic.EDUCATION)
    with translation.override("zh-hans"):
        assert str(education) == TOPIC_NAMES[Topic.EDUCATION] == str(Topic.EDUCATION.label) == "教育"
    with translation.override("en"):
        assert str(education) == "Education"
        assert str(SuggestionCategory.objects.get(topic=Topic.URBAN)) == "Urban and rural construction"


def test_a_countys_own_category_keeps_its_name():
    own = SuggestionCategory.objects.create(name="乡村振兴", order=5)
    with translation.override("en"):
        assert str(own) == "乡村振兴"


def test_the_migration_ties_a_countys_names_and_adds_the_missing_subjects():
    """Run the data step on a county whose list is written its own way (交通, 环保, no 公共安全)."""
    from django.apps import apps as live_apps

    migration = importlib.import_module("renda.suggestions.migrations.0008_shared_categories")
    SuggestionCategory.objects.all().delete()
    for order, name in enumerate(["交通", "环保", "教育", "乡村振兴", "其他"], start=1):
        SuggestionCategory.objects.create(name=name, order=order * 10)
    migration.tie(live_apps, None)
    topics = dict(SuggestionCategory.objects.values_list("name", "topic"))
    assert topics["交通"] == "transport" and topics["环保"] == "environment" and topics["乡村振兴"] == ""
    assert topics["公共安全"] == "safety"  # added
    assert set(topics.values()) - {""} == set(Topic.values)
    last = SuggestionCategory.objects.order_by("order").last()
    assert last is not None and last.name == "其他"

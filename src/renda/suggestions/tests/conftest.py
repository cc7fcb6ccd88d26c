"""Fixtures of the suggestions tests: a county term, deputies, the office, two units and helpers."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.accounts.models import Organisation, Role
from renda.deputies.models import Deputy, Level, Term
from renda.suggestions import services
from renda.suggestions.models import State, Suggestion, SuggestionCategory
from renda.suggestions.tests.letter import LETTER

_n = itertools.count(1)

CONTENT = "城关街道幸福小区建成于上世纪九十年代，排水管网老化，雨季积水严重，建议纳入老旧小区改造计划。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def term(county) -> Term:
    return Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2030, 12, 31),
        is_current=True,
    )


@pytest.fixture
def make_deputy(make_user, term, county):
    def make(user=None, name: str = "") -> Deputy:
        n = next(_n)
        user = user or make_user(Role.DEPUTY)
        return Deputy.objects.create_seat(
            term=term, region=county, number=f"19{n:03d}", name=name or user.real_name, gender="M", user=user
        )

    return make


@pytest.fixture
def deputy(make_deputy) -> Deputy:
    return make_deputy(name="李代表")


@pytest.fixture
def cosigner(make_deputy) -> Deputy:
    return make_deputy(name="王代表")


@pytest.fixture
def other_deputy(make_deputy) -> Deputy:
    return make_deputy(name="赵代表")


@pytest.fixture
def office(staff_user):
    """A staff member of the deputy affairs office (organisation named 代表工作委员会…)."""
    return staff_user


@pytest.fixture
def other_staff(make_user, make_organisation):
    return make_user(
        Role.STAFF, organisation=make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会")
    )


@pytest.fixture
def lead_unit(make_organisation) -> Organisation:
    return make_organisation(name="县住房和城乡建设局", short_name="住建局")


@pytest.fixture
def co_unit(make_organisation) -> Organisation:
    return make_organisation(name="县城市管理执法局", short_name="城管执法局")


@pytest.fixture
def third_unit(make_organisation) -> Organisation:
    return make_organisation(name="县水利局", short_name="水利局")


@pytest.fixture
def lead_clerk(make_user, lead_unit):
    return make_user(Role.UNIT_HANDLER, organisation=lead_unit)


@pytest.fixture
def co_clerk(make_user, co_unit):
    return make_user(Role.UNIT_HANDLER, organisation=co_unit)


@pytest.fixture
def other_clerk(make_user, third_unit):
    return make_user(Role.UNIT_HANDLER, organisation=third_unit)


@pytest.fixture
def category() -> SuggestionCategory:
    # get_or_create: a transactional (browser) test elsewhere may have flushed the migration's rows.
    return SuggestionCategory.objects.get_or_create(name="城乡建设")[0]


def pdf_upload(name: str = "材料.pdf", size: int = 2000) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf")


class Flow:
    """Push a suggestion through the workflow with the real services."""

    def __init__(self, deputy, cosigner, office, lead_unit, co_unit, lead_clerk, co_clerk, category):
        self.deputy, self.cosigner, self.office = deputy, cosigner, office
        self.lead_unit, self.co_unit, self.lead_clerk, self.co_clerk = (
            lead_unit,
            co_unit,
            lead_clerk,
            co_clerk,
        )
        self.category = category

    def draft(self, title: str = "关于幸福小区老旧管网改造的建议", content: str = CONTENT) -> Suggestion:
        return services.suggestion_create(
            actor=self.deputy.user,
            title=title,
            content=content,
            category=self.category,
            cosigners=[self.cosigner],
        )

    def co_opinions(self, s: Suggestion) -> None:
        for co in s.assignments.filter(role="co", ended_at=None, opinion_at=None):
            services.assignment_send_opinion(
                actor=self.co_clerk, assignment=co, text="同意主办单位的处理意见。"
            )

    def handling(self, **kw) -> Suggestion:
        """办理中 with the co-unit's opinion still awaited (the lead unit accepted, the co-unit not yet)."""
        s = self.to(State.ASSIGNED, **kw)
        services.assignment_accept(actor=self.lead_clerk, assignment=s.assignments.get(role="lead"))
        return self.refresh(s)

    def refresh(self, s: Suggestion) -> Suggestion:
        return Suggestion.objects.get(pk=s.pk)

    def to(self, state: str, s: Suggestion | None = None, **kw) -> Suggestion:
        s = s or self.draft(**kw)
        path: list[str] = [
            State.SUBMITTED,
            State.REGISTERED,
            State.ASSIGNED,
            State.IN_PROGRESS,
            State.REPLIED,
            State.CLOSED,
        ]
        if state == State.DRAFT:
            return s
        done = path.index(s.state) + 1 if s.state in path else 0
        for step in path[done:]:
            s = self.refresh(s)
            if step == State.SUBMITTED:
                services.suggestion_submit(actor=self.deputy.user, suggestion=s)
            elif step == State.REGISTERED:
                services.suggestion_register(actor=self.office, suggestion=s)
            elif step == State.ASSIGNED:
                services.suggestion_assign(
                    actor=self.office, suggestion=s, lead=self.lead_unit, co_units=[self.co_unit]
                )
            elif step == State.IN_PROGRESS:
                services.assignment_accept(
                    actor=self.lead_clerk, assignment=s.assignments.get(role="lead", ended_at=None)
                )
                # The co-unit's opinion, which the lead unit's reply waits for (flow.handling() stops
                # before it).
                self.co_opinions(s)
            elif step == State.REPLIED:
                services.suggestion_reply(
                    actor=self.lead_clerk, suggestion=s, reply_class="A", **LETTER, text="已解决。"
                )
            elif step == State.CLOSED:
                services.suggestion_rate(actor=self.deputy.user, suggestion=s, result="satisfied", attitude=5)
            if step == state:
                break
        return self.refresh(s)


@pytest.fixture
def flow(deputy, cosigner, office, lead_unit, co_unit, lead_clerk, co_clerk, category) -> Flow:
    return Flow(deputy, cosigner, office, lead_unit, co_unit, lead_clerk, co_clerk, category)

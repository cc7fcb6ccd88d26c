"""The API against its own OpenAPI schema: schemathesis ``--checks all`` as three actors.

The schema is the one the application serves at ``/api/v1/openapi.json`` (read through the WSGI
application, as a client would); every operation is called in-process with generated data —
the schema's examples, its boundary and negative cases (coverage phase) and random valid and
invalid data (fuzzing) — as an anonymous client, as the finance feed (a Bearer token) and as a
deputy signed in with a session cookie (and the CSRF token a browser sends). Every response must
pass every check: no 5xx, a documented status, content type, headers and body, invalid data
refused, valid data not refused with a status the API does not use for it.

Bounded and reproducible: a fixed seed, deterministic generation, a few examples per operation.
``SCHEMATHESIS_MAX_EXAMPLES`` raises the number for a longer run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from renda.accounts.models import ApiToken
from renda.deputies.models import Deputy, Level, Term
from renda.suggestions import services as suggestions
from renda.suggestions.models import SuggestionCategory
from renda.wsgi import application

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
SEED = 13
CSRF_SECRET = "s" * 32  # a CSRF secret; Django accepts it unmasked in the header
TOKEN = "rdt_schemathesis_0123456789abcdef"
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # schemathesis' default, less 5xx

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "checks": {
            "enabled": True,  # --checks all
            # Data the schema allows may still be refused by a service: 400 invalid_data (no such
            # town, a wrong state), as documented; schemathesis' defaults otherwise.
            "positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400"]},
        },
        "phases": {"stateful": {"enabled": False}},  # the schema declares no links
        "operations": [
            {  # a batch whose rows are refused is a 422 with the rows' errors (docs/data-interface.md §6)
                "include-path": "/api/v1/budget/{kind}/batches",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400", "422"]}},
            }
        ],
    }
)

# The document the application serves (an anonymous GET that touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

# The run's figures, printed at the end of the module (``-s``): examples per actor, and with
# ``SCHEMATHESIS_COLLECT=1`` every failure is counted instead of stopping at an operation's first.
COLLECT = os.environ.get("SCHEMATHESIS_COLLECT") == "1"
EXAMPLES: Counter[str] = Counter()
FAILURES: Counter[tuple[str, str, str]] = Counter()
STATUSES: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module", autouse=True)
def figures():
    yield
    operations = len([result for result in schema.get_all_operations() if isinstance(result, Ok)])
    failures = sum(FAILURES.values())
    print(f"\nschemathesis: {operations} operations, examples {dict(EXAMPLES)}, failures {failures}")
    print("  statuses", dict(sorted(STATUSES.items())))
    for (actor, operation, title), count in sorted(FAILURES.items()):
        print(f"  {actor:12} {operation:45} {title} ×{count}")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The requests go through the real WSGI handler, whose request signals close the database
    connection (on PostgreSQL, the test's, rolling its transaction back); Django's test client
    does what this does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def category(db):
    return SuggestionCategory.objects.get_or_create(name="城乡建设")[0]


@pytest.fixture
def anonymous(category):
    return {}, {}


@pytest.fixture
def finance_feed(category, finance_feed_user):
    ApiToken.objects.create(
        user=finance_feed_user, name="schemathesis", token_hash=ApiToken.hash(TOKEN), prefix=TOKEN[:8]
    )
    return {"Authorization": f"Bearer {TOKEN}"}, {}


@pytest.fixture
def deputy(category, county, deputy_user, client_for):
    """A deputy of the current term, signed in, with a draft suggestion (the first id, on SQLite)."""
    term = Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2030, 12, 31),
        is_current=True,
    )
    Deputy.objects.create_seat(
        term=term, region=county, number="19001", name="李代表", gender="M", user=deputy_user
    )
    suggestions.suggestion_create(
        actor=deputy_user,
        title="老旧小区排水改造",
        content="城关街道幸福小区排水管网老化，雨季积水严重，建议纳入改造计划。",
        category=category,
        cosigners=[],
    )
    session = client_for(deputy_user).cookies[django_settings.SESSION_COOKIE_NAME].value
    cookies = {django_settings.SESSION_COOKIE_NAME: session, django_settings.CSRF_COOKIE_NAME: CSRF_SECRET}
    return {"X-CSRFToken": CSRF_SECRET}, cookies


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run(actor: str, case, credentials: tuple[dict[str, str], dict[str, str]]) -> None:
    """Call ``case`` as the actor and check the answer.

    An actor with credentials replaces whatever credentials the case generated with its own, marked
    explicit (as an auth provider would), so that ``ignored_auth`` probes the operation without them.
    """
    headers, cookies = credentials
    EXAMPLES[actor] += 1
    if headers or cookies:
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers.update(headers)
        session_cookie = django_settings.SESSION_COOKIE_NAME
        generated = {k: v for k, v in (case.cookies or {}).items() if k != session_cookie}
        case.cookies = {**generated, **cookies}
        case._has_explicit_auth = True
    response = case.call()
    STATUSES[(actor, response.status_code)] += 1
    try:
        case.validate_response(response)
    except FailureGroup as group:
        for failure in group.exceptions:
            FAILURES[(actor, case.operation.label, failure.title)] += 1
        if not COLLECT:
            raise


@schema.parametrize()
@HYPOTHESIS
def test_anonymous(case, anonymous):
    run("anonymous", case, anonymous)


@schema.parametrize()
@HYPOTHESIS
def test_finance_feed(case, finance_feed):
    run("finance_feed", case, finance_feed)


@schema.parametrize()
@HYPOTHESIS
def test_deputy(case, deputy):
    run("deputy", case, deputy)

"""Bad input never gives a 5xx: every URL pattern and every API operation, walked with hostile values.

The walk resolves the project's URL patterns and fills their path converters with hostile values,
then, for each page a person reaches, sends hostile values in every query parameter and form
field the page reads (found by recording what the view reads from ``request.GET``/``request.POST``
on a first probe). The API's operations come from its OpenAPI schema: hostile values in every
query parameter and every property of the JSON body. It walks as anonymous, a deputy, a staff
member past the second factor, an administrator and the finance feed (API token), and fails on
any 5xx with the list of requests that gave one.

Hostile values: ``²`` (which ``str.isdigit`` accepts and ``int`` refuses), 2^63 and 2^64 (past a
database integer), -1, a NUL byte (PostgreSQL refuses it in text), a vertical tab (an Excel sheet
cannot hold it), a very long string, 9999-12-31 (the last date: one day more overflows), empty.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from renda.accounts.models import ApiToken, Region, Role
from renda.conftest import sign_in
from renda.deputies.models import Deputy, Level, Term

pytestmark = pytest.mark.django_db

HOSTILE: list[Any] = ["²", 2**63, 2**64, -1, "\x00", "a\x0bb", "长" * 3000, "9999-12-31", ""]
HOSTILE_PATH_INT = [2**63, 2**64]
HOSTILE_PATH_STR = ["²", "\x00", "a\x0bb", "x" * 2000]
PROBE = "_probe_"
FIXED = {"captcha_0": "x", "captcha_1": "PASSED"}  # the test-mode challenge: get past it to the data
NEVER_POST = {"/accounts/logout/", "/i18n/setlang/"}  # they would end the walk's own session
RAW_TOKEN = "rdt_hostile_walk_0123456789"
PAGE_WALKERS = ("anonymous", "deputy", "staff", "admin")  # the finance feed has no pages, only the API
MULTIPART = "multipart/form-data"  # without its boundary: the body cannot be read


# --- the world the walk runs in ---------------------------------------------------------------------


@pytest.fixture
def world(county, make_user, make_organisation, deputy_user, staff_user, admin_user, finance_feed_user):
    """A town, a station kept by the staff member's office, the deputy's record, a draft suggestion,
    an opinion, a reception day, and a clerk whose account the administrator's pages act on."""
    from renda.liaison import services as liaison
    from renda.liaison.models import Category, Station
    from renda.suggestions import services as suggestions
    from renda.suggestions.models import SuggestionCategory

    town = Region.objects.create(code="610999101", name="城关镇", level=Region.Level.TOWN, parent=county)
    term = Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2099, 12, 31),
        is_current=True,
    )
    deputy = Deputy.objects.create_seat(
        term=term, region=town, number="19001", name="王代表", gender="M", user=deputy_user
    )
    station = Station.objects.create(
        code="STN-1",
        name="城关镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=town,
        address="城关镇政府院内",
        organisation=staff_user.organisation,
    )
    station.deputies.add(deputy)
    category, _ = SuggestionCategory.objects.get_or_create(name="城乡建设")
    suggestion = suggestions.suggestion_create(
        actor=deputy_user,
        title="关于老旧小区管网改造的建议",
        content="排水管网老化，雨季积水。",
        category=category,
    )
    opinion = liaison.opinion_submit(
        town=town,
        category=Category.URBAN,
        phone="13812345678",
        content="路灯坏了三个月，希望尽快修好。",
        station=station,
    )
    day = liaison.reception_day_schedule(
        actor=staff_user,
        station=station,
        date=liaison.earliest_reception_date(timezone.localdate()) + dt.timedelta(days=7),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    target = make_user(Role.UNIT_HANDLER)  # the admin's user pages act on this account, not a walker's
    ApiToken.objects.create(
        user=finance_feed_user, name="walk", token_hash=ApiToken.hash(RAW_TOKEN), prefix=RAW_TOKEN[:8]
    )
    return {
        "suggestions/": suggestion.pk,
        "liaison/book/": day.pk,
        "liaison/work/reception/": day.pk,
        "liaison/work/opinions/": opinion.pk,
        "liaison/work/stations/": station.pk,
        "accounts/users/": target.pk,
        "accounts/organisations/": staff_user.organisation_id,
        "accounts/regions/": town.pk,
        "api/v1/suggestions/": suggestion.pk,
        "code": station.code,
        "voucher_no": "V0001",
        "action": "accept",
        "kind": "payments",
        "year": 2026,
    }


CSRF = "hostilewalkcsrfsecret0123456789a"  # 32 characters: a valid secret, sent as cookie and header


@pytest.fixture
def walkers(world, deputy_user, staff_user, admin_user) -> dict[str, tuple[Client, dict]]:
    """Each person's client, with CSRF checks on as in a browser (the token sent in a header)."""
    cache.clear()  # fresh rate limits

    def client(user=None) -> Client:
        c = Client(enforce_csrf_checks=True)
        if user is not None:
            sign_in(c, user)
        c.cookies["csrftoken"] = CSRF
        return c

    token = {"HTTP_X_CSRFTOKEN": CSRF}
    return {
        "anonymous": (client(), token),
        "deputy": (client(deputy_user), token),
        "staff": (client(staff_user), token),
        "admin": (client(admin_user), token),
        "finance": (Client(), {"HTTP_AUTHORIZATION": f"Bearer {RAW_TOKEN}"}),
    }


@pytest.fixture
def no_rate_limits(monkeypatch):
    from renda.liaison import views as liaison_views

    for name in list(liaison_views.RATES):
        monkeypatch.setitem(liaison_views.RATES, name, "100000/h")


# --- recording what a view reads ----------------------------------------------------------------------


@pytest.fixture
def recorder(monkeypatch):
    """The keys views read from a request's GET or POST that carries the probe key."""
    read: set[str] = set()

    def wrap(name: str):
        original = getattr(MultiValueDict, name)

        def recording(self, key, *args, **kwargs):
            if isinstance(key, str) and dict.__contains__(self, PROBE):
                read.add(key)
            return original(self, key, *args, **kwargs)

        monkeypatch.setattr(MultiValueDict, name, recording)

    for name in ("get", "getlist", "__getitem__", "__contains__"):
        wrap(name)
    return read


# --- the walk ---------------------------------------------------------------------------------------


class Walk:
    def __init__(self) -> None:
        self.requests = 0
        self.failures: list[str] = []

    def send(self, client: Client, headers: dict, label: str, method: str, path: str, **kwargs) -> int:
        self.requests += 1
        try:
            with transaction.atomic():  # a database error must not spoil the requests after it
                response = getattr(client, method)(path, **kwargs, **headers)
        except Exception as exc:  # noqa: BLE001 - the test client re-raises what a 500 would hide
            self.failures.append(
                f"{label} {method.upper()} {path[:120]!r}: {type(exc).__name__}: {exc}"[:400]
            )
            return 500
        if response.status_code >= 500:
            self.failures.append(f"{label} {method.upper()} {path[:120]!r}: {response.status_code}")
        return response.status_code


def _patterns(patterns, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, world: dict, hostile: tuple[str, Any] | None = None) -> str:
    """``route`` with its converters filled: real ids and codes, or one kind made hostile."""

    def value(match: re.Match) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        if hostile and hostile[0] == kind:
            return quote(str(hostile[1]), safe="")
        if kind == "int":
            if name in world:
                return str(world[name])
            known = [v for k, v in world.items() if "/" in k and route.startswith(k)]
            return str(known[0] if known else 1)
        return quote(str(world.get(name, "x")), safe="")

    return "/" + CONVERTER.sub(value, route)


def page_paths(world: dict) -> list[tuple[str, list[str]]]:
    """Every page of the site (the API aside, which is walked through its schema): the path with
    real values, and the paths with a hostile value in each kind of converter."""
    pages: list[tuple[str, list[str]]] = []
    for route, _pattern in _patterns(get_resolver().url_patterns):
        if route.startswith("api/v1/") and route not in ("api/v1/openapi.json", "api/v1/docs"):
            continue
        if route.startswith("^api/"):
            pages.append(("/api/x", ["/api/%00", "/api/v2/" + "x" * 500]))
            continue
        if "(?P<" in route or "$" in route:  # the challenge's own patterns
            pages.append(("/captcha/image/abc/", ["/captcha/image/%C2%B2/"]))
            continue
        kinds = {m.group(1) or "str" for m in CONVERTER.finditer(route)}
        hostile = []
        for kind, values in (("int", HOSTILE_PATH_INT), ("str", HOSTILE_PATH_STR)):
            if kind in kinds:
                hostile += [_fill(route, world, (kind, v)) for v in values]
        pages.append((_fill(route, world), [p for p in hostile if _resolves(p)]))
    return list({path: (path, hostile) for path, hostile in pages if _resolves(path)}.values())


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _rotations(keys: list[str], count: int = len(HOSTILE), start: int = 0) -> Iterator[dict[str, str]]:
    """``count`` assignments of hostile values to ``keys``: with all nine, every key meets every value."""
    for k in range(start, start + count):
        yield {key: str(HOSTILE[(i + k) % len(HOSTILE)]) for i, key in enumerate(keys)} | {
            key: FIXED[key] for key in keys if key in FIXED
        }


def walk_pages(walk: Walk, walkers: dict[str, tuple[Client, dict]], world: dict, recorder: set[str]) -> None:
    """GET every page as each person. The first person who reaches a page (200; or 405, for a page
    that only takes a POST) probes what it reads from the query and the form, sends all nine
    rotations of hostile values there and a multipart body without its boundary, and opens the
    page's paths with hostile ids and codes; each other person who reaches it sends one rotation
    more (their views differ in scope, not in parsing)."""
    probed: dict[tuple[str, str], list[str]] = {}
    for path, hostile_paths in page_paths(world):
        statuses = {who: walk.send(*walkers[who], who, "get", path) for who in PAGE_WALKERS}
        reached = [who for who in PAGE_WALKERS if statuses[who] in (200, 405)]
        opener = reached[0] if reached else "admin"
        for hostile_path in hostile_paths:
            walk.send(*walkers[opener], opener, "get", hostile_path)
            if statuses[opener] == 405:
                walk.send(*walkers[opener], opener, "post", hostile_path)
        for n, who in enumerate(PAGE_WALKERS):
            if who not in reached:
                continue
            client, headers = walkers[who]
            for method in ("get", "post") if statuses[who] == 200 else ("post",):
                if method == "post" and path in NEVER_POST:
                    continue
                first = (path, method) not in probed
                if not first and method == "post":
                    continue  # the same form for everyone: one person's nine rotations cover it
                if first:
                    recorder.clear()
                    if method == "get":
                        walk.send(client, headers, who, "get", f"{path}?{PROBE}=1")
                    else:
                        walk.send(client, headers, who, "post", path, data={PROBE: "1"})
                        walk.send(client, headers, who, "post", path, data=b"--x", content_type=MULTIPART)
                    probed[(path, method)] = sorted(recorder - {PROBE, "csrfmiddlewaretoken"})
                keys = probed[(path, method)]
                for data in (
                    _rotations(keys, len(HOSTILE) if first else 1, start=0 if first else n) if keys else ()
                ):
                    if method == "get":
                        walk.send(client, headers, who, "get", f"{path}?{urlencode(data)}")
                    else:
                        walk.send(client, headers, who, "post", path, data=data)


# --- the API ----------------------------------------------------------------------------------------


def _resolve_ref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _typed(value: Any, prop: dict) -> Any:
    """The hostile value in the JSON type the property wants, where it can be (else as it is)."""
    kinds = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
    if "integer" in kinds or "number" in kinds:
        return value if isinstance(value, int) else str(value)
    if "array" in kinds:
        return [value]
    if "boolean" in kinds and value == "":
        return value
    return str(value)


def api_requests(world: dict) -> Iterator[tuple[str, str, dict | None, dict | None, bool]]:
    """(method, path, query, body, rotated) for every operation of /api/v1/: the plain call, then
    nine rotations of hostile values over its query parameters and body properties."""
    from renda.api.api import api

    schema = api.get_openapi_schema()
    for route, operations in schema["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            path_params = [p["name"] for p in params if p["in"] == "path"]
            query = [p["name"] for p in params if p["in"] == "query"]
            body_props: dict[str, dict] = {}
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                body_props = _resolve_ref(schema, content["schema"]).get("properties", {})
                body_props = {k: _resolve_ref(schema, v) for k, v in body_props.items()}
            paths = [
                route.format(**{n: world.get(n) or world.get("api/v1/suggestions/") for n in path_params})
            ]
            for hostile in ("²", "%00", str(2**64)):
                if path_params:
                    paths.append(route.format(**{n: hostile for n in path_params}))
            for i, path in enumerate(paths):
                yield method, path, None, {} if body_props else None, False
                if i:
                    continue
                for k in range(len(HOSTILE)):
                    q = {name: str(HOSTILE[(j + k) % len(HOSTILE)]) for j, name in enumerate(query)}
                    body = {
                        name: _typed(HOSTILE[(j + k) % len(HOSTILE)], prop)
                        for j, (name, prop) in enumerate(body_props.items())
                    }
                    if "rows" in body:  # the finance feed's batch: a row of hostile cells
                        body["rows"] = [{"code": HOSTILE[k], "amount": HOSTILE[(k + 1) % len(HOSTILE)]}]
                    if q or body_props:
                        yield method, path, q, body if body_props else None, True


def walk_api(walk: Walk, walkers: dict[str, tuple[Client, dict]], world: dict) -> None:
    """Each plain call as every person; the rotations as the first person who got past the
    permission check on the plain call (anonymous when no one did), and once a multipart body
    without its boundary."""
    through: dict[tuple[str, str], str] = {}
    for method, path, query, body, rotated in api_requests(world):
        url = f"{path}?{urlencode(query)}" if query else path
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        if rotated:
            who = through.get((method, path), "anonymous")
            walk.send(*walkers[who], who, method, url, **kwargs)
            continue
        for who in walkers:
            status = walk.send(*walkers[who], who, method, url, **kwargs)
            if status in (401, 403) or (method, path) in through:
                continue
            through[(method, path)] = who
            if method in ("post", "put", "patch"):
                walk.send(*walkers[who], who, method, path, data=b"--x", content_type=MULTIPART)


def test_no_url_and_no_api_operation_gives_a_5xx_on_hostile_input(walkers, world, recorder, no_rate_limits):
    walk = Walk()
    walk_pages(walk, walkers, world, recorder)
    walk_api(walk, walkers, world)
    print(f"hostile walk: {walk.requests} requests, {len(walk.failures)} gave a 5xx")
    assert not walk.failures, f"{len(walk.failures)} of {walk.requests} requests gave a 5xx:\n" + "\n".join(
        walk.failures
    )

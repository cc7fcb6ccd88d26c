"""A test-only URL map: Renda's URLs plus a small API built like the real one (same errors, auth,
parser), with endpoints the real API does not have yet: a JSON body, and a fault."""

from django.urls import path
from ninja import Schema

from renda.api.api import build_api
from renda.urls import handler400, handler403, handler404, handler500  # noqa: F401
from renda.urls import urlpatterns as renda_urlpatterns

test_api = build_api(title="Renda test API", version="test", urls_namespace="api-test")


class EchoIn(Schema):
    name: str
    count: int


class EchoOut(Schema):
    name: str
    count: int
    by: str


@test_api.post("/echo", response=EchoOut)
def echo(request, payload: EchoIn):
    return {"name": payload.name, "count": payload.count, "by": request.auth.username}


@test_api.get("/boom", auth=None)
def boom(request):
    raise RuntimeError("a fault in an endpoint")


urlpatterns = [path("api/test/", test_api.urls), *renda_urlpatterns]

"""URLs of the public-pages benchmark's server: the product's, and a bare hello-world view that
measures what the server and Django's middleware cost by themselves."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [
    path("bench/hello/", hello),
    path("", include("renda.urls")),
]

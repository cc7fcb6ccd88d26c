"""A test-only URL map: Renda's URLs plus a view that fails, to see the 500 page."""

from django.urls import path

from renda.urls import handler400, handler403, handler404, handler500  # noqa: F401
from renda.urls import urlpatterns as renda_urlpatterns


def boom(request):
    raise RuntimeError("secret detail of a fault")


urlpatterns = [path("test-boom/", boom), *renda_urlpatterns]

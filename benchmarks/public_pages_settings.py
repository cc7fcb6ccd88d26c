"""Settings of the public-pages benchmark's server: the product's settings with the benchmark's own
URL module (which adds a hello-world view for the baseline; the product has none)."""

from renda.settings import *  # noqa: F403

ROOT_URLCONF = "public_pages_urls"

# Served by gunicorn straight from the checkout: static URLs without collectstatic's manifest (wrk
# requests only the pages, never their CSS or scripts).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

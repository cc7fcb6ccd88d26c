"""Settings of the public-pages benchmark's server: the product's settings with the benchmark's own
URL module (which adds a hello-world view for the baseline; the product has none)."""

from renda.settings import *  # noqa: F403

ROOT_URLCONF = "public_pages_urls"

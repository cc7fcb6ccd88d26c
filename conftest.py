"""The shared fixtures of src/renda/conftest.py, for the browser journeys under tests/ too."""

from renda.conftest import *  # noqa: F403

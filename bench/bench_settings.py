"""Settings for the list-page benchmark (bench/list_pages_bench.py), never for production.

Production settings with three changes: a bench-only urlconf that adds the bare
reference view, static files served without a manifest (the benchmark fetches HTML
only and runs no collectstatic), and cookies over plain http on the loopback.
"""

import os
import warnings

os.environ.setdefault("FORVALTA_SECRET_KEY", "bench-only-key-not-secret-" + "x" * 40)
os.environ.setdefault("FORVALTA_SECURE_COOKIES", "0")

from forvalta.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
DEBUG = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False
# No collectstatic in a benchmark: whitenoise need not say that STATIC_ROOT is missing.
warnings.filterwarnings("ignore", "No directory at")

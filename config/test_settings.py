"""Settings for the test suite: fast hashing, a private media folder, a file-backed SQLite
test database so that worker and server processes started by tests see the same data."""

import atexit
import os
import shutil
import tempfile

from config.settings import *  # noqa: F403
from config.settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Child processes (workers, the ASGI server) inherit these through the environment.
if not os.environ.get("MEDIA_ROOT"):
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="manju-media-")
    # The process that made it removes it (its workers and servers are stopped by then).
    atexit.register(shutil.rmtree, os.environ["MEDIA_ROOT"], ignore_errors=True)
MEDIA_ROOT = os.environ["MEDIA_ROOT"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not os.environ.get("TEST_DB_NAME"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / f"test-{os.getpid()}.sqlite3"
    )

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

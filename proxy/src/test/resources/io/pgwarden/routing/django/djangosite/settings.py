"""One database, pgwarden's logical database, as the environment gives it.

PGWARDEN_PORT, PGWARDEN_DATABASE (the logical database), PGWARDEN_USER and PGWARDEN_PASSWORD (the
service), PGWARDEN_DISABLE_SERVER_SIDE_CURSORS (1 or 0). Nothing names the schema: pgwarden makes it
the connection's search_path.
"""
import os

SECRET_KEY = "pgwarden-test-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "ledger",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": os.environ["PGWARDEN_PORT"],
        "NAME": os.environ["PGWARDEN_DATABASE"],
        "USER": os.environ["PGWARDEN_USER"],
        "PASSWORD": os.environ["PGWARDEN_PASSWORD"],
        # Django's advice for PgBouncer's transaction pooling, followed for transaction mode: the
        # server-side cursor of .iterator() outside a transaction is a WITH HOLD cursor, which lives
        # on in one server connection (pgwarden pins the client to it)
        "DISABLE_SERVER_SIDE_CURSORS": os.environ["PGWARDEN_DISABLE_SERVER_SIDE_CURSORS"] == "1",
        "OPTIONS": {"connect_timeout": 10},
    }
}

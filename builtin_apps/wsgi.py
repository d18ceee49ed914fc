"""``gunicorn builtin_apps.wsgi:application`` (the Procfile's ``apps`` process)."""

import logging
import os

from builtin_apps.app import from_env

logging.basicConfig(level=os.environ.get("BUILTIN_APPS_LOG_LEVEL", "INFO"))
application = from_env()

"""WSGI entry point for gunicorn (`countyhub serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
application = get_wsgi_application()

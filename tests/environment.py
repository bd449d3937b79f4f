"""A pytest plugin loaded before pytest-django imports the settings (`-p tests.environment` in
pyproject.toml): the suite runs as development on this machine, as `make test` does, unless the
caller says otherwise. Production is the settings' default."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

"""A pytest plugin loaded before pytest-django imports the settings (`-p tests.environment` in
pyproject.toml): the suite runs as development on this machine, as `make test` does, unless the
caller says otherwise. Production is the settings' default."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# One process, one cache: tests clear it between them and need no table for it. Servers the
# suite starts as subprocesses drop this to run on the shared database cache, as deployed.
os.environ.setdefault("COUNTYHUB_CACHE", "process")

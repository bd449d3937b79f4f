#!/bin/sh
# Rebuilds demo_37a6784.sqlite3.xz, the demo database of the last release before the stations
# app (commit 37a6784), which test_migration.py migrates. Run from the repository root:
#     sh tests/stations/make_old_demo.sh
# The old source is taken from git, so the current virtualenv runs it; only dates differ
# from one build to the next (the demo is built relative to today).
set -eu
release=37a6784
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$release" src | tar -x -C "$work"
PYTHONPATH="$work/src" DATABASE_URL="sqlite:///$work/demo.sqlite3" \
    .venv/bin/countyhub demo --no-serve
.venv/bin/python -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('VACUUM')" \
    "$work/demo.sqlite3"
xz -9e -c "$work/demo.sqlite3" > "tests/stations/demo_$release.sqlite3.xz"

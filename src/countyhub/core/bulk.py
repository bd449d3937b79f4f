"""Inserting many new rows of a model at once: on PostgreSQL with `COPY ... FROM STDIN`, which
skips building, sending and parsing an INSERT statement (the bulk of `bulk_create`'s time on a
large import), elsewhere with `bulk_create`. Both write the same row: the columns the caller
gives, and every other column as a new model instance would have it (its default, `auto_now`
times); the primary key is taken from the table's sequence up front when the caller needs it.

Values travel as COPY data, never inside the statement; the statement holds only the model's
own table and column names, quoted as identifiers.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from django.db import connection, models
from django.db.models import NOT_PROVIDED


class BulkTable:
    """The rows of `model` that give `columns` (field attnames, e.g. "order_id")."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = tuple(columns)

    @cached_property
    def fields(self) -> list[models.Field[Any, Any]]:
        found = {field.attname: field for field in self.model._meta.concrete_fields}
        return [found[name] for name in self.columns]

    @cached_property
    def rest(self) -> list[models.Field[Any, Any]]:
        """The columns not given that the database does not fill itself (the key unless
        given, database defaults, generated columns): each gets the model's default."""
        return [
            field
            for field in self.model._meta.concrete_fields
            if field.attname not in self.columns
            and not field.primary_key
            and field.db_default is NOT_PROVIDED
            and not field.generated
        ]

    @cached_property
    def json(self) -> list[tuple[int, models.Field[Any, Any]]]:
        """The JSON columns: their values are encoded by their field (its encoder), as
        bulk_create encodes them."""
        return [
            (n, field) for n, field in enumerate(self.fields) if isinstance(field, models.JSONField)
        ]

    def defaults(self) -> tuple[Any, ...]:
        """The other columns of a new row, as bulk_create would send them now."""
        blank = self.model()
        values = (
            field.get_db_prep_save(field.pre_save(blank, add=True), connection)
            for field in self.rest
        )
        # A choice's default is an enum member; COPY takes its value.
        return tuple(value.value if isinstance(value, enum.Enum) else value for value in values)

    def insert(self, rows: Sequence[Sequence[Any]], *, ids: bool = False) -> list[int]:
        """Insert `rows` (values in the order of `columns`); the new keys in row order when
        `ids`, else []."""
        if not rows:
            return []
        if connection.vendor == "postgresql":
            return self._copy(rows, ids=ids)
        objects = self.model.objects.bulk_create(
            self.model(**dict(zip(self.columns, row, strict=True))) for row in rows
        )
        return [obj.pk for obj in objects] if ids else []

    def _copy(self, rows: Sequence[Sequence[Any]], *, ids: bool) -> list[int]:
        from psycopg import sql

        meta = self.model._meta
        assert meta.pk is not None
        keys = new_keys(self.model, len(rows)) if ids else []
        names = [field.column for field in self.fields] + [field.column for field in self.rest]
        if ids:
            names.insert(0, meta.pk.column)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        rest = self.defaults()
        json = self.json
        with connection.cursor() as cursor:
            # As text, so Django's query log (and the audit walk's) reads the COPY as SQL.
            text = statement.as_string(cursor.connection)
        with connection.cursor() as cursor, cursor.copy(text) as copy:
            for n, row in enumerate(rows):
                if json:
                    row = list(row)
                    for position, field in json:
                        row[position] = field.get_db_prep_save(row[position], connection)
                copy.write_row((keys[n], *row, *rest) if ids else (*row, *rest))
        return keys


def new_keys(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence (PostgreSQL), ascending."""
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(meta.db_table), meta.pk.column, count],
        )
        return sorted(key for (key,) in cursor.fetchall())

"""PostgreSQL COPY in binary format for a Django model's table."""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin

from .reference import SeedError


class CopyTable:
    """COPY rows into a model's table: the generated columns, then every other required column
    with its default, so fields added to the model later do not break the seeder.

    Binary format: psycopg's binary dumpers are written in C (a timestamp costs ~0.1 µs against
    ~3 µs in text format), with each column's type read from the catalogue.
    """

    def __init__(self, model: type[Model], generated: Sequence[str]) -> None:
        qn = connection.ops.quote_name
        name = model.__name__
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in generated if c not in fields]
        if unknown:
            raise SeedError(f"{name} has no column(s) {unknown}: update bench/seed.py.")
        extra_columns, extra_values = [], []
        for attname, f in fields.items():
            if attname in generated or f.null or f.db_default is not NOT_PROVIDED:
                continue
            if f.primary_key and isinstance(f, AutoFieldMixin):
                continue
            default = f.get_default()
            if default is None:
                raise SeedError(
                    f"{name}.{attname} is required and has no default: "
                    "generate it in bench/seed.py."
                )
            extra_columns.append(attname)
            extra_values.append(default)
        self.columns = [*generated, *extra_columns]
        self.extra = tuple(extra_values)
        self.table = model._meta.db_table
        db_columns = [fields[c].column for c in self.columns]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [self.table],
            )
            oids = dict(cursor.fetchall())
        self.types = [oids[c] for c in db_columns]
        self.sql = (
            f"COPY {qn(self.table)} ({', '.join(qn(c) for c in db_columns)}) "
            "FROM STDIN (FORMAT BINARY)"
        )

    def copy(self, cursor, rows: Iterable[tuple]) -> None:
        """`cursor` is a raw psycopg cursor of Django's connection (inside its transaction)."""
        extra = self.extra
        with cursor.copy(self.sql) as copy:
            copy.set_types(self.types)
            write = copy.write_row
            if extra:
                for row in rows:
                    write(row + extra)
            else:
                for row in rows:
                    write(row)

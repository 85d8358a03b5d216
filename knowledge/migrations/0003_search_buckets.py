"""Bucket lexemes in the stored search vectors (PostgreSQL only).

Every vector also holds "~<id / bucket size>" (articles by 1,000 ids, ticket documents by
10,000), so that a search can AND its words with the newest buckets and the GIN index returns
only the newest matches of a common word. Vectors written from now on carry it already
(`knowledge.services.indexing`); this adds it to the ones stored before.
"""

from django.db import migrations

# (table, id column, bucket size, vector index) — frozen here, as the data is written with them.
TABLES = [
    ("knowledge_article", "id", 1000, "kb_article_vector"),
    ("knowledge_ticketsearchdoc", "ticket_id", 10000, "kb_ticketdoc_vector"),
]


def _rewrite(schema_editor, table: str, index: str, assignment: str) -> None:
    """Rewrite every vector with the index dropped and built anew: updated in place, a GIN
    index keeps every row's old entries and answers many times slower until rebuilt."""
    schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute(
        f"UPDATE {table} SET search_vector = {assignment} WHERE search_vector IS NOT NULL"
    )
    schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def add_buckets(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, size, index in TABLES:
        _rewrite(
            schema_editor,
            table,
            index,
            f"search_vector || (quote_literal('~' || ({column} / {size})))::tsvector",
        )


def remove_buckets(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, size, index in TABLES:
        _rewrite(
            schema_editor, table, index, f"ts_delete(search_vector, '~' || ({column} / {size}))"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0002_search_indexes_and_permissions"),
    ]

    operations = [
        migrations.RunPython(add_buckets, remove_buckets, elidable=False),
    ]

"""(Re)build the knowledge search data: ticket documents of resolved/closed tickets, and
optionally every article's segmented words and vector (after a segmentation change)."""

from django.core.management.base import BaseCommand, CommandParser

from knowledge import services
from knowledge.models import Article


class Command(BaseCommand):
    help = (
        "Index resolved and closed tickets for the knowledge search (and articles with --articles)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", action="store_true", help="Re-index every article too.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many tickets.")

    def handle(self, *args: object, **options: object) -> None:
        count = services.ticket_index_backfill(limit=options["limit"])  # type: ignore[arg-type]
        self.stdout.write(f"tickets indexed or dropped: {count}")
        if options["articles"]:
            done = 0
            for article in Article.objects.prefetch_related("tags").iterator(chunk_size=500):
                services.article_index(article=article)
                done += 1
            self.stdout.write(f"articles indexed: {done}")

"""`manage.py seed_demo [--tickets N] [--seed S] [--if-empty]`: load the demo data set.

People, organizations, teams and routing rules are created once (running again reuses them);
each run adds N tickets driven through the real services to every state of the lifecycle.
All demo accounts share the password printed by `manage.py demo_logins`: never run this on a
production database.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tickets.demo import seed_demo
from tickets.models import Status, Ticket


class Command(BaseCommand):
    help = "Create demo organizations, people, teams, routing rules and tickets in every state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=60, help="tickets to add (default 60)")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed: same seed, same data set"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any ticket exists"
        )

    def handle(self, *args: object, **options: object) -> None:
        count, seed = int(options["tickets"]), int(options["seed"])
        if count < 0:
            raise CommandError("--tickets must be zero or more.")
        if options["if_empty"] and Ticket.objects.exists():
            self.stdout.write("Tickets exist already: demo data not loaded (--if-empty).")
            return
        console = Console(file=self.stdout._out, highlight=False)
        progress = Progress(
            TextColumn("[bold]Demo tickets"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=int(options["verbosity"]) == 0,
        )
        with progress:
            task = progress.add_task("tickets", total=count)
            reached = seed_demo(
                tickets=count, seed=seed, on_ticket=lambda _status: progress.advance(task)
            )
        if int(options["verbosity"]) == 0:
            return
        table = Table(title=f"Demo tickets added (seed {seed})")
        table.add_column("status")
        table.add_column("tickets", justify="right")
        for status in Status:
            table.add_row(status.value, str(reached.get(status, 0)))
        console.print(table)
        console.print("Logins: manage.py demo_logins")

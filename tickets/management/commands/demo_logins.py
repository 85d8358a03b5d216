"""`manage.py demo_logins`: the demo accounts, their roles and password, and where to go."""

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from tickets.demo import DEMO_LOGINS, DEMO_PASSWORD
from tickets.models import User

PAGES = (
    ("/", "engineer web UI (customers land on the portal)"),
    ("/portal/", "customer portal"),
    ("/admin/", "Django admin (configuration)"),
    ("/api/docs/", "REST API documentation"),
)


class Command(BaseCommand):
    help = "Print the demo logins (username, role, password) and the main URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the helpdesk is served"
        )

    def handle(self, *args: object, **options: object) -> None:
        console = Console(file=self.stdout._out, highlight=False, width=100)
        base = str(options["base_url"]).rstrip("/")
        existing = set(
            User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        table = Table(title="Demo logins")
        table.add_column("username")
        table.add_column("role")
        table.add_column("password")
        for login in DEMO_LOGINS:
            role = str(login.role.label) if login.role else "administrator (superuser)"
            password = DEMO_PASSWORD if login.username in existing else "(not created)"
            table.add_row(login.username, role, password)
        console.print(table)
        if existing:
            console.print(
                f"The other demo people (engineers such as ops.li, customer contacts such as "
                f"hdzz.li) sign in with {DEMO_PASSWORD} too."
            )
        else:
            console.print("No demo users yet: run `manage.py seed_demo` first.")
        for path, what in PAGES:
            console.print(f"{base}{path}  {what}")

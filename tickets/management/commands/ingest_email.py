"""Read one RFC 822 message from standard input and ingest it (for an MTA pipe).

Postfix, in /etc/aliases:  support: "|/srv/helpdesk/.venv/bin/python /srv/helpdesk/manage.py ingest_email"
Exit status 0 whenever the message was stored (a rejected or quarantined message included), so
the MTA does not bounce it back to the sender; 75 (EX_TEMPFAIL) when the database is unreachable,
so the MTA retries later.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tickets.mail.inbound import email_ingest
from tickets.models import Mailbox

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Ingest one email read from standard input (use as an MTA pipe)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox",
            help="Name of a mailbox whose unknown-sender rule applies (default: the settings).",
        )

    def handle(self, *args, mailbox=None, **options):
        box = None
        if mailbox:
            box = Mailbox.objects.filter(name=mailbox).first()
            if box is None:
                raise CommandError(f"no mailbox named {mailbox!r}")
        raw = sys.stdin.buffer.read()
        try:
            row = email_ingest(raw=raw, mailbox=box)
        except DatabaseError as exc:
            self.stderr.write(f"database unavailable: {exc}")
            sys.exit(EX_TEMPFAIL)
        ticket = row.ticket.number if row.ticket_id else "-"
        self.stdout.write(f"{row.outcome} {ticket} {row.message_id or '(no Message-ID)'}")

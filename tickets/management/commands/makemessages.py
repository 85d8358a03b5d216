"""`makemessages` without fuzzy matching: a new string must be translated, not silently given
the translation of a similar old one (a fuzzy entry is not used, and is easy to miss)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

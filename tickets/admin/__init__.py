"""Django admin of the ticket core: configuration is edited here, tickets are read-mostly.

One module per area, mirroring `tickets.models`; importing them registers the admins.
`ReadOnlyMixin` is shared with the other apps' admins for their audit data.
"""

from . import catalog, change, closure, integrations, mail, people, resolution, tickets
from .common import ReadOnlyMixin, changelist_link

__all__ = [
    "ReadOnlyMixin",
    "catalog",
    "change",
    "changelist_link",
    "closure",
    "integrations",
    "mail",
    "people",
    "resolution",
    "tickets",
]

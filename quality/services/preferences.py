"""A customer contact's own choice of the daily progress digest (PROCESS §10)."""

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.errors import NotAllowed
from tickets.models import User
from tickets.permissions import user_caps

from ..models import ContactPreference


@transaction.atomic
def contact_digest_set(*, contact: User, enabled: bool) -> ContactPreference:
    if not user_caps(contact).is_customer:
        raise NotAllowed(_("Only customer contacts receive the daily progress digest."))
    pref, _created = ContactPreference.objects.select_for_update().get_or_create(contact=contact)
    if pref.daily_digest != enabled:
        pref.daily_digest = enabled
        pref.save(update_fields=["daily_digest"])
    return pref

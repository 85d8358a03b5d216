"""Internal alerts to chat-app group robots and generic outgoing webhooks (PROCESS §10, §11, §13).

Public entry points: `alert_raise` (robots of a team, and the `alert` webhook event) and
`webhook_emit` (ticket events to subscribed endpoints). Both record delivery rows in the
caller's transaction and send after commit.
"""

from .services import alert_raise, webhook_emit

__all__ = ["alert_raise", "webhook_emit"]

"""Input serializers parse and type-check a request; output serializers render what a service or
selector returned. Business rules live in `tickets.services`, never here."""

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.duration import duration_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import (
    Attachment,
    Category,
    Channel,
    Impact,
    Message,
    MessageKind,
    Organization,
    PriorityLevel,
    PriorityScheme,
    ProductLine,
    Status,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    Urgency,
    User,
    WorkLogKind,
)
from tickets.selectors import QUEUES
from tickets.services.conversation import EDITABLE_FIELDS
from tickets.workflow import allowed_targets

# ---------------------------------------------------------------------------------------------
# Small read-only references embedded in other objects


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "name")
        read_only_fields = fields

    def get_name(self, obj: User) -> str:
        return str(obj)


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name", "code")
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name", "code")
        read_only_fields = fields


class ProductLineRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ("id", "name", "code")
        read_only_fields = fields


class CategoryRefSerializer(serializers.ModelSerializer):
    """Needs `parent` loaded (select_related / prefetch) for `full_label`."""

    label = serializers.CharField(read_only=True)
    full_label = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ("id", "code", "label", "full_label")
        read_only_fields = fields


class PriorityRefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = PriorityLevel
        fields = ("id", "code", "label", "rank")
        read_only_fields = fields


class TagRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ("id", "name")
        read_only_fields = fields


class StatusOptionSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of a refused request (400, 403, 404, 409). A 400 from a domain rule also carries
    `{field: [message]}`; a 400 from input validation carries only `{field: [messages]}`."""

    detail = serializers.CharField()
    field = serializers.CharField(allow_null=True, required=False)


# ---------------------------------------------------------------------------------------------
# Catalogue (read-only)


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name", "code", "phone", "email_domain", "active")
        read_only_fields = fields


class TeamOutputSerializer(serializers.ModelSerializer):
    product_line = ProductLineRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = ("id", "name", "code", "product_line", "email", "active")
        read_only_fields = fields


class CategoryChildSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ("id", "code", "name", "name_en", "label", "position")
        read_only_fields = fields


class CategoryOutputSerializer(serializers.ModelSerializer):
    """A category with its active sub-categories (`children` prefetched)."""

    label = serializers.CharField(read_only=True)
    children = CategoryChildSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ("id", "code", "name", "name_en", "label", "parent", "position", "children")
        read_only_fields = fields


class PrioritySchemeRefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = PriorityScheme
        fields = ("id", "code", "label", "is_default")
        read_only_fields = fields


class PriorityLevelOutputSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    scheme = PrioritySchemeRefSerializer(read_only=True)

    class Meta:
        model = PriorityLevel
        fields = ("id", "code", "name", "name_en", "label", "rank", "scheme")
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Tickets: output


class TicketListOutputSerializer(serializers.ModelSerializer):
    """One row of a list: only what `selectors.LIST_RELATED` loads, no many-to-many."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:ticket-detail", lookup_field="number", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    priority = PriorityRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = (
            "url",
            "id",
            "number",
            "title",
            "status",
            "status_label",
            "channel",
            "channel_label",
            "request_type",
            "organization",
            "contact_name",
            "category",
            "priority",
            "priority_rank",
            "team",
            "assignee",
            "received_at",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "sla_due_at",
        )
        read_only_fields = fields

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        # The list is the hot path of scripts and dashboards: rows are built directly (about
        # ten times faster than the generic field-by-field rendering, whose choice labels and
        # callable checks dominate). The declared fields stay the schema, and a test holds this
        # output equal to the generic one.
        row = _ticket_row(instance, self._row_url(instance))
        if type(self) is TicketDetailOutputSerializer:
            row.update(_ticket_detail(instance))
            return row
        if type(self) is not TicketListOutputSerializer:
            return super().to_representation(instance)
        return row

    def _row_url(self, instance: Ticket) -> str:
        cache = self.parent if isinstance(self.parent, serializers.ListSerializer) else self
        template = getattr(cache, "_ticket_url_template", None)
        if template is None:
            path = reverse("api:ticket-detail", kwargs={"number": URL_SLOT})
            request = self.context.get("request")
            template = request.build_absolute_uri(path) if request is not None else path
            cache._ticket_url_template = template
        return template.replace(URL_SLOT, instance.number)


URL_SLOT = "__number__"


def _iso(value: Any) -> str | None:
    """A datetime as DRF renders it: in the current time zone, ISO 8601, UTC as `Z`."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _ref(obj: Any, *names: str) -> dict[str, Any] | None:
    return None if obj is None else {n: getattr(obj, n) for n in names}


def _ticket_row(t: Ticket, url: str) -> dict[str, Any]:
    category, priority, assignee = t.category, t.priority, t.assignee
    return {
        "url": url,
        "id": t.id,
        "number": t.number,
        "title": t.title,
        "status": t.status,
        "status_label": _label(Status, t.status),
        "channel": t.channel,
        "channel_label": _label(Channel, t.channel),
        "request_type": t.request_type,
        "organization": _ref(t.organization, "id", "name", "code"),
        "contact_name": t.contact_name,
        "category": None
        if category is None
        else {
            "id": category.id,
            "code": category.code,
            "label": category.label,
            "full_label": category.full_label,
        },
        "priority": None
        if priority is None
        else {
            "id": priority.id,
            "code": priority.code,
            "label": priority.label,
            "rank": priority.rank,
        },
        "priority_rank": t.priority_rank,
        "team": _ref(t.team, "id", "name", "code"),
        "assignee": None
        if assignee is None
        else {"id": assignee.id, "username": assignee.username, "name": str(assignee)},
        "received_at": _iso(t.received_at),
        "created_at": _iso(t.created_at),
        "updated_at": _iso(t.updated_at),
        "first_response_at": _iso(t.first_response_at),
        "resolved_at": _iso(t.resolved_at),
        "closed_at": _iso(t.closed_at),
        "reopen_count": t.reopen_count,
        "sla_due_at": _iso(t.sla_due_at),
    }


def _user(u: User | None) -> dict[str, Any] | None:
    return None if u is None else {"id": u.id, "username": u.username, "name": str(u)}


def _category(c: Category | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"id": c.id, "code": c.code, "label": c.label, "full_label": c.full_label}


def _label(choices: type, value: str) -> str:
    """A choice's label in the active language (an unknown value as it is)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _ticket_detail(t: Ticket) -> dict[str, Any]:
    """The detail fields on top of the list row (relations prefetched by the view)."""
    return {
        "description": t.description,
        "contact": _user(t.contact),
        "contact_phone": t.contact_phone,
        "contact_email": t.contact_email,
        "cc_emails": t.cc_emails,
        "product_line": _ref(t.product_line, "id", "name", "code"),
        "product": t.product,
        "product_version": t.product_version,
        "device_model": t.device_model,
        "steps_to_reproduce": t.steps_to_reproduce,
        "error_message": t.error_message,
        "impact_scope": t.impact_scope,
        "occurred_at": _iso(t.occurred_at),
        "registration_lag": None
        if t.registration_lag is None
        else duration_string(t.registration_lag),
        "impact": t.impact,
        "impact_label": _label(Impact, t.impact),
        "urgency": t.urgency,
        "urgency_label": _label(Urgency, t.urgency),
        "secondary_categories": [_category(c) for c in t.secondary_categories.all()],
        "suggested_category": _category(t.suggested_category),
        "classified_at": _iso(t.classified_at),
        "tags": [{"id": tag.id, "name": tag.name} for tag in t.tags.all()],
        "assigned_at": _iso(t.assigned_at),
        "created_by": _user(t.created_by),
        "followers": [_user(f) for f in t.followers.all()],
        "allowed_transitions": [
            {"status": s.value, "label": str(s.label)} for s in allowed_targets(t.status)
        ],
    }


class TicketDetailOutputSerializer(TicketListOutputSerializer):
    """The whole ticket; the view prefetches the relations (see `views.DETAIL_PREFETCH`)."""

    contact = UserRefSerializer(read_only=True, allow_null=True)
    product_line = ProductLineRefSerializer(read_only=True, allow_null=True)
    impact_label = serializers.CharField(source="get_impact_display", read_only=True)
    urgency_label = serializers.CharField(source="get_urgency_display", read_only=True)
    secondary_categories = CategoryRefSerializer(many=True, read_only=True)
    suggested_category = CategoryRefSerializer(read_only=True, allow_null=True)
    tags = TagRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    followers = UserRefSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(TicketListOutputSerializer.Meta):
        fields = (
            *TicketListOutputSerializer.Meta.fields,
            "description",
            "contact",
            "contact_phone",
            "contact_email",
            "cc_emails",
            "product_line",
            "product",
            "product_version",
            "device_model",
            "steps_to_reproduce",
            "error_message",
            "impact_scope",
            "occurred_at",
            "registration_lag",
            "impact",
            "impact_label",
            "urgency",
            "urgency_label",
            "secondary_categories",
            "suggested_category",
            "classified_at",
            "tags",
            "assigned_at",
            "created_by",
            "followers",
            "allowed_transitions",
        )
        read_only_fields = fields

    @extend_schema_field(StatusOptionSerializer(many=True))
    def get_allowed_transitions(self, obj: Ticket) -> list[dict[str, str]]:
        """Targets of POST …/transition/ from the current status (assign, hand back and
        archive have their own actions)."""
        return [{"status": s.value, "label": str(s.label)} for s in allowed_targets(obj.status)]


class AttachmentOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = UserRefSerializer(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    api_download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "name",
            "content_type",
            "size",
            "internal",
            "message",
            "uploaded_by",
            "created_at",
            "download_url",
            "api_download_url",
        )
        read_only_fields = fields

    def get_api_download_url(self, obj: Attachment) -> str:
        """The same file for scripts authenticating with a token."""
        path = reverse(
            "api:ticket-attachment-download",
            kwargs={"number": obj.ticket.number, "attachment_id": obj.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_download_url(self, obj: Attachment) -> str:
        """The engineer/portal UI's permission-checked download view."""
        try:
            path = reverse("tickets:attachment", args=[obj.pk])
        except NoReverseMatch:
            path = f"/tickets/attachments/{obj.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    author = UserRefSerializer(read_only=True, allow_null=True)
    attachments = AttachmentOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = (
            "id",
            "kind",
            "kind_label",
            "worklog_kind",
            "author",
            "body",
            "created_at",
            "attachments",
        )
        read_only_fields = fields


class EventOutputSerializer(serializers.ModelSerializer):
    """`reason` is internal (hand-back and dispatch reasons): empty unless the context says
    `internal=True`."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)
    reason = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ("id", "kind", "kind_label", "actor", "old", "new", "reason", "created_at")
        read_only_fields = fields

    def get_reason(self, obj: TicketEvent) -> str:
        return obj.reason if self.context.get("internal") else ""


@extend_schema_field(OpenApiTypes.STR)
class HistoryValueField(serializers.Field):
    """A recorded field value (ids for relations), rendered as text."""

    def to_representation(self, value: Any) -> str:
        return str(value)


class FieldChangeSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="Field name.")
    field = serializers.CharField(help_text="Field label in the active language.")
    old = HistoryValueField(allow_null=True)
    new = HistoryValueField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = UserRefSerializer(allow_null=True)
    reason = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


# ---------------------------------------------------------------------------------------------
# Tickets: input


class FilesField(serializers.ListField):
    """One or more uploaded files (multipart `files`, repeated)."""

    child = serializers.FileField()


class TicketCreateInputSerializer(serializers.ModelSerializer):
    """What PROCESS §2 records at intake. Customers: `organization` defaults to (and must be)
    their own, the channel is always `api`, `contact` and `received_at` are ignored. Our people
    give `organization`, and `received_at` for phone/IM/email channels."""

    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(active=True), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(organization__isnull=False, is_active=True),
        required=False,
        allow_null=True,
    )
    product_line = serializers.PrimaryKeyRelatedField(
        queryset=ProductLine.objects.all(), required=False, allow_null=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    secondary_categories = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(active=True), many=True, required=False
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    files = FilesField(required=False)

    class Meta:
        model = Ticket
        fields = (
            "title",
            "description",
            "channel",
            "request_type",
            "organization",
            "contact",
            "contact_name",
            "contact_phone",
            "contact_email",
            "cc_emails",
            "product_line",
            "product",
            "product_version",
            "device_model",
            "steps_to_reproduce",
            "error_message",
            "impact_scope",
            "impact",
            "urgency",
            "occurred_at",
            "received_at",
            "category",
            "secondary_categories",
            "files",
        )


FIELD_HINTS = {
    "status": _("Change the status with POST …/transition/."),
    "assignee": _("Assign with POST …/assign/."),
    "team": _("Assign with POST …/assign/."),
    "category": _("Classify with POST …/classify/."),
    "priority": _("Set the priority with POST …/classify/."),
}


class TicketUpdateInputSerializer(serializers.ModelSerializer):
    """A partial edit of the registered details; other fields have their own actions."""

    reason = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Ticket
        fields = (*EDITABLE_FIELDS, "reason")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [FIELD_HINTS.get(name, _("This field cannot be changed here."))]
                    for name in unknown
                }
            )
        if not set(attrs) - {"reason"}:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class TicketListQuerySerializer(serializers.Serializer):
    queue = serializers.ChoiceField(
        choices=QUEUES,
        default="all",
        help_text="mine: assigned to me and open; team: my teams' open tickets; unassigned; "
        "open; all (default).",
    )


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CloseInputSerializer(serializers.Serializer):
    """The closing checklist (PROCESS §12) of a resolved ticket."""

    summary = serializers.CharField()
    solution = serializers.CharField()
    people = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    created_articles = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    updated_articles = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    no_article_reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssignInputSerializer(serializers.Serializer):
    """Both empty: route automatically by the routing rules."""

    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(organization__isnull=True, is_active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(active=True), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class HandBackInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ClassifyInputSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    secondary = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(active=True), many=True, required=False, default=list
    )
    tags = serializers.PrimaryKeyRelatedField(
        queryset=Tag.objects.all(),
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Replaces the tags; leave out to keep them.",
    )
    impact = serializers.ChoiceField(choices=Impact.choices, required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True)
    level = serializers.PrimaryKeyRelatedField(
        queryset=PriorityLevel.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Overrides the priority from the impact × urgency matrix.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MessageInputSerializer(serializers.Serializer):
    """Customers may only post replies; notes and work log entries are internal."""

    kind = serializers.ChoiceField(choices=MessageKind.choices, default=MessageKind.REPLY)
    body = serializers.CharField()
    worklog_kind = serializers.ChoiceField(
        choices=WorkLogKind.choices, required=False, allow_blank=True, default=""
    )
    files = FilesField(required=False, default=list)


class AttachmentUploadInputSerializer(serializers.Serializer):
    files = FilesField(allow_empty=False)
    internal = serializers.BooleanField(
        required=False, default=False, help_text="Visible to our staff only (not customers)."
    )

"""Input and output serializers of the knowledge API; the rules live in `knowledge.services`."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.api.serializers import UserRefSerializer
from tickets.models import Category, Tag

from ..models import Article, ArticleStatus, Audience, Relation, TicketArticle
from ..rendering import render_markdown


class ArticleListSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = (
            "id", "title", "status", "audience", "product", "product_version", "category",
            "author", "published_at", "review_due", "overdue", "updated_at",
        )  # fmt: skip

    def get_overdue(self, obj: Article) -> bool:
        return obj.is_overdue()


class ArticleDetailSerializer(ArticleListSerializer):
    reviewer = UserRefSerializer(read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    source_tickets = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField()

    class Meta(ArticleListSerializer.Meta):
        fields = (
            *ArticleListSerializer.Meta.fields,
            "symptom", "diagnosis", "solution", "prevention", "tags", "source_tickets",
            "reviewer", "reviewed_at", "created_at", "html",
        )  # fmt: skip

    def get_source_tickets(self, obj: Article) -> list[str]:
        visible = self.context.get("visible_tickets")
        if visible is None:
            return []
        return list(visible.filter(source_of_articles=obj).values_list("number", flat=True))

    def get_html(self, obj: Article) -> dict[str, str]:
        return {
            name: render_markdown(getattr(obj, name))
            for name in ("symptom", "diagnosis", "solution", "prevention")
        }


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    symptom = serializers.CharField(required=False, allow_blank=True)
    diagnosis = serializers.CharField(required=False, allow_blank=True)
    solution = serializers.CharField(required=False, allow_blank=True)
    prevention = serializers.CharField(required=False, allow_blank=True)
    product = serializers.CharField(max_length=100, required=False, allow_blank=True)
    product_version = serializers.CharField(max_length=60, required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, help_text=_("Tag names.")
    )
    source_tickets = serializers.ListField(
        child=serializers.CharField(max_length=24), required=False, help_text=_("Ticket numbers.")
    )
    from_ticket = serializers.CharField(max_length=24, required=False)
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_tags(self, names: list[str]) -> list[Tag]:
        tags = list(Tag.objects.filter(name__in=names))
        unknown = sorted(set(names) - {t.name for t in tags})
        if unknown:
            raise serializers.ValidationError(
                _("Unknown tag: %(names)s") % {"names": ", ".join(unknown)}
            )
        return tags


class ArticleTransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ArticleStatus.choices)
    note = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ArticleVersionSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_user = serializers.CharField(allow_null=True)
    history_change_reason = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    title = serializers.CharField()
    symptom = serializers.CharField()
    diagnosis = serializers.CharField()
    solution = serializers.CharField()
    prevention = serializers.CharField()
    product_version = serializers.CharField()
    audience = serializers.CharField()


class ArticleListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    category = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    tag = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    product_version = serializers.CharField(max_length=60, required=False, allow_blank=True)
    overdue = serializers.BooleanField(required=False)
    mine = serializers.BooleanField(required=False)


class KbSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    product_version = serializers.CharField(max_length=60, required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, help_text=_("Tag names.")
    )
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=20)


class KbSuggestInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class KbWhySerializer(serializers.Serializer):
    field = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())


class KbHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("article", "article"), ("ticket", "ticket")])
    id = serializers.IntegerField(help_text=_("Article id, or ticket id for tickets."))
    title = serializers.CharField()
    number = serializers.CharField(allow_null=True, help_text=_("Ticket number (tickets only)."))
    score = serializers.FloatField()
    snippet = serializers.CharField(help_text=_("HTML-escaped excerpt, matches in <mark>."))
    why = KbWhySerializer(many=True)
    approximate = serializers.ListField(child=serializers.CharField())

    def to_representation(self, hit: Any) -> dict[str, Any]:
        is_ticket = hit.kind == "ticket"
        return {
            "kind": hit.kind,
            "id": hit.obj.ticket_id if is_ticket else hit.obj.pk,
            "title": hit.obj.title,
            "number": hit.obj.ticket.number if is_ticket else None,
            "score": round(hit.score, 4),
            "snippet": str(hit.snippet),
            "why": [{"field": f, "terms": t} for f, t in hit.why],
            "approximate": hit.fuzzy,
        }


class KbSearchResultSerializer(serializers.Serializer):
    articles = KbHitSerializer(many=True)
    tickets = KbHitSerializer(many=True)


class KbLinkInputSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=24, help_text=_("Ticket number."))
    article = serializers.IntegerField(min_value=1)
    relation = serializers.ChoiceField(choices=Relation.choices)


class KbLinkSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")

    class Meta:
        model = TicketArticle
        fields = ("id", "ticket", "article", "relation", "created_at")


class KbKpiQuerySerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": [_("Must be after “since”.")]})
        return attrs


class KbKpiRowSerializer(serializers.Serializer):
    month = serializers.DateField()
    author_id = serializers.IntegerField()
    author = serializers.CharField()
    published = serializers.IntegerField()


class KbRootCauseInputSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=24, help_text=_("Ticket number."))
    title = serializers.CharField(max_length=200)
    timeline = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField()
    impact = serializers.CharField(required=False, allow_blank=True)
    corrective_actions = serializers.CharField()
    participants = serializers.CharField(max_length=300, required=False, allow_blank=True)
    articles = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class KbRootCauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.CharField(source="ticket.number")
    title = serializers.CharField()
    root_cause = serializers.CharField()
    corrective_actions = serializers.CharField()
    created_at = serializers.DateTimeField()

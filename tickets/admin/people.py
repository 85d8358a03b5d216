"""Admin of organizations, users (our people and customer contacts), product lines and teams."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Organization, ProductLine, Team, TeamMembership, Ticket, User
from ..roles import Role
from .common import changelist_link


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "phone",
        "email_domain",
        "contact_count",
        "ticket_link",
        "active",
        "created_at",
    )
    list_filter = ("active",)
    search_fields = ("name", "code", "email_domain")
    ordering = ("name",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_contacts=Count("contacts"))

    @admin.display(description=_("contacts"), ordering="n_contacts")
    def contact_count(self, obj: Organization) -> str:
        return changelist_link(User, f"organization__id__exact={obj.pk}", obj.n_contacts)

    @admin.display(description=_("tickets"))
    def ticket_link(self, obj: Organization) -> str:
        return changelist_link(Ticket, f"organization__id__exact={obj.pk}", _("tickets"))


class UserKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("staff", _("our people")), ("customer", _("customer contacts"))]

    def queryset(self, request, queryset):
        if self.value() == "staff":
            return queryset.filter(organization__isnull=True)
        if self.value() == "customer":
            return queryset.filter(organization__isnull=False)
        return queryset


class UserTeamFilter(admin.SimpleListFilter):
    title = _("team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(memberships__team_id=int(self.value()))
        return queryset


class UserMembershipInline(admin.TabularInline):
    model = TeamMembership
    fk_name = "user"
    extra = 0
    fields = ("team", "seniority", "active")
    autocomplete_fields = ("team",)
    verbose_name = _("team membership")
    verbose_name_plural = _("teams")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {
                "fields": (
                    "display_name",
                    ("first_name", "last_name"),
                    "email",
                    "phone",
                    "organization",
                    "language",
                )
            },
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Personal info"),
            {
                "classes": ("wide",),
                "fields": ("display_name", "email", "phone", "organization", "language", "groups"),
            },
        ),
    )
    list_display = (
        "username",
        "display_name",
        "email",
        "organization",
        "role_list",
        "language",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = (
        UserKindFilter,
        "groups",
        UserTeamFilter,
        "language",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    list_select_related = ("organization",)
    search_fields = (
        "username",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "organization__name",
    )
    autocomplete_fields = ("organization",)
    inlines = (UserMembershipInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(g.name, g.name)) for g in obj.groups.all())


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "team_count")
    search_fields = ("name", "code")
    ordering = ("name",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_teams=Count("teams"))

    @admin.display(description=_("teams"), ordering="n_teams")
    def team_count(self, obj: ProductLine) -> int:
        return obj.n_teams


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    fk_name = "team"
    extra = 0
    fields = ("user", "seniority", "active")
    autocomplete_fields = ("user",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user")


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "product_line", "lead", "member_count", "email", "active")
    list_filter = ("active", "product_line")
    list_select_related = ("product_line", "lead")
    search_fields = ("name", "code", "email")
    ordering = ("name",)
    autocomplete_fields = ("product_line", "lead")
    inlines = (TeamMembershipInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj: Team) -> str:
        return changelist_link(User, f"team={obj.pk}", obj.n_members)

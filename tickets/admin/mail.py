"""Admin of email in and out: the outbox and the received messages (read-only, with retry and
download actions) and the IMAP mailboxes (configuration)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..mail.imap import mailbox_poll
from ..mail.outbound import email_retry
from ..models import DeliveryStatus, InboundEmail, Mailbox, OutboundEmail
from .common import ReadOnlyMixin


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "template",
        "address",
        "ticket",
        "language",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "template", "language")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__number", "address", "event_key", "=message_id")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed emails again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        for pk in failed:
            email_retry(outbound_id=pk)
        self.message_user(
            request,
            ngettext("%(n)d email queued again.", "%(n)d emails queued again.", len(failed))
            % {"n": len(failed)},
            messages.SUCCESS,
        )


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "host",
            "port",
            "use_ssl",
            "username",
            "password",
            "folder",
            "unknown_sender",
            "default_organization",
            "active",
        )

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password") or ""
        if not value and self.instance.pk:
            return self.instance.password
        return value


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "username", "host", "folder", "active", "last_polled_at", "last_error")
    list_filter = ("active",)
    readonly_fields = ("last_polled_at", "last_error")
    actions = ["poll_now"]

    @admin.action(description=_("Poll the selected mailboxes now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset.filter(active=True):
            counts = mailbox_poll(mailbox_id=mailbox.pk)
            mailbox.refresh_from_db()
            if mailbox.last_error:
                self.message_user(
                    request,
                    _("%(box)s: %(error)s") % {"box": mailbox, "error": mailbox.last_error},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(box)s: %(n)d new message(s).")
                    % {"box": mailbox, "n": sum(counts.values())},
                    messages.SUCCESS,
                )


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "from_address", "subject", "outcome", "ticket", "mailbox")
    list_filter = ("outcome", "mailbox")
    list_select_related = ("ticket", "mailbox")
    search_fields = ("=ticket__number", "from_address", "=message_id", "subject")
    ordering = ("-received_at", "-id")
    show_full_result_count = False
    exclude = ("raw",)
    readonly_fields = ("source_link",)

    @admin.display(description=_("raw source"))
    def source_link(self, obj: InboundEmail) -> str:
        url = reverse("admin:tickets_inboundemail_source", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the .eml file"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/source/",
                self.admin_site.admin_view(self.source_view),
                name="tickets_inboundemail_source",
            ),
            *super().get_urls(),
        ]

    def source_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        row = InboundEmail.objects.filter(pk=pk).first()
        if row is None:
            return HttpResponse(status=404)
        response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{row.pk}.eml"'
        return response

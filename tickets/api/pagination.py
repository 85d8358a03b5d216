"""Page-number pagination without COUNT(*), on top of `tickets.pagination.paginate`.

A page fetches `page_size + 1` rows to know whether there is a next page; the response has
`next`, `previous` and `results` but no total, so a queue of a million tickets costs one page.
"""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from tickets.pagination import Page, paginate

MAX_PAGE = 100_000


def _positive_int(request: Request, name: str, *, default: int, maximum: int | None) -> int:
    raw = request.query_params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("Enter a whole number.")]}) from None
    if value < 1:
        raise serializers.ValidationError({name: [_("Enter a number of at least 1.")]})
    if maximum is not None and value > maximum:
        raise serializers.ValidationError(
            {name: [_("Enter a number of at most %(n)d.") % {"n": maximum}]}
        )
    return value


class FastPageNumberPagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        """The requested size, capped at `API_MAX_PAGE_SIZE` (an oversize request is clamped)."""
        size = _positive_int(
            request, self.page_size_query_param, default=api_settings.PAGE_SIZE, maximum=None
        )
        return min(size, settings.API_MAX_PAGE_SIZE)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        number = _positive_int(request, self.page_query_param, default=1, maximum=MAX_PAGE)
        self.page: Page[Any] = paginate(queryset, number=number, size=self.get_page_size(request))
        return self.page.items

    def get_next_link(self) -> str | None:
        if not self.page.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page.next_number)

    def get_previous_link(self) -> str | None:
        if not self.page.has_previous:
            return None
        url = self.request.build_absolute_uri()
        if self.page.previous_number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page.previous_number)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "example": "http://api.example.org/accounts/?page=4"},
                "previous": {**link, "example": "http://api.example.org/accounts/?page=2"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, starting at 1 (no total count is computed).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page; larger values are capped at "
                f"{settings.API_MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

"""The domain error translated once for the API: DomainError → 400/403/409 with a message.

Body: `{"detail": message, "field": field}`; a 400 also carries `{field: [message]}` (or
`non_field_errors`) so that clients show the message next to the field, as for serializer errors.
"""

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.errors import DomainError


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "payload_too_large"


def domain_error_body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": exc.message, "field": exc.field}
    if exc.status == status.HTTP_400_BAD_REQUEST:
        body[exc.field or api_settings.NON_FIELD_ERRORS_KEY] = [exc.message]
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(domain_error_body(exc), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFilesSent | TooManyFieldsSent):
        exc = exceptions.ParseError(str(exc))
    return drf_exception_handler(exc, context)

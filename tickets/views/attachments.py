"""Permission-checked attachment downloads, shared by the engineer UI, the portal and the API."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest

from .. import selectors
from ..downloads import attachment_response


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    return attachment_response(attachment)

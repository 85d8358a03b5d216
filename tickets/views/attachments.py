"""Permission-checked attachment downloads, shared by the engineer UI, the portal and the API."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from .. import selectors


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    """Always a download (never rendered inline), with the type checked at upload time."""
    attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

from django.http import HttpRequest

from .permissions import user_caps


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"caps": user_caps(user)}

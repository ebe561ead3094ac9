"""Puts the studio the user is acting for into every template."""

from creators.queries import studios_of


def current_studio(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_studio": None}
    return {"current_studio": studios_of(user).first()}

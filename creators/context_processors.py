"""Puts the studio the user is acting for, and invitations waiting for an answer, into
every template."""

from creators.queries import current_studio as acting_for
from creators.queries import invitations_for


def current_studio(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_studio": None, "invitations_waiting": 0}
    return {"current_studio": acting_for(request),
            "invitations_waiting": invitations_for(user).count()}

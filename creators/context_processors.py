"""Puts the studio the user is acting for, and invitations waiting for an answer, into
every template."""

from creators.queries import current_studio as acting_for
from creators.queries import invitation_behind, invitations_for


def _invitation_ahead(request):
    """The studio whose emailed invitation the visitor is on the way to answer (a login or
    sign-up page whose ?next is the link), so those pages can say why they are there."""
    found = invitation_behind(request.GET.get("next") or request.POST.get("next") or "")
    return found.studio.name if found is not None else None


def current_studio(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_studio": None, "invitations_waiting": 0, "earns": False,
                "invitation_ahead": _invitation_ahead(request)}
    studio = acting_for(request)
    return {"current_studio": studio,
            "invitations_waiting": invitations_for(user).count(),
            "earns": _earns(user, studio)}


def _earns(user, studio) -> bool:
    """Whether the earnings and revenue pages have anything for this user: a studio's
    money, a rights holder's share, or finance's books."""
    if studio is not None or user.is_finance or user.is_staff:
        return True
    from revenue.queries import is_holder

    return is_holder(user)

"""The one place that decides which centers, and in which role, a signed-in user may see."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from clinics.choices import Role
from clinics.models import Center, Membership

STAFF_ROLES = (Role.CENTER_ADMIN, Role.MEDICAL_DIRECTOR)


def centers_for(user, *, roles=None) -> QuerySet[Center]:
    """Centers where the user holds an active membership (in one of `roles`, when given)."""
    if not user.is_authenticated:
        return Center.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Center.objects.filter(is_active=True, pk__in=memberships.values("center_id")).order_by(
        "name"
    )


def staff_center_for(user, center_id=None) -> tuple[Center, list[Center]]:
    """The center a staff member works on (`center_id` when it is one of theirs, else their
    first) and all of theirs; PermissionDenied for someone on no center's staff."""
    centers = list(centers_for(user, roles=STAFF_ROLES))
    if not centers:
        raise PermissionDenied
    wanted = str(center_id or "")
    return next((c for c in centers if str(c.pk) == wanted), centers[0]), centers


def require_staff_of(user, center: Center) -> None:
    """PermissionDenied unless the user is on the staff of `center`."""
    if not centers_for(user, roles=STAFF_ROLES).filter(pk=center.pk).exists():
        raise PermissionDenied


def roles_of(user) -> set[str]:
    """Every role the user holds anywhere, plus "patient" when they have a patient record."""
    if not user.is_authenticated:
        return set()
    roles = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))
    if hasattr(user, "patient_profile"):
        roles.add("patient")
    return roles


def landing_url_name(user) -> str:
    """The page a user lands on after signing in: the one their main role works from."""
    roles = roles_of(user)
    if roles & set(STAFF_ROLES):
        return "console"
    if Role.PRACTITIONER in roles:
        return "my_day"
    if "patient" in roles:
        return "portal_home"
    if user.is_staff:
        return "admin:index"
    return "no_role"


def may_run_session(user, session) -> bool:
    """Whether the user may act on a session: its own practitioner, or an admin of its center.

    Takes any object with `center_id` and `practitioner` (a therapy session), so that the
    rule lives here, below the apps that hold sessions.
    """
    if not user.is_authenticated:
        return False
    roles = set(
        Membership.objects.filter(
            user=user, center_id=session.center_id, is_active=True
        ).values_list("role", flat=True)
    )
    if Role.CENTER_ADMIN in roles:
        return True
    practitioner = session.practitioner
    return (
        Role.PRACTITIONER in roles and practitioner is not None and practitioner.user_id == user.pk
    )


def session_scope(user) -> Q:
    """Which sessions (or anything with `center`, `practitioner` and `patient`) a user may read:
    all of a center on whose staff they are, those they run as its practitioner, their own as a
    patient. Nothing for the anonymous."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    memberships = Membership.objects.filter(user=user, is_active=True, center__is_active=True)
    return (
        Q(center_id__in=memberships.filter(role__in=STAFF_ROLES).values("center_id"))
        | Q(
            center_id__in=memberships.filter(role=Role.PRACTITIONER).values("center_id"),
            practitioner__user=user,
        )
        | Q(patient__user=user)
    )

"""Template context every page shares: the navigation for the signed-in user's roles."""

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.access import STAFF_ROLES, roles_of
from clinics.choices import Role


def portal(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    items = []
    if roles & set(STAFF_ROLES):
        items.append((reverse("console"), _("Console")))
        items.append((reverse("console_calendar"), _("Calendar")))
        items.append((reverse("care_plans"), _("Care plans")))
        items.append((reverse("waitlist_console"), _("Waitlist")))
    if Role.PRACTITIONER in roles:
        items.append((reverse("my_day"), _("My day")))
    if roles & {*STAFF_ROLES, Role.PRACTITIONER}:
        items.append((reverse("center_board"), _("Board")))
        items.append((reverse("console_outcomes"), _("Outcomes")))
        # Their own alerts: patients who asked for help, messages that failed for good.
        items.append((reverse("notifications_alerts"), _("Alerts")))
    # Plans that patients booked but that need a clinician's yes first.
    if roles & {Role.MEDICAL_DIRECTOR, Role.PRACTITIONER}:
        items.append((reverse("care_plans_held"), _("Approvals")))
    if "patient" in roles:
        items.append((reverse("portal_home"), _("My care")))
        items.append((reverse("portal_timeline"), _("Timeline")))
        items.append((reverse("portal_progress"), _("Progress")))
        items.append((reverse("waitlist_portal"), _("Waitlist")))
        items.append((reverse("notifications_inbox"), _("Messages")))
    if user.is_staff:
        items.append((reverse("admin:index"), _("Administration")))
    # The deepest item the page lies under is current (/console/calendar/ is the Calendar's).
    current = max(
        (url for url, _label in items if request.path.startswith(url)), key=len, default=""
    )
    return {
        "portal_nav": [
            {"url": url, "label": label, "active": url == current} for url, label in items
        ]
    }

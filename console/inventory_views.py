"""The inventory page's action: an admin records that a low-stock item has been reordered."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.access import STAFF_ROLES, centers_for
from sessions.models import StockAlert
from sessions.services import stock_alert_close


@login_required
@require_POST
def stock_alert_reordered(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a low-stock alert of one of the user's centers (another center's is as missing)."""
    alert = (
        StockAlert.objects.filter(pk=pk, center__in=centers_for(request.user, roles=STAFF_ROLES))
        .select_related("consumable")
        .first()
    )
    if alert is None:
        raise Http404
    stock_alert_close(alert=alert, by=request.user)
    messages.success(
        request,
        _("%(consumable)s is marked as reordered; its alert is closed.")
        % {"consumable": alert.consumable.name},
    )
    return redirect(f"{reverse('console_inventory')}?center={alert.center_id}")

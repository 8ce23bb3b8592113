"""The console's inventory: stock and use per consumable, the low-stock list, the reorder report
and use per protocol, against hand-computed figures, with a fixed number of queries."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from sessions.models import SessionStatus
from sessions.services import material_use
from tests.factories import (
    CarePlanFactory,
    ConsumableFactory,
    MaterialUsageFactory,
    PatientFactory,
    ProtocolVersionFactory,
    StockAlertFactory,
    TherapySessionFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
# Measured with the small fixture; the same bound must hold with many more sessions.
INVENTORY_QUERIES = 8


def _session(center, hour, days_ago, care_plan=None):
    patient = care_plan.patient if care_plan else PatientFactory(center=center)
    return TherapySessionFactory(
        center=center,
        patient=patient,
        care_plan=care_plan,
        starts_at=local_today_at(center, hour, days=-days_ago),
        status=SessionStatus.COMPLETED,
    )


def _use(session, consumable, quantity):
    MaterialUsageFactory(
        session=session,
        consumable=consumable,
        quantity=Decimal(quantity),
        recorded_at=session.starts_at,
    )


@pytest.fixture
def stock_used(center, other_center):
    """Over the last 30 days: sesame oil 200 + 300 ml in two Virechana sessions and 100 ml
    outside a care plan, dashamoola 50 g in the first Virechana session. Not counted: 1000 ml
    40 days ago, and the other center's oil."""
    oil = ConsumableFactory(
        center=center, name="Sesame oil", stock_quantity=800, reorder_level=1000
    )
    powder = ConsumableFactory(
        center=center, name="Dashamoola", unit="g", stock_quantity=5000, reorder_level=500
    )
    plan = CarePlanFactory(
        patient=PatientFactory(center=center),
        protocol_version=ProtocolVersionFactory(template__name="Virechana 7-day"),
    )
    first = _session(center, 9, 3, plan)
    _use(first, oil, 200)
    _use(first, powder, 50)
    _use(_session(center, 9, 2, plan), oil, 300)
    _use(_session(center, 11, 2), oil, 100)
    _use(_session(center, 9, 40), oil, 1000)
    foreign_oil = ConsumableFactory(center=other_center, name="Sesame oil", stock_quantity=10)
    _use(_session(other_center, 9, 1), foreign_oil, 5)
    return oil, powder


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_it_shows_stock_use_and_cover_per_consumable(client, admin_user, stock_used):
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_inventory")))

    # Oil: 600 ml over 30 days is 20 a day; 800 ml lasts 40 days.
    assert (
        'Sesame oil <span class="badge status-cancelled">low</span></td> '
        '<td data-label="In stock">800 millilitre</td> <td data-label="Reorder level">1000</td> '
        '<td data-label="Used">600</td> <td data-label="Sessions">3</td> '
        '<td data-label="Per day">20</td> <td data-label="Days of cover">40</td>'
    ) in page
    # Dashamoola: 50 g over 30 days; 5000 g lasts 3000 days.
    assert (
        '<td data-label="Used">50</td> <td data-label="Sessions">1</td> '
        '<td data-label="Per day">1.67</td> <td data-label="Days of cover">3000</td>'
    ) in page


def test_the_low_stock_list_and_reorder_report_name_what_to_order(client, admin_user, stock_used):
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_inventory")))
    report = client.get(reverse("console_inventory_reorder"))

    # Back to the 1000 ml level plus 30 days at 20 ml a day: 1000 + 600 - 800 = 800 ml.
    assert '<td data-label="To order"><strong>800 millilitre</strong></td>' in page
    assert report.status_code == 200
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0][0] == "Consumable" and rows[0][-1] == "To order"
    # Only what is at or under its reorder level; the powder is well above.
    assert rows[1:] == [["Sesame oil", "millilitre", "800", "1000", "600", "40", "800"]]


def test_it_sums_use_per_protocol(client, admin_user, stock_used):
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_inventory")))

    section = page[page.index("Use per protocol") :]
    assert (
        '<td data-label="Protocol">Virechana 7-day</td> <td data-label="Consumable">Dashamoola'
        '</td> <td data-label="Used">50 gram</td> <td data-label="Sessions">1</td> '
        '<td data-label="Per session">50 gram</td>'
    ) in section
    assert (
        '<td data-label="Protocol">Virechana 7-day</td> <td data-label="Consumable">Sesame oil'
        '</td> <td data-label="Used">500 millilitre</td> <td data-label="Sessions">2</td> '
        '<td data-label="Per session">250 millilitre</td>'
    ) in section
    assert (
        '<td data-label="Protocol">Outside a care plan</td> <td data-label="Consumable">'
        'Sesame oil</td> <td data-label="Used">100 millilitre</td>'
    ) in section
    assert section.index("Dashamoola") < section.index("Outside a care plan")


def test_material_used_on_the_runner_lowers_the_stock_shown(
    client, admin_user, practitioner_user, center
):
    oil = ConsumableFactory(
        center=center, name="Sesame oil", stock_quantity=1100, reorder_level=1000
    )
    session = TherapySessionFactory(
        center=center,
        practitioner=practitioner_user.practitioner_profile,
        starts_at=local_today_at(center, 0, 5),
        status=SessionStatus.IN_SESSION,
    )
    material_use(session=session, consumable=oil, quantity=Decimal(150), by=practitioner_user)
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_inventory")))

    assert '<td data-label="In stock">950 millilitre</td>' in page
    assert '<td data-label="Used">150</td> <td data-label="Sessions">1</td>' in page
    assert "raised" in page[page.index("Low stock") : page.index("Stock and use")]


def test_it_counts_only_the_days_asked_for(client, admin_user, center, stock_used):
    client.force_login(admin_user)
    day = local_today_at(center, 9, days=-3).date().isoformat()

    page = _text(client.get(reverse("console_inventory"), {"start": day, "end": day}))

    # Only the first Virechana session's 200 ml that day; one day, so 200 a day.
    assert '<td data-label="Used">200</td> <td data-label="Sessions">1</td>' in page
    assert '<td data-label="Per day">200</td> <td data-label="Days of cover">4</td>' in page


def test_bad_dates_are_refused_in_words(client, admin_user, stock_used):
    client.force_login(admin_user)

    page = client.get(reverse("console_inventory"), {"start": "2026-02-30"})
    report = client.get(
        reverse("console_inventory_reorder"), {"start": "2026-12-05", "end": "2026-12-01"}
    )

    assert page.status_code == 400
    assert "Give the date as year-month-day" in page.content.decode()
    assert report.status_code == 400
    assert report.content.decode() == "The first day must come before the last day."


def test_another_centers_admin_sees_only_their_own_stock(client, outsider, stock_used):
    client.force_login(outsider)

    page = _text(client.get(reverse("console_inventory")))

    assert "London Ayurveda Clinic" in page
    assert "Dashamoola" not in page
    assert '<td data-label="In stock">10 millilitre</td>' in page


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_inventory")).status_code == 403
        assert client.get(reverse("console_inventory_reorder")).status_code == 403


@pytest.mark.parametrize("scale", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, django_assert_max_num_queries, scale
):
    for index in range(scale):
        plan = CarePlanFactory(patient=PatientFactory(center=center))
        consumable = ConsumableFactory(center=center, stock_quantity=10, reorder_level=50)
        for hour in (8, 10, 12):
            _use(_session(center, hour, 1 + index, plan), consumable, 2)
    client.force_login(admin_user)

    with django_assert_max_num_queries(INVENTORY_QUERIES):
        response = client.get(reverse("console_inventory"))
    assert response.content.decode().count('data-label="To order"') == scale


def test_an_admin_marks_a_low_stock_item_reordered(client, admin_user, center):
    oil = ConsumableFactory(center=center, name="Sesame oil", stock_quantity=900)
    alert = StockAlertFactory(consumable=oil)
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_inventory")))
    response = client.post(reverse("console_stock_alert_reordered", args=[alert.pk]), follow=True)

    assert "Mark as reordered" in page
    assert response.redirect_chain[-1][0] == f"{reverse('console_inventory')}?center={center.pk}"
    assert "Sesame oil is marked as reordered; its alert is closed." in response.content.decode()
    alert.refresh_from_db()
    assert alert.closed_at is not None and alert.closed_by == admin_user
    # Still low, but no longer an open alert to act on.
    assert "Mark as reordered" not in _text(response)


def test_nobody_closes_another_centers_alert(client, outsider, practitioner_user, center):
    alert = StockAlertFactory(consumable=ConsumableFactory(center=center))
    for user in (outsider, practitioner_user):
        client.force_login(user)
        url = reverse("console_stock_alert_reordered", args=[alert.pk])
        assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    alert.refresh_from_db()
    assert alert.closed_at is None

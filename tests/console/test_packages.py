"""Package templates in the console: a center's packages with their protocols and price,
created and changed by its admins, refused to everyone else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import CarePlan
from protocols.models import PackageTemplate
from tests.factories import (
    PackageProtocolFactory,
    PackageTemplateFactory,
    PatientFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, centers, roles and patient record (the menu), packages, their protocols.
LIST_QUERIES = 7


@pytest.fixture
def courses(center, other_center):
    return {
        "virechana": ProtocolTemplateFactory(name="7-day Virechana", duration_days=7),
        "shirodhara": ProtocolTemplateFactory(
            name="5-day Shirodhara", duration_days=5, center=center
        ),
        "london": ProtocolTemplateFactory(
            name="London detox", duration_days=5, center=other_center
        ),
    }


def _post(client, url, **fields):
    data = {
        "name": "Detox fortnight",
        "price": "85000",
        "currency": "INR",
        "duration_days": "14",
        "is_active": "on",
        "protocol_1": "",
        "protocol_2": "",
        "protocol_3": "",
    } | {key: str(value) for key, value in fields.items()}
    return client.post(url, data)


def test_the_list_shows_each_package_with_its_protocols_in_order_and_price(
    client, admin_user, center, courses, django_assert_max_num_queries
):
    for n in range(4):
        package = PackageTemplateFactory(
            center=center, name=f"Course {n}", price=Decimal("85000"), duration_days=14
        )
        PackageProtocolFactory(package=package, protocol=courses["virechana"], order=1)
        PackageProtocolFactory(package=package, protocol=courses["shirodhara"], order=2)
    PackageTemplateFactory(center=courses["london"].center, name="London week")
    client.force_login(admin_user)

    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(reverse("console_packages")).content.decode()

    assert page.count("<li>7-day Virechana</li><li>5-day Shirodhara</li>") == 4
    assert "85,000.00 INR" in page
    assert "London week" not in page


def test_an_admin_creates_a_package_of_protocols_in_the_order_chosen(
    client, admin_user, center, courses
):
    client.force_login(admin_user)

    response = _post(
        client,
        reverse("console_package_new"),
        protocol_1=courses["shirodhara"].pk,
        protocol_2=courses["virechana"].pk,
    )

    assert response.status_code == 302
    package = PackageTemplate.objects.get(center=center)
    assert (package.name, package.price, package.currency, package.duration_days) == (
        "Detox fortnight",
        Decimal("85000.00"),
        "INR",
        14,
    )
    assert [item.protocol.name for item in package.items.order_by("order")] == [
        "5-day Shirodhara",
        "7-day Virechana",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Package Detox fortnight saved." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"protocol_1": "virechana", "duration_days": 6}, "Its protocols take 7 days"),
        (
            {"protocol_1": "virechana", "protocol_2": "virechana"},
            "Each protocol can be included once.",
        ),
        ({"protocol_1": "london"}, "Please choose one of the protocols listed."),
        ({"protocol_1": ""}, "Please choose at least one protocol."),
        ({"protocol_1": "virechana", "price": "-5"}, "Ensure this value is greater than"),
    ],
    ids=["too-short", "twice", "other-centers-protocol", "none", "negative-price"],
)
def test_a_bad_package_is_refused_in_words_and_nothing_is_saved(
    client, admin_user, courses, fields, message
):
    client.force_login(admin_user)
    data = {
        key: (courses[value].pk if key.startswith("protocol_") and value else value)
        for key, value in fields.items()
    }

    response = _post(client, reverse("console_package_new"), **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PackageTemplate.objects.exists()


def test_editing_a_package_changes_its_protocols_and_price(client, admin_user, center, courses):
    package = PackageTemplateFactory(center=center, name="Detox week")
    PackageProtocolFactory(package=package, protocol=courses["virechana"], order=1)
    client.force_login(admin_user)
    url = reverse("console_package_edit", args=[package.pk])
    assert "7-day Virechana" in client.get(url).content.decode()

    response = _post(
        client,
        url,
        name="Detox week",
        price="49500.50",
        duration_days=12,
        protocol_1=courses["virechana"].pk,
        protocol_2=courses["shirodhara"].pk,
    )

    assert response.status_code == 302
    package.refresh_from_db()
    assert package.price == Decimal("49500.50")
    assert [item.protocol.name for item in package.items.order_by("order")] == [
        "7-day Virechana",
        "5-day Shirodhara",
    ]


def test_another_centers_admin_cannot_open_or_change_the_package(client, outsider, center):
    package = PackageTemplateFactory(center=center, name="Detox week")
    client.force_login(outsider)
    url = reverse("console_package_edit", args=[package.pk])

    assert client.get(url).status_code == 404
    assert _post(client, url, name="Hijacked").status_code == 404
    assert PackageTemplate.objects.get().name == "Detox week"


@pytest.mark.parametrize("who", ["practitioner_user", "patient_user"])
def test_practitioners_and_patients_are_refused(request, client, center, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("console_packages")).status_code == 403
    assert client.get(reverse("console_package_new")).status_code == 403
    assert _post(client, reverse("console_package_new")).status_code == 403
    assert not PackageTemplate.objects.exists()


# --- starting a package for a patient -------------------------------------------------------


@pytest.fixture
def detox(center, courses):
    """Virechana (7 days) then Shirodhara (5), whose version 2 comes into force in 10 days."""
    start_of_v2 = timezone.localdate(timezone=center.tzinfo) + datetime.timedelta(days=10)
    ProtocolVersionFactory(template=courses["virechana"], version=1)
    ProtocolVersionFactory(template=courses["shirodhara"], version=1, effective_to=start_of_v2)
    ProtocolVersionFactory(template=courses["shirodhara"], version=2, effective_from=start_of_v2)
    package = PackageTemplateFactory(center=center, name="Detox fortnight", duration_days=12)
    PackageProtocolFactory(package=package, protocol=courses["virechana"], order=1)
    PackageProtocolFactory(package=package, protocol=courses["shirodhara"], order=2)
    return package


def test_starting_a_package_makes_its_care_plans_one_after_another(
    client, admin_user, center, detox
):
    patient = PatientFactory(center=center, first_name="Devi", last_name="Menon")
    start = timezone.localdate(timezone=center.tzinfo) + datetime.timedelta(days=5)
    client.force_login(admin_user)

    response = client.post(
        reverse("console_package_start", args=[detox.pk]),
        {"patient": patient.pk, "start_date": start.isoformat()},
    )

    assert response.status_code == 302
    plans = list(CarePlan.objects.filter(patient=patient).order_by("start_date"))
    assert [(p.protocol_version.template.name, p.protocol_version.version) for p in plans] == [
        ("7-day Virechana", 1),
        ("5-day Shirodhara", 2),  # its first day falls after version 2 came into force
    ]
    assert [p.start_date for p in plans] == [start, start + datetime.timedelta(days=7)]
    assert {p.status for p in plans} == {CarePlan.Status.DRAFT}
    page = client.get(response["Location"]).content.decode()
    assert "Detox fortnight started for Devi Menon: 2 care plans to auto-schedule" in page


def test_a_package_started_in_the_past_makes_no_care_plan(client, admin_user, center, detox):
    patient = PatientFactory(center=center)
    yesterday = timezone.localdate(timezone=center.tzinfo) - datetime.timedelta(days=1)
    client.force_login(admin_user)

    response = client.post(
        reverse("console_package_start", args=[detox.pk]),
        {"patient": patient.pk, "start_date": yesterday.isoformat()},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "No care plan was made." in page and "The first day cannot be in the past" in page
    assert not CarePlan.objects.exists()


def test_a_package_is_started_only_for_its_own_centers_patients(
    client, admin_user, outsider, center, other_center, detox
):
    stranger = PatientFactory(center=other_center)
    client.force_login(admin_user)
    response = client.post(
        reverse("console_package_start", args=[detox.pk]),
        {"patient": stranger.pk, "start_date": "2030-01-07"},
    )
    assert response.status_code == 400
    assert "Please choose one of the center&#x27;s patients listed." in response.content.decode()

    client.force_login(outsider)
    assert client.get(reverse("console_package_start", args=[detox.pk])).status_code == 404
    assert not CarePlan.objects.exists()

"""Setting up a center from CSV: the dry run shows every row, applying is all or nothing, the
same file twice changes nothing, and bad files and cells are refused in the admin's words."""

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from clinics.choices import Role
from clinics.models import Consumable, Room, RosterShift, User
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOMS = (
    "code,name,room_type,capacity,admits_only,active\n"
    "PV1,Abhyanga room 1,therapy,1,,yes\n"
    "ST1,Steam room,steam,2,F,yes\n"
    "YH,Yoga hall,Yoga hall,12,,no\n"
)


def _check(client, kind, text, center=None, name="file.csv"):
    body = {"kind": kind, "file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    if center is not None:
        body["center"] = center.pk
    return client.post(reverse("console_import"), body)


def _apply(client, kind, text, center):
    return client.post(
        reverse("console_import"),
        {"kind": kind, "center": center.pk, "checked_file": text, "apply": "1"},
    )


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_dry_run_shows_every_row_and_writes_nothing(client, admin_user, center):
    client.force_login(admin_user)

    response = _check(client, "rooms", ROOMS)

    assert response.status_code == 200
    page = _text(response)
    assert page.count('<span class="badge status-completed">New</span>') == 3
    assert '<td data-label="code">ST1</td>' in page
    assert "Import these 3 rows" in page
    assert not Room.objects.exists()


def test_applying_writes_the_rows_at_the_admins_center(client, admin_user, center):
    client.force_login(admin_user)

    response = _apply(client, "rooms", ROOMS, center)

    assert response.status_code == 200
    assert "Imported Rooms into Kerala Panchakarma Center: 3 new, 0 changed, 0 unchanged." in (
        response.content.decode()
    )
    rooms = {r.code: r for r in Room.objects.filter(center=center)}
    assert sorted(rooms) == ["PV1", "ST1", "YH"]
    assert rooms["ST1"].room_type == "steam" and rooms["ST1"].capacity == 2
    assert rooms["ST1"].gender == "F" and rooms["PV1"].gender is None
    # The type by its English name, "no" for a room out of use.
    assert rooms["YH"].room_type == "yoga_hall" and rooms["YH"].is_active is False


def test_importing_the_same_file_twice_changes_nothing(client, admin_user, center):
    client.force_login(admin_user)
    _apply(client, "rooms", ROOMS, center)
    before = list(Room.objects.order_by("pk").values())

    check = _text(_check(client, "rooms", ROOMS))
    again = _apply(client, "rooms", ROOMS, center)

    assert check.count('<span class="badge">Unchanged</span>') == 3
    assert "importing this file would change nothing" in check and "Import these" not in check
    assert "0 new, 0 changed, 3 unchanged" in again.content.decode()
    assert list(Room.objects.order_by("pk").values()) == before


def test_a_changed_row_updates_the_room_it_names(client, admin_user, center):
    RoomFactory(center=center, code="PV1", name="Old name", room_type="therapy")
    client.force_login(admin_user)

    page = _text(_check(client, "rooms", ROOMS))
    _apply(client, "rooms", ROOMS, center)

    assert page.count('<span class="badge status-in_session">Changes</span>') == 1
    assert Room.objects.get(center=center, code="PV1").name == "Abhyanga room 1"
    assert Room.objects.filter(center=center).count() == 3


def test_one_broken_row_and_nothing_is_imported(client, admin_user, center):
    broken = ROOMS + "SA1,,sauna,0,X,maybe\n"
    client.force_login(admin_user)

    check = _check(client, "rooms", broken)
    applied = _apply(client, "rooms", broken, center)

    assert check.status_code == 400
    page = _text(check)
    # Every problem of line 5, each named by its column, in words.
    for problem in (
        "name: This cell is empty; it must be filled in.",
        "room_type: “sauna” is not one of: therapy, private, steam, consult, yoga_hall, recovery.",
        "capacity: Give 1 or more.",
        "admits_only: “X” is not one of: F, M.",
        "active: Write yes or no.",
    ):
        assert problem in page
    assert re.search(
        r'<td data-label="Line">5</td> <td data-label="Result"><span class="badge status-cancelled">Problem',
        page,
    )
    assert "Nothing will be imported until every row is right." in page
    assert "Import these" not in page
    # Applied anyway (the form is not shown, but the request can be made): still nothing.
    assert applied.status_code == 400
    assert "Nothing was imported" in applied.content.decode()
    assert not Room.objects.exists()


def test_consumables_are_matched_by_name_at_the_center(client, admin_user, center, other_center):
    Consumable.objects.create(center=other_center, name="Ksheerabala taila", stock_quantity=7)
    text = (
        "name,unit,in_stock,reorder_level\n"
        'Ksheerabala taila,ml,"5000,5",1000\n'
        "Cotton towels,piece,60,40\n"
    )
    client.force_login(admin_user)

    _apply(client, "consumables", text, center)

    oil = Consumable.objects.get(center=center, name="Ksheerabala taila")
    assert str(oil.stock_quantity) == "5000.500" and oil.unit == "ml"
    assert Consumable.objects.get(center=other_center).stock_quantity == 7


def test_a_roster_names_practitioners_of_the_center_by_email(
    client, admin_user, center, practitioner_user
):
    stranger = UserFactory(email="stranger@example.org")
    MembershipFactory(user=stranger, center=center, role=Role.CENTER_ADMIN)
    good = (
        "practitioner_email,weekday,starts,ends\n"
        "VAIDYA@kerala.example.org,Monday,08:00,14:00\n"
        "vaidya@kerala.example.org,2,14:00,20:00\n"
    )
    bad = (
        good
        + "stranger@example.org,Funday,25:00,07:00\nvaidya@kerala.example.org,Friday,14:00,09:00\n"
    )
    client.force_login(admin_user)

    page = _text(_check(client, "roster", bad))
    _apply(client, "roster", good, center)

    assert (
        "practitioner_email: No practitioner of Kerala Panchakarma Center signs in as "
        "“stranger@example.org”." in page
    )
    assert "weekday: “Funday” is not one of: 0, 1, 2, 3, 4, 5, 6." in page
    assert "starts: “25:00” is not a time; write hours:minutes, e.g. 09:30." in page
    assert "ends: The shift must end after it starts." in page
    shifts = list(RosterShift.objects.filter(center=center).order_by("weekday"))
    assert [(s.weekday, s.starts, s.ends) for s in shifts] == [
        (0, datetime.time(8), datetime.time(14)),
        (2, datetime.time(14), datetime.time(20)),
    ]
    assert all(s.practitioner == practitioner_user.practitioner_profile for s in shifts)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "The file is empty."),
        (b"naam\n", "The file has no column code, name, room_type"),
        ("code,name\n".encode("utf-16"), "The file is not UTF-8 text"),
    ],
)
def test_a_wrong_file_is_refused_in_words(client, admin_user, content, problem):
    client.force_login(admin_user)

    response = client.post(
        reverse("console_import"),
        {"kind": "rooms", "file": SimpleUploadedFile("rooms.csv", content, "text/csv")},
    )

    assert response.status_code == 400
    assert problem in response.content.decode()


def test_a_file_with_excels_byte_order_mark_is_read(client, admin_user, center):
    client.force_login(admin_user)

    response = _apply(client, "rooms", "\ufeff" + ROOMS, center)

    assert response.status_code == 200
    assert Room.objects.filter(center=center).count() == 3


def test_the_templates_hold_the_columns_the_import_reads(client, admin_user, center):
    client.force_login(admin_user)

    for kind in ("staff", "rooms", "consumables", "roster"):
        template = client.get(reverse("console_import_template", args=[kind]))
        assert template.status_code == 200
        assert template["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
        # The template's example row itself passes the check (the roster's names nobody here).
        if kind != "roster":
            check = _check(client, kind, template.content.decode())
            assert check.status_code == 200, _text(check)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("console_import_template", args=["rooms"])).content.decode()
            )
        )
    )
    assert rows[0] == ["code", "name", "room_type", "capacity", "admits_only", "active"]


def test_only_center_admins_import(client, practitioner_user, patient_user, other_center):
    director = UserFactory(email="director@kerala.example.org")
    MembershipFactory(user=director, center=other_center, role=Role.MEDICAL_DIRECTOR)
    for user in (practitioner_user, patient_user, director):
        client.force_login(user)
        assert client.get(reverse("console_import")).status_code == 403
        assert _check(client, "rooms", ROOMS).status_code == 403
    assert not Room.objects.exists()


def test_another_centers_id_imports_into_the_admins_own_center(
    client, admin_user, center, other_center
):
    client.force_login(admin_user)

    _apply(client, "rooms", ROOMS, other_center)

    assert Room.objects.filter(center=center).count() == 3
    assert not Room.objects.filter(center=other_center).exists()


def test_the_problems_read_in_hindi(client, admin_user, settings):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"

    # LocaleMiddleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        page = _text(_check(client, "rooms", ROOMS + "SA1,,sauna,1,,yes\n"))

    assert "इस फ़ाइल के आयात से क्या होगा" in page
    assert "name: यह खाना खाली है; इसे भरना ज़रूरी है।" in page


STAFF = (
    "email,first_name,last_name,role,gender\n"
    "asha.nair@example.org,Asha,Nair,practitioner,F\n"
    "ravi@example.org,Ravi,Kumar,center_admin,\n"
)


def test_a_staff_file_makes_accounts_roles_and_practitioners(client, admin_user, center):
    client.force_login(admin_user)

    check = _text(_check(client, "staff", STAFF))
    applied = _apply(client, "staff", STAFF, center)
    again = _apply(client, "staff", STAFF, center)

    assert check.count('<span class="badge status-completed">New</span>') == 2
    assert "2 new, 0 changed, 0 unchanged" in applied.content.decode()
    asha = User.objects.get(email="asha.nair@example.org")
    assert (asha.first_name, asha.last_name) == ("Asha", "Nair")
    assert not asha.has_usable_password()
    assert asha.practitioner_profile.gender == "F"
    assert asha.memberships.get().center == center
    assert User.objects.get(email="ravi@example.org").memberships.get().role == "center_admin"
    assert "0 new, 0 changed, 2 unchanged" in again.content.decode()


def test_a_new_center_is_set_up_staff_first_then_their_roster(client, admin_user, center):
    client.force_login(admin_user)
    _apply(client, "staff", STAFF, center)

    response = _apply(
        client,
        "roster",
        "practitioner_email,weekday,starts,ends\nasha.nair@example.org,Monday,08:00,14:00\n",
        center,
    )

    assert response.status_code == 200
    assert RosterShift.objects.get(center=center).practitioner.user.first_name == "Asha"


def test_someone_working_elsewhere_is_added_but_not_renamed(client, admin_user, center, outsider):
    client.force_login(admin_user)

    _apply(
        client,
        "staff",
        "email,first_name,last_name,role,gender\nADMIN@london.example.org,Ollie,H,medical_director,\n",
        center,
    )

    outsider.refresh_from_db()
    assert (outsider.first_name, outsider.last_name) == ("Oliver", "Hughes")
    assert outsider.memberships.filter(center=center, role="medical_director").exists()


def test_staff_rows_are_refused_in_words(client, admin_user, center):
    text = (
        "email,first_name,last_name,role,gender\n"
        "not-an-email,Asha,Nair,practitioner,F\n"
        "kavya@example.org,,Das,nurse,\n"
        "arjun@example.org,Arjun,,practitioner,\n"
    )
    client.force_login(admin_user)

    page = _text(_apply(client, "staff", text, center))

    assert "email: “not-an-email” is not an email address." in page
    assert "first_name: This cell is empty; it must be filled in." in page
    assert "role: “nurse” is not one of: center_admin, practitioner, medical_director." in page
    assert "gender: A practitioner needs a gender, F or M: patients may ask for one." in page
    assert "Nothing was imported" in page
    assert not User.objects.filter(email__in=["kavya@example.org", "arjun@example.org"]).exists()

"""Standing test data every test can ask for: two centers, their staff, a patient, an outsider."""

import pytest

from clinics.choices import Role
from tests.factories import (
    CenterFactory,
    MembershipFactory,
    PatientFactory,
    PractitionerProfileFactory,
    SuperuserFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers take ~100 ms per password; tests check behaviour, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def center(db):
    return CenterFactory(
        name="Kerala Panchakarma Center",
        slug="kerala",
        timezone="Asia/Kolkata",
        city="Kochi",
        country="IN",
        holiday_country="IN",
        holiday_subdivision="KL",
    )


@pytest.fixture
def other_center(db):
    return CenterFactory(
        name="London Ayurveda Clinic",
        slug="london",
        timezone="Europe/London",
        city="London",
        country="GB",
        holiday_country="GB",
        holiday_subdivision="ENG",
    )


@pytest.fixture
def admin_user(center):
    """A center admin of `center` (overrides pytest-django's superuser `admin_user`)."""
    user = UserFactory(email="admin@kerala.example.org", first_name="Anjali", last_name="Nair")
    MembershipFactory(user=user, center=center, role=Role.CENTER_ADMIN)
    return user


@pytest.fixture
def practitioner_user(center):
    user = UserFactory(email="vaidya@kerala.example.org", first_name="Suresh", last_name="Menon")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    PractitionerProfileFactory(user=user, gender="M")
    return user


@pytest.fixture
def practitioner(practitioner_user):
    return practitioner_user.practitioner_profile


@pytest.fixture
def patient_user(center):
    user = UserFactory(email="patient@example.org", first_name="Meera", last_name="Iyer")
    PatientFactory(user=user, center=center, first_name="Meera", last_name="Iyer", email=user.email)
    return user


@pytest.fixture
def patient(patient_user):
    return patient_user.patient_profile


@pytest.fixture
def outsider(other_center):
    """A center admin of the other center only: must see nothing of `center`."""
    user = UserFactory(email="admin@london.example.org", first_name="Oliver", last_name="Hughes")
    MembershipFactory(user=user, center=other_center, role=Role.CENTER_ADMIN)
    return user


@pytest.fixture
def superuser(db):
    return SuperuserFactory(email="root@example.org", first_name="Site", last_name="Operator")

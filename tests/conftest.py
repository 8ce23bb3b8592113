"""Standing test data every test can ask for: two centers, their staff, a patient, an outsider."""

import socket
import threading
import time
import uuid

import pytest
from django.utils import translation

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


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # A request made in a test (LocaleMiddleware) leaves its language active in the thread,
    # where work done outside a request in the next test (a job, a sentence stored) would use it.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_floor_cache(settings):
    # The Redis cache outlives each test's rolled-back rows, whose ids the next test may reuse:
    # each test keeps its drawings of My day and the board under a namespace of its own.
    settings.FLOOR_CACHE_NAMESPACE = f"floor-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _own_analytics_cache(settings):
    # Likewise the dashboards' kept figures (console/dashboard_cache.py).
    settings.ANALYTICS_CACHE_NAMESPACE = f"analytics-test-{uuid.uuid4().hex}"


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


@pytest.fixture
def private_channel_layer(settings):
    """Real Redis, under a prefix of this test's own so that parallel runs can't cross-talk."""
    assert settings.REDIS_URL, "the live tests run against real Redis (set REDIS_URL)"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }


@pytest.fixture
def asgi_server(private_channel_layer, transactional_db):
    """The whole portal (pages, static files, WebSockets) served by uvicorn on a free port.

    pytest-django's live_server speaks WSGI only; the live board and timeline need the ASGI
    application. Yields the base URL, e.g. http://127.0.0.1:41234.
    """
    import uvicorn

    from config.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)

"""Passwords are stored with Argon2, and older hashes are upgraded at the next sign-in."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from config import settings as project_settings
from tests.factories import UserFactory

PASSWORD = "a-long-clinic-password-2026"


@pytest.fixture
def production_hashers(settings):
    # conftest swaps in MD5 for speed; these tests are about the project's own list.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_a_new_password_is_stored_with_argon2(db, production_hashers):
    user = UserFactory(email="new@example.org")
    user.set_password(PASSWORD)
    user.save()

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


@override_settings(AXES_ENABLED=False)
def test_an_older_pbkdf2_hash_becomes_argon2_at_sign_in(client, db, production_hashers):
    user = UserFactory(email="old@example.org")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")

"""Sign-in by a one-time code sent by email (patients need no password); passwords still work."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

# allauth's code is two groups of four capitals and digits, on a line of its own.
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def _code_from(message) -> str:
    match = CODE_LINE.search(message.body)
    assert match, message.body
    return match.group(1)


def _request_code(client, email):
    return client.post("/accounts/login/code/", {"email": email})


def test_the_sign_in_page_offers_a_code_by_email(client):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/login/code/"' in page


def test_a_patient_signs_in_with_the_code_from_their_email(client, patient_user, patient):
    response = _request_code(client, "patient@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["patient@example.org"]
    code = _code_from(mail.outbox[0])

    response = client.post("/accounts/login/code/confirm/", {"code": code}, follow=True)

    assert response.wsgi_request.user == patient_user
    assert client.get("/portal/").status_code == 200


def test_a_wrong_code_does_not_sign_in(client, patient_user, patient):
    _request_code(client, "patient@example.org")
    code = _code_from(mail.outbox[0])
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"

    response = client.post("/accounts/login/code/confirm/", {"code": wrong})

    assert response.status_code in (200, 400)
    assert "Incorrect code" in response.content.decode()
    assert client.get("/portal/").status_code == 302


def test_no_code_is_mailed_to_an_address_without_an_account(client, patient_user):
    _request_code(client, "stranger@example.org")

    # allauth does not reveal whether the address has an account; nothing is sent to it.
    assert [m for m in mail.outbox if "stranger@example.org" in m.to and _has_code(m)] == []


def _has_code(message) -> bool:
    return bool(CODE_LINE.search(message.body))


def test_staff_still_sign_in_with_their_password(client, admin_user):
    admin_user.set_password("a-long-clinic-passphrase")
    admin_user.save()

    response = client.post(
        "/accounts/login/",
        {"login": admin_user.email, "password": "a-long-clinic-passphrase"},
        follow=True,
    )

    assert response.wsgi_request.user == admin_user

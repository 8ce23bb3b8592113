"""/account/tokens/: a user creates a token (shown once), sees it listed, revokes it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from clinics.models import ApiToken
from clinics.services import api_token_create

pytestmark = pytest.mark.django_db
URL = "/account/tokens/"


def test_creating_shows_the_secret_once_and_it_works(client, patient_user):
    client.force_login(patient_user)
    response = client.post(URL, {"name": "My health app"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "will not be shown again" in page
    assert "<html" not in page  # the partial, for htmx
    secret = page.split('<code class="token-secret">')[1].split("</code>")[0]
    assert secret not in client.get(URL).content.decode()
    assert "My health app" in client.get(URL).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/sessions").status_code == 200


def test_a_nameless_token_is_refused_in_words(client, patient_user):
    client.force_login(patient_user)
    response = client.post(URL, {"name": " "})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_ends_the_token_and_others_cannot(client, patient_user, admin_user):
    token, secret = api_token_create(user=patient_user, name="My health app")
    client.force_login(admin_user)
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 404
    client.force_login(patient_user)
    response = client.post(f"{URL}{token.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert "Revoked" in response.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/sessions").status_code == 401


def test_the_page_needs_signing_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_costs_a_fixed_number_of_queries(
    client, patient_user, count, django_assert_max_num_queries
):
    for n in range(count):
        api_token_create(user=patient_user, name=f"token {n}")
    client.force_login(patient_user)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


def test_the_page_reads_in_hindi(client, patient_user):
    client.force_login(patient_user)
    client.cookies["django_language"] = "hi"
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "टोकन बनाएँ" in page and "आपके पास कोई API टोकन नहीं है।" in page


@pytest.mark.parametrize("whose", ["patient_user", "admin_user"])
def test_times_read_in_the_users_center_zone(client, center, whose, request):
    user = request.getfixturevalue(whose)
    token, _ = api_token_create(user=user, name="Lab integration")
    created = datetime(2026, 12, 5, 7, 52, tzinfo=UTC)
    ApiToken.objects.filter(pk=token.pk).update(created_at=created)
    client.force_login(user)
    page = client.get(URL).content.decode()
    local = created.astimezone(ZoneInfo(center.timezone))
    assert local.strftime("%H:%M") != created.strftime("%H:%M"), "the fixture center is not on UTC"
    assert f"5 Dec 2026 {local:%H:%M}" in page
    assert f"times in {center.timezone}" in page

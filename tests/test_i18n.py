"""Switching the language: a signed-in page renders in Hindi after choosing हिन्दी."""

import re

import pytest
from django.urls import reverse


def html_lang(content: str) -> str:
    return re.search(r'<html lang="([^"]+)"', content).group(1)


@pytest.mark.django_db
def test_it_renders_english_by_default(client, practitioner_user):
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert html_lang(page) == "en"
    assert "My day" in page
    assert "मेरा दिन" not in page


@pytest.mark.django_db
def test_it_switches_a_signed_in_page_to_hindi(client, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(reverse("set_language"), {"language": "hi", "next": reverse("my_day")})
    assert response.status_code == 302
    assert response["Location"] == reverse("my_day")

    page = client.get(reverse("my_day")).content.decode()
    assert html_lang(page) == "hi"
    assert "मेरा दिन" in page  # the heading and the navigation
    assert "आज के सत्र" in page  # "sessions today"
    assert "साइन आउट करें" in page
    assert "My day" not in page
    assert "Sign out" not in page
    assert "sessions today" not in page


@pytest.mark.django_db
def test_it_switches_back_to_english(client, patient_user):
    client.force_login(patient_user)
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("portal_home")})
    assert "नमस्ते, Meera" in client.get(reverse("portal_home")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": reverse("portal_home")})

    page = client.get(reverse("portal_home")).content.decode()
    assert html_lang(page) == "en"
    assert "Namaste, Meera" in page
    assert "नमस्ते" not in page

"""Production settings: secure, HTTP-only, SameSite cookies, HSTS, MFA for staff, and a
Content-Security-Policy that runs no inline script (tests/test_settings.py runs check --deploy)."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.test_settings import manage, production_env

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"

PRINT_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "MFA_REQUIRED_FOR_STAFF",
]}))
"""


@pytest.mark.django_db
def test_production_cookies_are_secure_http_only_and_same_site_with_hsts():
    result = manage("shell", "-c", PRINT_SETTINGS, **production_env())

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "MFA_REQUIRED_FOR_STAFF": True,
    }


def test_the_content_security_policy_runs_only_our_own_script_files(client):
    response = client.get(reverse("account_login"))

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"


def test_no_template_holds_an_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag:
                offenders.append(f"{template.relative_to(TEMPLATES_DIR)}: {tag}")
        for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{template.relative_to(TEMPLATES_DIR)}: {handler.strip()}")
    assert offenders == []

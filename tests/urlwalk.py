"""The portal's own URLs, walked from the URL conf: one list for the access matrix and the fuzz test.

Both tests must see every URL that anyone adds, so neither keeps a hand-written list; they share
this walk and the prefixes it leaves out (with the reason), and add their own exceptions on top.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Route prefixes that are not the portal's own views, and why they are left out.
NOT_OURS = {
    "admin/": "Django's admin: is_staff/superuser only, guarded by the admin site itself; its "
    "forms go through our services and are tested in tests/validation",
    "accounts/": "allauth's sign-in, sign-up and MFA pages: public by design, covered by "
    "allauth and tests/clinics",
    "i18n/": "Django's set_language: a public POST that only stores a cookie",
    "static/": "static files, served by whitenoise rather than a view",
}

KEYWORD = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class ServedUrl:
    """One URL pattern: its full route ("scheduling/runs/<int:pk>/") and its name."""

    route: str
    name: str

    @property
    def keywords(self) -> tuple[str, ...]:
        """The names the route needs filled, in order ("pk", "session_id", ...)."""
        return tuple(KEYWORD.findall(self.route))

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def path(self, values: dict) -> str:
        """The route with its keywords filled from `values`, as a path from the root."""
        return "/" + KEYWORD.sub(lambda match: str(values[match.group(1)]), self.route)


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield ServedUrl(route=route, name=entry.name or route)


def served_urls(*, skip_names=()) -> list[ServedUrl]:
    """Every URL pattern of the portal's own views in URL-conf order, without those of
    NOT_OURS or named in `skip_names`."""
    return [
        url
        for url in _walk(get_resolver().url_patterns)
        if not url.route.startswith(tuple(NOT_OURS)) and url.name not in skip_names
    ]

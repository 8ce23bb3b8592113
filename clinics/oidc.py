"""The return leg of sign-in with the clinic's identity provider, checking the ID token's signature.

allauth's OpenID Connect provider skips the signature check of an ID token it fetched itself
from the provider's token endpoint, as OpenID Connect Core allows when that call is protected by
TLS. A clinic may run its provider on its own network over plain HTTP, and the check costs one
fetch of the provider's public keys, so the portal always makes it: an ID token signed with any
key but the provider's is refused (tests/security/test_oidc.py). This view serves allauth's own
callback address (config/urls.py routes it ahead of allauth's) and is otherwise allauth's.
"""

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse


class SignatureCheckingAdapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        # allauth's own, with verify_signature always on (its default skips it after a
        # token-endpoint fetch); issuer, audience and expiry are checked either way.
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
        )


def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(SignatureCheckingAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None

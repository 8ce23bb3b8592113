"""Sign-in with the clinic's identity provider: allauth's two views, made stricter.

`login` (the button's POST) reads the provider's discovery document before redirecting there;
allauth lets a provider that does not answer become a server error, this says so on the sign-in
page instead. `callback` (the way back) checks the ID token's signature: allauth skips that
check for an ID token it fetched itself from the token endpoint, as OpenID Connect Core allows
when that call is protected by TLS, but a clinic may run its provider on its own network over
plain HTTP, and the check costs one fetch of the provider's public keys; an ID token signed with
any key but the provider's is refused. Both serve allauth's own addresses (config/urls.py routes
them ahead of allauth's) and are otherwise allauth's (tests/security/test_oidc.py).
"""

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect import views as allauth_views
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


def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return allauth_views.login(request, provider_id)
    except requests.RequestException as error:
        provider = get_adapter(request).get_provider(request, provider_id)
        return render_authentication_error(request, provider, exception=error)

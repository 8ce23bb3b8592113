"""Every model the admin knows renders its list, add, change and history pages."""

import inspect

import pytest
from django.contrib import admin
from django.urls import reverse
from factory.django import DjangoModelFactory
from simple_history.admin import SimpleHistoryAdmin

from tests import factories

OUR_APPS = {
    "clinics",
    "protocols",
    "patients",
    "therapy_sessions",
    "scheduling",
    "notifications",
    "feedback",
    "waitlist",
}
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
OURS = [
    (model, model_admin) for model, model_admin in REGISTERED if model._meta.app_label in OUR_APPS
]


def _factories_by_model() -> dict:
    found = {}
    for obj in vars(factories).values():
        if inspect.isclass(obj) and issubclass(obj, DjangoModelFactory) and obj._meta.model:
            # The plain factory of a model comes first in the module (UserFactory, not
            # SuperuserFactory).
            found.setdefault(obj._meta.model, obj)
    return found


FACTORIES = _factories_by_model()


def by_label(pairs):
    return [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in pairs]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), by_label(REGISTERED))
def test_changelist_and_add_page_render(staff_client, rf, superuser, model, model_admin):
    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = superuser
    if model_admin.has_add_permission(request):
        assert staff_client.get(admin_url(model, "add")).status_code == 200


def test_every_model_of_ours_has_a_factory():
    missing = [model._meta.label for model, _ in OURS if model not in FACTORIES]
    assert not missing


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), by_label(OURS))
def test_a_row_renders_in_list_change_and_history(staff_client, model, model_admin):
    obj = FACTORIES[model]()
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert obj.pk in [row.pk for row in response.context["cl"].result_list]
    assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    if isinstance(model_admin, SimpleHistoryAdmin):
        # The audit trail of a clinical record.
        assert staff_client.get(admin_url(model, "history", obj.pk)).status_code == 200


@pytest.mark.django_db
def test_the_admin_offers_no_identity_provider_app_of_its_own(staff_client):
    # The provider is configured from the environment; a row added here would be ignored.
    index = staff_client.get(reverse("admin:index")).content.decode()
    assert "Social applications" not in index and "Social application tokens" not in index
    assert "Social accounts" in index
    response = staff_client.get("/admin/socialaccount/socialapp/add/")
    assert response.status_code == 404

"""Medical directors edit their center's rules in the admin; each change is a new version."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from clinics.choices import Role
from feedback.adaptation import rule_version_current
from feedback.models import AdaptationRule
from tests.factories import AdaptationRuleFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(center):
    user = UserFactory(email="director@kerala.example.org", is_staff=True)
    MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="feedback",
            codename__in=[
                "view_adaptationrule",
                "change_adaptationrule",
                "add_adaptationrule",
                "view_adaptationruleversion",
            ],
        )
    )
    return user


def _rule(center, virechana, **extra):
    rule = AdaptationRuleFactory(
        center=center,
        name="Nausea after Virechana",
        symptom="nausea",
        therapy=virechana,
        threshold=6,
        actions=["alert_clinician", "lower_intensity"],
        **extra,
    )
    rule_version_current(rule=rule)
    return rule


def _form(client, url, **changes):
    """The change form as the page fills it, with `changes` on top."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value if isinstance(value, list) else str(value)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update(changes)
    return data


def test_a_director_changing_a_threshold_makes_version_2(client, director, center, virechana):
    rule = _rule(center, virechana)
    url = reverse("admin:feedback_adaptationrule_change", args=[rule.pk])
    client.force_login(director)

    answer = client.post(url, _form(client, url, threshold="7"))

    assert answer.status_code == 302
    rule.refresh_from_db()
    latest = rule.versions.first()
    assert rule.version == 2 and latest.number == 2 and latest.created_by == director
    assert latest.definition["threshold"] == 7
    assert rule.versions.get(number=1).definition["threshold"] == 6
    page = client.get(url).content.decode()
    assert "Nausea at least 7/10 after Virechana → Clinician call task" in page


def test_saving_without_a_change_keeps_the_version(client, director, center, virechana):
    rule = _rule(center, virechana)
    url = reverse("admin:feedback_adaptationrule_change", args=[rule.pk])
    client.force_login(director)
    client.post(url, _form(client, url))
    assert rule.versions.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"measure": "adherence", "symptom": "", "threshold": "150"},
            "threshold",
            "goes up to 100",
        ),
        ({"threshold": "11"}, "threshold", "goes up to 10"),
        (
            {"measure": "adherence", "symptom": "", "threshold": "70", "comparison": "fell_by"},
            "comparison",
            "A trend compares two feedbacks",
        ),
        (
            {"measure": "adherence", "symptom": "", "threshold": "70", "actions": ["diet_alert"]},
            "actions",
            "follow a feedback, not attendance",
        ),
    ],
)
def test_a_rule_that_cannot_work_is_refused_in_words(
    client, director, center, virechana, changes, field, message
):
    rule = _rule(center, virechana)
    url = reverse("admin:feedback_adaptationrule_change", args=[rule.pk])
    client.force_login(director)

    answer = client.post(url, _form(client, url, **changes))

    assert answer.status_code == 200
    assert message in " ".join(answer.context["adminform"].form.errors[field])
    assert rule.versions.count() == 1


def test_a_director_cannot_change_another_centers_or_every_centers_rule(
    client, director, other_center, virechana
):
    theirs = _rule(other_center, virechana)
    everyone = AdaptationRuleFactory(name="Organisation rule", center=None)
    client.force_login(director)

    other = client.get(reverse("admin:feedback_adaptationrule_change", args=[theirs.pk]))
    assert other.status_code == 302  # "does not exist" for them
    url = reverse("admin:feedback_adaptationrule_change", args=[everyone.pk])
    assert client.post(url, {"name": "Mine now"}).status_code == 403
    everyone.refresh_from_db()
    assert everyone.name == "Organisation rule"
    assert AdaptationRule.objects.get(pk=theirs.pk).threshold == 6


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"threshold": "7"}, "threshold", "This measure goes up to 6."),
        ({"actions": ["escalate"]}, "actions", "not a MYMOP answer"),
    ],
)
def test_a_mymop_rule_is_refused_beyond_its_scale_or_with_session_actions(
    client, director, center, virechana, changes, field, message
):
    rule = _rule(center, virechana)
    url = reverse("admin:feedback_adaptationrule_change", args=[rule.pk])
    client.force_login(director)
    mymop = {"measure": "mymop", "symptom": "", "therapy": "", "comparison": "rose_by"}

    answer = client.post(url, _form(client, url, **mymop, **changes))

    assert answer.status_code == 200
    assert message in " ".join(answer.context["adminform"].form.errors[field])
    assert rule.versions.count() == 1


def test_a_director_makes_a_mymop_worsening_rule(client, director, center, virechana):
    rule = _rule(center, virechana)
    url = reverse("admin:feedback_adaptationrule_change", args=[rule.pk])
    client.force_login(director)
    changes = {
        "measure": "mymop",
        "symptom": "",
        "therapy": "",
        "comparison": "rose_by",
        "threshold": "1",
        "actions": ["alert_clinician"],
    }

    answer = client.post(url, _form(client, url, **changes))

    assert answer.status_code == 302
    rule.refresh_from_db()
    assert rule.versions.first().summary == (
        "MYMOP profile rose by at least 1/6 since the MYMOP answer before → "
        "Clinician call task, due within 24 h"
    )

"""The staff's clinician task list (/clinician-tasks/): overdue, due and done, per center."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import ClinicianTask
from tests.factories import ClinicianTaskFactory, PatientFactory

pytestmark = pytest.mark.django_db

URL = reverse("clinician_tasks")


def _task(center, title, *, hours, status=ClinicianTask.Status.OPEN, **extra):
    return ClinicianTaskFactory(
        center=center,
        patient=extra.pop("patient", None) or PatientFactory(center=center),
        title=title,
        due_at=timezone.now() + timedelta(hours=hours),
        status=status,
        done_at=timezone.now() if status != ClinicianTask.Status.OPEN else None,
        **extra,
    )


def _section(page, heading, next_heading=None):
    start = page.index(f"<h2>{heading}</h2>")
    end = page.index(f"<h2>{next_heading}</h2>") if next_heading else len(page)
    return page[start:end]


def test_it_lists_overdue_due_and_done_tasks_of_the_center(
    client, admin_user, center, other_center
):
    _task(center, "Call Meera: nausea", hours=-2)
    _task(center, "Call Ravi: dizziness", hours=20)
    _task(center, "Call Asha: weakness", hours=-30, status=ClinicianTask.Status.DONE)
    _task(other_center, "Call a London patient", hours=5)
    client.force_login(admin_user)

    page = client.get(URL).content.decode()

    assert "Call Meera: nausea" in _section(page, "Overdue", "Due")
    assert "Call Ravi: dizziness" in _section(page, "Due", "Done")
    assert "Call Asha: weakness" in _section(page, "Done")
    assert "London" not in page


def test_only_mine_shows_the_tasks_assigned_to_me(client, practitioner_user, center, admin_user):
    _task(center, "Mine to call", hours=3, assigned_to=practitioner_user)
    _task(center, "Someone else's call", hours=3, assigned_to=admin_user)
    client.force_login(practitioner_user)

    page = client.get(URL, {"mine": "1"}).content.decode()

    assert "Mine to call" in page and "Someone else's call" not in page


def test_a_patient_and_another_centers_staff_see_none_of_it(client, patient_user, outsider, center):
    _task(center, "Call Meera: nausea", hours=3)
    client.force_login(patient_user)
    assert client.get(URL).status_code == 403
    client.force_login(outsider)
    page = client.get(URL, {"center": center.pk}).content.decode()
    assert "Call Meera" not in page


@pytest.mark.parametrize("count", [1, 25])
def test_the_list_costs_a_fixed_number_of_queries(
    client, admin_user, center, count, django_assert_max_num_queries
):
    for index in range(count):
        _task(center, f"Task {index}", hours=index - count // 2, assigned_to=admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


def test_marking_a_task_done_moves_it_to_done_once(client, practitioner_user, center):
    task = _task(center, "Call Meera: nausea", hours=3)
    client.force_login(practitioner_user)

    response = client.post(reverse("clinician_task_done", args=[task.pk]), follow=True)
    page = response.content.decode()
    assert "Marked done: Call Meera: nausea" in page
    assert "Call Meera: nausea" in _section(page, "Done")
    task.refresh_from_db()
    assert (task.status, task.assigned_to) == (ClinicianTask.Status.DONE, practitioner_user)
    first_done_at = task.done_at

    again = client.post(reverse("clinician_task_done", args=[task.pk]), follow=True)
    assert "This task is no longer open." in again.content.decode()
    task.refresh_from_db()
    assert task.done_at == first_done_at


def test_another_centers_task_cannot_be_marked_done(client, outsider, center):
    task = _task(center, "Call Meera: nausea", hours=3)
    client.force_login(outsider)
    assert client.post(reverse("clinician_task_done", args=[task.pk])).status_code == 404
    assert client.get(reverse("clinician_task_done", args=[task.pk])).status_code == 405
    task.refresh_from_db()
    assert task.status == ClinicianTask.Status.OPEN

"""Tasks: transitions, overdue highlighting, views by department and deadline, weekly digest."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from countyhub.programs.errors import InvalidTransitionError, ProgramsError
from countyhub.programs.models import Task, TaskStatus
from countyhub.programs.services import add_task_progress
from tests.factories.core import UserFactory
from tests.factories.programs import ProgramFactory

TODAY = timezone.localdate()  # the digest command looks at today


@pytest.fixture
def program(world):
    return ProgramFactory(county=world.county)


def task(program, owner, days, department="商务局", **kwargs):
    return Task.objects.create(
        program=program,
        title=f"任务{days}",
        department=department,
        owner=owner,
        deadline=TODAY + datetime.timedelta(days=days),
        **kwargs,
    )


def test_progress_and_status_transitions(world, program):
    owner = world.users["county_admin"]
    t = task(program, owner, 5)
    with pytest.raises(ProgramsError) as error:
        add_task_progress(task=t, author=owner, text="  ")
    assert error.value.field == "text"
    add_task_progress(task=t, author=owner, text="开工", status=TaskStatus.IN_PROGRESS)
    add_task_progress(task=t, author=owner, text="完成", status=TaskStatus.DONE, today=TODAY)
    t.refresh_from_db()
    assert (t.status, t.completed_on) == (TaskStatus.DONE, TODAY)
    assert [n.text for n in t.notes.all()] == ["开工", "完成"]
    with pytest.raises(InvalidTransitionError):
        add_task_progress(task=t, author=owner, text="x", status=TaskStatus.PLANNED)


def test_task_list_highlights_overdue_and_groups_by_department(world, program, client):
    owner = world.users["county_admin"]
    late = task(program, owner, -400, department="交通局")  # deadline long past, still open
    task(program, owner, 400, department="商务局")
    client.force_login(owner)
    url = f"/c/{world.county.slug}/programs/tasks/"
    page = client.get(url).content.decode()
    assert f'id="task-{late.pk}" class="overdue"' in page
    by_department = client.get(url, {"by": "department"}).content.decode()
    assert by_department.index("<h2>交通局</h2>") < by_department.index("<h2>商务局</h2>")


def test_task_owner_may_record_progress_others_may_not(world, program, client):
    owner = world.users["trainer"]
    t = task(program, owner, 3)
    url = f"/c/{world.county.slug}/programs/tasks/{t.pk}/"
    client.force_login(world.users["seller_staff"])
    assert client.get(url).status_code == 403
    client.force_login(owner)
    client.post(url, {"text": "培训场地已落实", "status": "in_progress"})
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS


def test_weekly_digest_mails_each_owner_their_open_tasks(world, program, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first, second, no_mail = UserFactory(), UserFactory(), UserFactory(email="")
    task(program, first, -400)
    task(program, first, 400)
    task(program, second, 400, status=TaskStatus.DONE, completed_on=TODAY)
    task(program, second, 300)
    task(program, no_mail, 3)
    out, err = io.StringIO(), io.StringIO()
    call_command("send_task_digest", stdout=out, stderr=err)
    assert "sent 2 digest(s)" in out.getvalue()
    assert f"{no_mail.username}: no e-mail address" in err.getvalue()
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {first.email, second.email}
    assert "1 overdue" in by_recipient[first.email].subject
    assert "任务-400" in by_recipient[first.email].body
    assert "任务400" not in by_recipient[second.email].body  # done tasks are left out
    assert "任务300" in by_recipient[second.email].body

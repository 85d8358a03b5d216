import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_q.models import Schedule

from tests.factories import TicketFactory
from tickets.models import Attachment
from tickets.tasks import SCHEDULES, purge_orphan_attachments

pytestmark = pytest.mark.django_db

TWO_DAYS = 2 * 24 * 3600


def _file(root, name: str, *, age_seconds: float = 0) -> object:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"log line\n")
    if age_seconds:
        stamp = time.time() - age_seconds
        os.utime(path, (stamp, stamp))
    return path


def _attachment(name: str) -> Attachment:
    att = Attachment(ticket=TicketFactory(), original_name=name, content_type="text/plain", size=9)
    att.file.save(name, SimpleUploadedFile(name, b"log line\n"), save=True)
    return att


def test_purge_deletes_only_old_unreferenced_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    kept = _attachment("client.log")
    kept_path = root / kept.file.name
    os.utime(kept_path, (time.time() - TWO_DAYS, time.time() - TWO_DAYS))
    orphan = _file(root, "2026/10/orphan.log", age_seconds=TWO_DAYS)
    fresh_orphan = _file(root, "2026/11/uploading.log")

    assert purge_orphan_attachments() == 1

    assert not orphan.exists()
    assert kept_path.exists()
    assert fresh_orphan.exists()  # an upload whose row may not be committed yet


def test_purge_checks_the_database_in_batches(settings, monkeypatch):
    monkeypatch.setattr("tickets.tasks._BATCH", 2)
    root = settings.PRIVATE_MEDIA_ROOT
    referenced = [_attachment(f"ref{i}.log") for i in range(3)]
    for att in referenced:
        os.utime(root / att.file.name, (time.time() - TWO_DAYS, time.time() - TWO_DAYS))
    orphans = [_file(root, f"old/orphan{i}.log", age_seconds=TWO_DAYS) for i in range(3)]

    assert purge_orphan_attachments() == 3

    assert all(not p.exists() for p in orphans)
    assert all((root / att.file.name).exists() for att in referenced)


def test_purge_without_a_storage_directory_does_nothing(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "missing"
    assert purge_orphan_attachments() == 0


def test_setup_schedules_registers_the_purge_once():
    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)

    name, func, cron = SCHEDULES[0]
    schedules = Schedule.objects.filter(name=name)
    assert schedules.count() == 1
    schedule = schedules.get()
    assert (schedule.func, schedule.schedule_type, schedule.cron) == (func, Schedule.CRON, cron)
    assert schedule.next_run is not None
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("registered") and func in lines[0]
    assert any(line.startswith("unchanged") and func in line for line in lines[1:])


def test_setup_schedules_repairs_a_changed_schedule_and_drops_duplicates():
    name, func, cron = SCHEDULES[0]
    Schedule.objects.create(name=name, func=func, schedule_type=Schedule.DAILY)
    Schedule.objects.create(name=name, func=func, schedule_type=Schedule.DAILY)
    out = io.StringIO()

    call_command("setup_schedules", stdout=out)

    schedule = Schedule.objects.get(name=name)
    assert (schedule.schedule_type, schedule.cron) == (Schedule.CRON, cron)
    assert "updated" in out.getvalue()


def test_every_declared_schedule_names_a_task_the_cluster_can_run():
    from django_q.tasks import async_task, result

    for _name, func, _cron in SCHEDULES:
        # Q_CLUSTER["sync"] is on in tests: the task runs in-process, as a cluster would run it,
        # and a failure (an import error, say) would be the task's result instead of 0.
        assert result(async_task(func, sync=True)) == 0

"""Staff upload numbers in the admin; a real Celery worker loads them and records progress."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.models import City
from numberpool.importing import run_upload
from numberpool.models import MobileNumber, NumberImport, NumberSegment
from numberpool.tasks import load_number_upload
from tests.support.clients import STAFF_PASSWORD, sign_in

CSV = "number,city\n18177770001\n18177770002,shenzhen\nnot-a-number\n18177770001\n"


def test_staff_upload_is_queued_and_loads_with_a_report(client_a, carrier_a):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    with schema_context("c_alpha"):
        NumberSegment.objects.get_or_create(prefix="181")
    response = client_a.post(
        "/admin/numberpool/numberimport/add/",
        {"file": SimpleUploadedFile("pool.csv", CSV.encode(), "text/csv"), "city": "guangzhou"},
    )
    assert response.status_code == 302
    with schema_context("c_alpha"):
        job = NumberImport.objects.get()
        assert job.status == "queued"
        assert run_upload(job.pk) == "done" and run_upload(job.pk) == "done"  # idempotent
        job.refresh_from_db()
        assert (job.read, job.added, job.duplicate_in_file, job.invalid) == (4, 2, 1, 1)
        assert job.problems[0][0] == 4  # the line number of "not-a-number"
        assert MobileNumber.objects.get(number="18177770002").city == "shenzhen"
    page = client_a.get(f"/admin/numberpool/numberimport/{job.pk}/change/").content.decode()
    assert "18177770002" not in page and "不是 11 位手机号" in page


def test_upload_refuses_other_files(client_a):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    response = client_a.post(
        "/admin/numberpool/numberimport/add/",
        {"file": SimpleUploadedFile("pool.exe", b"MZ", "application/octet-stream"), "city": "guangzhou"},
    )
    assert response.status_code == 200 and ".csv" in response.content.decode()


@pytest.fixture
def committed_upload(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("c_beta"):
        NumberSegment.objects.get_or_create(prefix="182")
        city, created = City.objects.get_or_create(code="hangzhou", defaults={"name": "杭州"})
        job = NumberImport(city="hangzhou")
        job.file.save("beta.csv", ContentFile(b"18288880001\n18288880002\n"), save=True)
    yield job
    with django_db_blocker.unblock(), schema_context("c_beta"):
        MobileNumber.objects.filter(number__startswith="18288880").delete()
        NumberImport.objects.filter(pk=job.pk).delete()
        if created:
            city.delete()


def test_a_real_worker_loads_the_upload_in_its_carriers_schema(
    committed_upload, celery_worker_process, django_db_blocker
):
    result = load_number_upload.apply_async(args=[committed_upload.pk], headers={"_schema_name": "c_beta"})
    assert result.get(timeout=60) == "done"
    with django_db_blocker.unblock():
        with schema_context("c_beta"):
            assert MobileNumber.objects.filter(number__startswith="18288880", city="hangzhou").count() == 2
        with schema_context("c_alpha"):
            assert not MobileNumber.objects.filter(number__startswith="18288880").exists()


def test_a_file_that_turns_out_not_to_be_utf8_fails_cleanly(in_carrier_a):
    """The bad bytes come after the first chunk of lines, while those are already streaming into COPY."""
    NumberSegment.objects.get_or_create(prefix="181")
    good = "".join(f"1817{i:07d}\n" for i in range(3000)).encode()
    job = NumberImport(city="guangzhou")
    job.file.save("mixed.csv", ContentFile(good + b"\xff\xfe\n"), save=True)
    assert run_upload(job.pk) == "failed"
    job.refresh_from_db()
    assert "UTF-8" in job.error and job.added == 0
    assert not MobileNumber.objects.filter(number__startswith="1817").exists()  # the batch rolled back

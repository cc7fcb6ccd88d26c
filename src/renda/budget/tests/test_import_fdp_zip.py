# ruff: noqa: E501 - the packages written here keep a row of data on a line
"""A Fiscal Data Package uploaded on the upload page as one .zip, with several data resources.

The packages are written here by hand (the descriptor as JSON text, the CSV files as text), as a
finance bureau's export would be, never by Renda's own code: two resources read one after the
other (an error names the file and its line there), a codelist resource the mapping does not cover
left out, and the archives refused before anything is kept: a member leading outside the package,
no datapackage.json, not a zip at all.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renda.budget.import_engine.package_zip import unpack_package_zip
from renda.budget.import_engine.sources import UnreadableFile
from renda.budget.models import ImportBatch, Payment
from renda.budget.services.imports import budget_import
from renda.budget.tests.conftest import YEAR

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

DESCRIPTOR = """{
  "name": "county-spending-2025",
  "title": "示范县2025年国库集中支付明细",
  "profiles": {"fiscal": "*", "tabular": "*"},
  "resources": [
    {"name": "spending-h1", "path": "data/spending-h1.csv", "format": "csv",
     "schema": {"fields": [{"name": "凭证号"}, {"name": "支付日期"}, {"name": "单位编码"}, {"name": "功能科目"}, {"name": "经济科目"}, {"name": "收款人"}, {"name": "金额"}]}},
    {"name": "spending-h2", "path": "data/spending-h2.csv", "format": "csv",
     "schema": {"fields": [{"name": "凭证号"}, {"name": "支付日期"}, {"name": "单位编码"}, {"name": "功能科目"}, {"name": "经济科目"}, {"name": "收款人"}, {"name": "金额"}]}},
    {"name": "units", "path": "codes/units.csv", "format": "csv",
     "schema": {"fields": [{"name": "code"}, {"name": "name"}]}}
  ],
  "model": {
    "measures": {"paid": {"source": "金额", "currency": "CNY", "phase": "executed"}},
    "dimensions": {
      "date": {"dimensionType": "datetime", "attributes": {"date": {"source": "支付日期"}}, "primaryKey": "date"},
      "voucher": {"dimensionType": "fact", "attributes": {"no": {"source": "凭证号"}}, "primaryKey": "no"},
      "administrative": {"dimensionType": "classification", "classificationType": "administrative", "attributes": {"code": {"source": "单位编码"}}, "primaryKey": "code"},
      "functional": {"dimensionType": "classification", "classificationType": "functional", "attributes": {"code": {"source": "功能科目"}}, "primaryKey": "code"},
      "economic": {"dimensionType": "classification", "classificationType": "economic", "attributes": {"code": {"source": "经济科目"}}, "primaryKey": "code"},
      "payee": {"dimensionType": "entity", "attributes": {"name": {"source": "收款人"}}, "primaryKey": "name"}
    }
  }
}
"""

HEADER = "凭证号,支付日期,单位编码,功能科目,经济科目,收款人,金额\r\n"
FIRST_HALF = HEADER + (
    "Z-0101,2025-02-10,101001,2050201,30201,县电力公司,1200.50\r\n"
    "Z-0102,2025-03-05,101001,2050201,31002,城关办公设备有限公司,48000.00\r\n"
)
SECOND_HALF = HEADER + (
    "Z-0701,2025-07-01,101001,2050201,30201,县电力公司,1300.25\r\n"
    "Z-0702,2025-08-15,101001,2050201,30205,县自来水公司,860.00\r\n"
    "Z-0703,2025-09-20,101001,2050201,30201,县电力公司,1410.75\r\n"
)
UNITS = "code,name\r\n101001,第一中学\r\n"


def _zip(members: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def _package(**replace: str) -> bytes:
    members = {
        "datapackage.json": DESCRIPTOR,
        "data/spending-h1.csv": FIRST_HALF,
        "data/spending-h2.csv": SECOND_HALF,
        "codes/units.csv": UNITS,
    }
    members.update(replace)
    return _zip(members)


def _upload(client, content: bytes, name: str = "spending-2025.zip", **extra):
    upload = SimpleUploadedFile(name, content, content_type="application/zip")
    return client.post(reverse("budget:imports"), {"kind": "payments", "year": YEAR, "file": upload, **extra})


@pytest.fixture
def staff_client(client_for, budget_staff, settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path
    return client_for(budget_staff)


def test_a_package_of_two_resources_is_uploaded_and_both_are_imported(
    staff_client, loaded_year, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(staff_client, _package())
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("id")
    assert (batch.status, batch.file_format, batch.inserted, batch.rejected) == ("applied", "fdp", 5, 0), (
        batch.errors
    )
    paid = {p.voucher_no: p.amount for p in Payment.objects.filter(voucher_no__startswith="Z-")}
    assert paid == {
        "Z-0101": Decimal("1200.50"),
        "Z-0102": Decimal("48000.00"),
        "Z-0701": Decimal("1300.25"),
        "Z-0702": Decimal("860.00"),
        "Z-0703": Decimal("1410.75"),
    }
    assert Payment.objects.get(voucher_no="Z-0702").payee_name == "县自来水公司"
    # the mapping, in Chinese, on the batch's page: both files read, the codelist left out
    assert any("data/spending-h1.csv、data/spending-h2.csv" in line for line in batch.mapping)
    assert any("“units”" in line and "未读取" in line for line in batch.mapping)
    page = staff_client.get(reverse("budget:import_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="import-mapping"' in page and "经济分类" in page
    assert not list((tmp_path / "budget-imports").glob("*"))  # the kept upload is removed after
    # the same package again changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        _upload(staff_client, _package())
    again = ImportBatch.objects.latest("id")
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("applied", 0, 0, 5)


def test_the_upload_page_offers_a_budget_type_for_the_package_s_rows(
    staff_client, loaded_year, django_capture_on_commit_callbacks
):
    page = staff_client.get(reverse("budget:imports")).content.decode()
    assert 'name="budget_type"' in page and ".zip" in page
    with django_capture_on_commit_callbacks(execute=True):
        _upload(staff_client, _package(), budget_type="2")
    batch = ImportBatch.objects.latest("id")
    assert (batch.status, batch.package_budget_type) == ("applied", "2"), batch.errors
    types = Payment.objects.filter(voucher_no__startswith="Z-").values_list("budget_type", flat=True)
    assert set(types) == {2}
    assert any("政府性基金预算" in line for line in batch.mapping)


def test_an_error_in_the_second_resource_names_its_file_line_and_field(
    staff_client, loaded_year, django_capture_on_commit_callbacks
):
    bad = SECOND_HALF.replace("860.00", "八百六十")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(staff_client, _package(**{"data/spending-h2.csv": bad}))
    batch = ImportBatch.objects.latest("id")
    assert batch.status == "rejected" and batch.rejected == 1
    (error,) = batch.errors
    assert (error["line"], error["column"]) == (3, "data/spending-h2.csv 的字段“金额”")
    assert error["value"] == "八百六十"
    assert not Payment.objects.filter(voucher_no__startswith="Z-").exists()  # all or nothing


def test_a_member_leading_outside_the_package_is_refused(staff_client, loaded_year, tmp_path):
    batches = ImportBatch.objects.count()
    content = _zip({"datapackage.json": DESCRIPTOR, "../../evil.csv": FIRST_HALF})
    response = _upload(staff_client, content)
    assert response.status_code == 400
    assert "“../../evil.csv”路径指向数据包之外" in response.content.decode()
    assert ImportBatch.objects.count() == batches and not (tmp_path / "budget-imports").exists()
    # … and the unpacking refuses it too (a file kept by an older page, the command line)
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip({"datapackage.json": DESCRIPTOR, "data/../../../etc/x.csv": "a\r\n"}))
    (tmp_path / "out").mkdir()
    with pytest.raises(UnreadableFile, match="路径指向数据包之外"):
        unpack_package_zip(archive, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())
    for name in ("/etc/passwd.csv", "C:/x.csv", "data\\..\\x.csv"):
        archive.write_bytes(_zip({"datapackage.json": DESCRIPTOR, name: "a\r\n"}))
        with pytest.raises(UnreadableFile):
            unpack_package_zip(archive, tmp_path / "out")


def test_a_zip_without_datapackage_json_is_refused_with_a_clear_message(staff_client, loaded_year):
    batches = ImportBatch.objects.count()
    content = _zip({"data/spending-h1.csv": FIRST_HALF, "readme.txt": "支付明细"})
    response = _upload(staff_client, content)
    assert response.status_code == 400
    body = response.content.decode()
    assert "压缩包 spending-2025.zip 中没有 datapackage.json" in body
    assert ImportBatch.objects.count() == batches
    response = _upload(staff_client, b"PK\x03\x04 not really a zip")
    assert response.status_code == 400 and "不是有效的 zip 压缩包" in response.content.decode()


def test_a_package_in_one_top_folder_and_from_the_command_line(loaded_year, tmp_path):
    archive = tmp_path / "export.zip"
    archive.write_bytes(
        _zip(
            {
                "export/datapackage.json": DESCRIPTOR,
                "export/data/spending-h1.csv": FIRST_HALF,
                "export/data/spending-h2.csv": SECOND_HALF,
                "export/codes/units.csv": UNITS,
            }
        )
    )
    imported = budget_import(actor=None, kind="payments", year=YEAR, source=archive, dry_run=True)
    assert imported.result is not None
    assert imported.result.errors == [] and imported.result.inserted == 5
    assert imported.mapping and imported.batch.file_format == "fdp"
    assert not Payment.objects.filter(voucher_no__startswith="Z-").exists()  # a dry run


def test_a_resource_named_by_the_model_must_exist(loaded_year, tmp_path):
    descriptor = DESCRIPTOR.replace(
        '"source": "金额", "currency"', '"source": "金额", "resource": "spending-h3", "currency"'
    )
    archive = tmp_path / "p.zip"
    archive.write_bytes(_package(**{"datapackage.json": descriptor}))
    result = budget_import(actor=None, kind="payments", year=YEAR, source=archive).result
    assert result is not None
    assert result.rejected and "引用的数据资源“spending-h3”不存在" in result.errors[0]["message"]
    assert result.errors[0]["column"] == "model.measures.paid.resource"


def test_unit_handlers_cannot_upload_a_package(client_for, unit_user, loaded_year):
    batches = ImportBatch.objects.count()
    assert _upload(client_for(unit_user), _package()).status_code == 403
    assert ImportBatch.objects.count() == batches


def test_a_package_unpacks_into_a_directory_of_its_own(tmp_path: Path):
    archive = tmp_path / "p.zip"
    archive.write_bytes(_zip({"datapackage.json": DESCRIPTOR, "data/a.csv": "a\r\n"}))
    (tmp_path / "out").mkdir()
    descriptor = unpack_package_zip(archive, tmp_path / "out")
    assert descriptor == (tmp_path / "out" / "datapackage.json").resolve()
    assert (tmp_path / "out" / "data" / "a.csv").read_bytes() == b"a\r\n"

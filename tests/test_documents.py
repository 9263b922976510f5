"""Documents: kind read from content, size limit, one file per content, never
overwritten, scope, checklist and download; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from sipantau import documents
from sipantau import models as m
from sipantau.auth import create_user
from sipantau.db import write_tx
from sipantau.reports import InvalidInput, OutOfScope

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def store(tmp_path, monkeypatch):
    root = tmp_path / "dokumen"
    monkeypatch.setenv("SIPANTAU_DOCUMENTS_DIR", str(root))
    monkeypatch.delenv("SIPANTAU_MAX_DOCUMENT_MB", raising=False)
    return root


def files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Document.__table__)).scalar()


def upload(engine, actor, content=PDF, **over):
    fields = dict(region_code="73.10", requirement_code="sk-tim-pemantauan", document_date=date(2024, 6, 3),
                  filename="sk-tim.pdf", content=content, election_code="pilkada-2024")
    return documents.upload_document(engine, actor, **(fields | over))


def stored_row(engine, document_id):
    with engine.connect() as conn:
        return conn.execute(select(m.Document.__table__).where(m.Document.id == document_id)).mappings().one()


def test_pdf_is_stored_under_its_hash_and_recorded(engine, op_pangkep, store):
    receipt = upload(engine, op_pangkep)
    row = stored_row(engine, receipt.id)
    digest = documents.content_hash(PDF)
    assert (row["content_hash"], row["media_type"], row["size_bytes"]) == (digest, "application/pdf", len(PDF))
    assert files(store) == [store / digest[:2] / digest]
    assert (store / digest[:2] / digest).read_bytes() == PDF
    assert receipt.reference.startswith("DOCUMENT-")


@pytest.mark.parametrize(("content", "media"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_kind_comes_from_content_not_name(engine, op_pangkep, store, content, media):
    receipt = upload(engine, op_pangkep, content=content, filename="pindaian.pdf")
    row = stored_row(engine, receipt.id)
    assert row["media_type"] == media
    assert row["filename"] == "pindaian.pdf"  # kept as given, shown as given
    assert documents.download_name(row["filename"], row["media_type"]) == "pindaian.pdf" + documents.EXTENSIONS[media]


@pytest.mark.parametrize(("content", "what"), [(EXE, "program Windows"), (HTML, "halaman web"),
                                               (b"just some text pretending", "")])
def test_other_content_renamed_pdf_is_refused(engine, op_pangkep, store, content, what):
    with pytest.raises(InvalidInput) as exc:
        upload(engine, op_pangkep, content=content, filename="surat.pdf")
    assert "bukan PDF, PNG atau JPEG" in exc.value.errors["berkas"]
    assert what in exc.value.errors["berkas"]
    assert count(engine) == 0 and files(store) == []


def test_size_limit_is_configurable(engine, op_pangkep, store, monkeypatch):
    monkeypatch.setenv("SIPANTAU_MAX_DOCUMENT_MB", "0.001")  # 1,048 bytes
    big = PDF + b"0" * 2000
    with pytest.raises(InvalidInput, match="melebihi batas"):
        upload(engine, op_pangkep, content=big)
    assert count(engine) == 0 and files(store) == []
    upload(engine, op_pangkep, content=PDF)
    assert count(engine) == 1
    monkeypatch.setenv("SIPANTAU_MAX_DOCUMENT_MB", "bukan-angka")
    assert documents.max_bytes() == 10 * 1024 * 1024  # the default


def test_empty_file_is_refused(engine, op_pangkep, store):
    with pytest.raises(InvalidInput, match="kosong"):
        upload(engine, op_pangkep, content=b"")


def test_same_content_is_stored_once_on_disk(engine, op_pangkep, op_sulsel, store):
    first = upload(engine, op_pangkep)
    second = upload(engine, op_pangkep, requirement_code="sk-operator", filename="lain.pdf")
    third = upload(engine, op_sulsel, region_code="73", filename="provinsi.pdf")
    assert len({first.id, second.id, third.id}) == 3 and count(engine) == 3
    assert len(files(store)) == 1


def test_an_existing_file_is_never_overwritten(engine, op_pangkep, store):
    digest, path, created = documents.store_blob(PDF)
    assert created
    before = os.stat(path)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    digest2, path2, created2 = documents.store_blob(PDF)
    assert (digest2, path2, created2) == (digest, path, False)
    after = os.stat(path)
    assert after.st_ino == before.st_ino and after.st_mtime == 1_000_000_000
    upload(engine, op_pangkep)  # an upload of the same bytes keeps that file too
    assert os.stat(path).st_ino == before.st_ino and os.stat(path).st_mtime == 1_000_000_000
    assert [p.name for p in path.parent.iterdir()] == [digest]  # no temporary files left


def test_concurrent_uploads_of_one_file_leave_one_intact_file(store):
    barrier = threading.Barrier(8)
    results, errors = [], []

    def work():
        barrier.wait()
        try:
            results.append(documents.store_blob(PNG))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sum(created for _, _, created in results) == 1
    assert len(files(store)) == 1 and files(store)[0].read_bytes() == PNG


def test_out_of_scope_upload_is_refused_before_anything_is_written(engine, op_pangkep, store):
    with pytest.raises(OutOfScope):
        upload(engine, op_pangkep, region_code="73.09")
    with pytest.raises(OutOfScope):  # even a file that would be refused for its content
        upload(engine, op_pangkep, region_code="73.09", content=EXE)
    assert count(engine) == 0 and files(store) == []


@pytest.mark.parametrize(("over", "field"), [({"requirement_code": "tidak-ada"}, "jenis dokumen"),
                                             ({"document_date": date(2030, 1, 1)}, "tanggal dokumen"),
                                             ({"region_code": "31.71"}, "wilayah")])
def test_refused_metadata_leaves_no_file(engine, admin, store, over, field):
    with pytest.raises(InvalidInput) as exc:
        upload(engine, admin, **over)
    assert field in exc.value.errors
    assert count(engine) == 0 and files(store) == []


def test_retry_with_the_same_key_stores_once(engine, op_pangkep, store):
    first = upload(engine, op_pangkep, idempotency_key="form:abc")
    again = upload(engine, op_pangkep, idempotency_key="form:abc")
    assert again.id == first.id and again.duplicate and not first.duplicate
    assert count(engine) == 1


def test_checklist_shows_present_and_missing(engine, op_pangkep, store):
    with engine.connect() as conn:
        before = documents.checklist(conn, "73.10", "pilkada-2024")
        pemilu = documents.checklist(conn, "73.10", "pemilu-2024")
    assert len(before) == 7 and not before["present"].any()  # 3 general + 4 NPHD (Pilkada)
    assert set(pemilu["requirement_code"]) == {"sk-tim-pemantauan", "sk-operator", "laporan-berkala"}
    upload(engine, op_pangkep)
    upload(engine, op_pangkep, requirement_code="nphd-kpu", content=PNG, filename="nphd-kpu.png")
    upload(engine, op_pangkep, requirement_code="nphd-kpu", content=JPEG, filename="nphd-kpu-ttd.jpg")
    with engine.connect() as conn:
        after = documents.checklist(conn, "73.10", "pilkada-2024").set_index("requirement_code")
        missing = documents.missing(conn, "73.10", "pilkada-2024")
        other = documents.checklist(conn, "73.09", "pilkada-2024")
    assert after.loc["sk-tim-pemantauan", "present"] and after.loc["sk-tim-pemantauan", "stored"]
    assert after.loc["nphd-kpu", "count"] == 2 and after.loc["nphd-kpu", "filename"] == "nphd-kpu-ttd.jpg"
    assert set(missing) == {"sk-operator", "laporan-berkala", "nphd-bawaslu", "nphd-tni", "nphd-polri"}
    assert not other["present"].any()


def test_download_follows_read_scope_and_checks_the_hash(engine, op_pangkep, op_sulsel, store):
    receipt = upload(engine, op_pangkep, content=PNG, filename="foto.pdf")
    with write_tx(engine) as conn:
        maros = create_user(conn, "op.maros", "op.maros", "operator_kabkota", "73.09")
        verifier = create_user(conn, "ver.jatim", "ver.jatim", "verifikator_provinsi", "35")
    with engine.connect() as conn:
        got = documents.read_document(conn, op_pangkep, receipt.id)
        assert (got.content, got.media_type, got.filename) == (PNG, "image/png", "foto.pdf.png")
        assert documents.read_document(conn, op_sulsel, receipt.id).content == PNG  # the province reads its regencies
        for outsider in (maros, verifier):
            with pytest.raises(documents.NotReadable):
                documents.read_document(conn, outsider, receipt.id)
        path = documents.blob_path(documents.content_hash(PNG))
        path.write_bytes(PNG + b"rusak")
        with pytest.raises(FileNotFoundError, match="rusak"):
            documents.read_document(conn, op_pangkep, receipt.id)
        path.unlink()
        with pytest.raises(FileNotFoundError, match="tidak tersedia"):
            documents.read_document(conn, op_pangkep, receipt.id)
        assert not documents.checklist(conn, "73.10", "pilkada-2024").set_index(
            "requirement_code").loc["sk-tim-pemantauan", "stored"]


def test_a_damaged_file_is_repaired_from_a_new_upload_of_the_same_bytes(store):
    digest, path, _ = documents.store_blob(PDF)
    path.write_bytes(b"%PDF-rusak")
    _, _, created = documents.store_blob(PDF)
    assert created and path.read_bytes() == PDF


@pytest.mark.parametrize(("name", "safe"), [("../../etc/passwd", "passwd"), ("C:\\Users\\a\\surat.pdf", "surat.pdf"),
                                            ("lap\x00oran\n.pdf", "laporan.pdf"), ("", "dokumen"), ("...", "dokumen")])
def test_filenames_are_made_safe(name, safe):
    assert documents.safe_filename(name) == safe


def test_blob_path_accepts_only_hashes(store):
    with pytest.raises(ValueError):
        documents.blob_path("../../etc/passwd")


def test_admin_uploads_for_any_region_and_general_documents_need_no_election(engine, admin, store):
    receipt = upload(engine, admin, region_code="11.01", election_code=None)
    row = stored_row(engine, receipt.id)
    assert (row["region_code"], row["election_code"]) == ("11.01", None)

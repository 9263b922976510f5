"""Backup, restore and verify, on SQLite and PostgreSQL: the restore drill (back up while
a writer writes, restore into an empty database and an empty document folder, verify,
compare with the source) and the refusals (a tampered or incomplete archive, a missing
document file, a non-empty target, another backend, a missing or too old pg_dump)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import threading
from contextlib import closing
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import _database, demo_database
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from sipantau import backup as bk
from sipantau import documents, history, readiness
from sipantau import models as m
from sipantau.auth import get_actor
from sipantau.cli import app
from sipantau.db import make_engine, write_tx
from sipantau.reports import rebuild_stage_status, submit_stage_report

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
# The writer reports on Pemilu 2024, so the Pilkada 2024 readiness of source and restored copy must agree.
WRITER_ELECTION, COMPARED_ELECTION = "pemilu-2024", "pilkada-2024"

runner = CliRunner()


def cli(*args) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def source(request, tmp_path_factory):
    """A demo database with reports, obstacles and NPHD, plus three uploaded documents."""
    url, drop = _database(request.param, tmp_path_factory, "backup")
    engine = demo_database(url, 6_000)
    root = tmp_path_factory.mktemp("dokumen-sumber")
    with engine.connect() as conn:
        operator = get_actor(conn, "operator.pangkep")
    uploads = [("sk-tim-pemantauan", "sk.pdf", PDF), ("sk-operator", "operator.png", PNG),
               ("sk-tim-pemantauan", "sk-revisi.pdf", PDF + b"% revisi\n")]
    ids = [documents.upload_document(engine, operator, region_code="73.10", requirement_code=req,
                                     document_date=date(2024, 6, 3), filename=name, content=content,
                                     election_code=COMPARED_ELECTION, root=root).id
           for req, name, content in uploads]
    yield SimpleNamespace(url=url, engine=engine, root=root, backend=request.param, document_ids=ids,
                          contents=[u[2] for u in uploads])
    engine.dispose()
    drop()


@pytest.fixture
def empty_url(source, tmp_path_factory):
    """Makes empty databases of the source's backend (dropped afterwards)."""
    drops = []

    def make() -> str:
        url, drop = _database(source.backend, tmp_path_factory, "pulih")
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = bk.table_counts(conn)
    engine.dispose()
    return found


def take_backup(source, out: Path, *extra) -> Path:
    code, output = cli("backup", "--database-url", source.url, "--documents-dir", source.root, "--out", out,
                       "--no-boundaries", *extra)
    assert code == 0, output
    return out


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile(bk.MANIFEST))


# ---- the drill -------------------------------------------------------------------------


class Writer(threading.Thread):
    """Stage reports one after another (each with its audit row, status and report day) until stopped."""

    def __init__(self, engine, actor, stage_id: int):
        super().__init__(daemon=True)
        self.engine, self.actor, self.stage_id = engine, actor, stage_id
        self.committed, self.errors = 0, []
        self.stop, self.started_writing = threading.Event(), threading.Event()
        self.barrier = threading.Barrier(2)

    def run(self) -> None:
        self.barrier.wait()
        i = 0
        while not self.stop.is_set():
            try:
                submit_stage_report(self.engine, self.actor, region_code="73.10", stage_id=self.stage_id,
                                    situation_date=date(2024, 2, 1 + i % 28), progress=float(i % 100),
                                    status="berjalan", note=f"latihan {i}", idempotency_key=f"latihan:{os.getpid()}:{i}")
            except BaseException as exc:  # noqa: BLE001 - every error reaches the assertion
                self.errors.append(exc)
                return
            i += 1
            self.committed = i
            if i >= 20:
                self.started_writing.set()

    def wait_for(self, n: int) -> None:
        while self.committed < n and self.is_alive():
            self.stop.wait(0.01)


def writer_rows(conn, user_id: int) -> tuple[int, int]:
    sr, audit = m.StageReport.__table__, m.AuditLog.__table__
    reports = conn.execute(select(func.count()).where(sr.c.recorded_by == user_id, sr.c.note.like("latihan %"))).scalar()
    audits = conn.execute(select(func.count()).where(audit.c.user_id == user_id, audit.c.entity == "stage_report",
                                                     audit.c.action == "buat")).scalar()
    return reports, audits


def national_numbers(url: str) -> dict:
    engine = make_engine(url)
    with engine.connect() as conn:
        as_of = history.election_dates(conn, COMPARED_ELECTION)[0]
        picture = readiness.national(readiness.snapshot(history.load(conn, COMPARED_ELECTION, as_of)))
        index = readiness.readiness_index(picture.snapshot)
    engine.dispose()
    return {"as_of": as_of, "reporting": picture.regions_reporting, "total": picture.regions_total,
            "overview": picture.stage_overview, "severity": picture.obstacles_by_severity, "nphd": picture.nphd,
            "index": index.sort_values("region_code").reset_index(drop=True)}


def test_restore_drill(source, empty_url, tmp_path):
    with source.engine.connect() as conn:
        operator = get_actor(conn, "operator.pangkep")
        stage_id = conn.execute(select(m.Stage.id).where(m.Stage.election_code == WRITER_ELECTION)
                                .order_by(m.Stage.order)).scalars().first()
        already = writer_rows(conn, operator.id)[0]
    writer = Writer(source.engine, operator, stage_id)
    writer.start()
    writer.barrier.wait()
    writer.started_writing.wait(60)
    before = writer.committed
    archive = take_backup(source, tmp_path / "cadangan.tar")
    after_backup = writer.committed
    writer.wait_for(after_backup + 20)
    writer.stop.set()
    writer.join(60)
    assert not writer.errors, writer.errors
    manifest = manifest_of(archive)

    # The backup holds one moment of the writer's work: at least what was committed when it
    # started, at most what was committed when it ended, and each report with its audit row.
    target, restored_docs = empty_url(), tmp_path / "dokumen-pulih"
    code, output = cli("restore", archive, "--database-url", target, "--documents-dir", restored_docs,
                       "--boundaries-dir", tmp_path / "batas")
    assert code == 0, output
    engine = make_engine(target)
    with engine.connect() as conn:
        reports, audits = writer_rows(conn, operator.id)
    print(f"\n[{source.backend}] writer commits: {before} when the backup began, {reports - already} in it, "
          f"{after_backup} when it ended")
    assert already + before <= reports <= already + after_backup
    assert reports == audits
    assert counts(target) == manifest["tables"]
    with write_tx(engine) as conn:  # the derived current-status table agrees with the restored history
        kept = {tuple(r) for r in conn.execute(select(m.StageStatus.__table__))}
        rebuild_stage_status(conn)
        assert {tuple(r) for r in conn.execute(select(m.StageStatus.__table__))} == kept

    code, output = cli("verify", "--database-url", target, "--documents-dir", restored_docs)
    assert code == 0, output
    assert "3 berkas yang dirujuk basis data ada dan utuh" in output

    # Tables the writer did not touch are as in the source; so is the readiness of another election.
    live = counts(source.url)
    written = {"stage_report", "stage_status", "report_day", "audit_log"}
    assert {t: n for t, n in counts(target).items() if t not in written} == {
        t: n for t, n in live.items() if t not in written}
    assert live["stage_report"] > manifest["tables"]["stage_report"] >= 6_000
    ours, theirs = national_numbers(source.url), national_numbers(target)
    assert ours["as_of"] == theirs["as_of"] and ours["reporting"] == theirs["reporting"] > 0
    assert ours["total"] == theirs["total"]
    for key in ("overview", "severity", "nphd", "index"):
        pd.testing.assert_frame_equal(ours[key], theirs[key])

    # The documents come back byte for byte, through the same read path the dashboard uses.
    with engine.connect() as conn:
        admin = get_actor(conn, "admin")
        for doc_id, content in zip(source.document_ids, source.contents, strict=True):
            assert documents.read_document(conn, admin, doc_id, root=restored_docs).content == content
    engine.dispose()


def test_manifest_describes_the_archive(source, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    manifest = manifest_of(archive)
    assert manifest["format"] == bk.FORMAT and manifest["schema_revision"] == bk.head_revision()
    assert manifest["database"]["backend"] == source.backend
    assert manifest["created_at"].endswith("+07:00")
    assert set(manifest["tables"]) <= set(m.Base.metadata.tables)
    assert manifest["tables"]["document"] >= 3 and manifest["documents"]["missing"] == []
    digests = {documents.content_hash(c) for c in source.contents}
    blobs = {name.rpartition("/")[2]: meta for name, meta in manifest["files"].items() if name.startswith(bk.DOCS)}
    assert set(blobs) == digests
    assert all(meta["sha256"] == digest for digest, meta in blobs.items())
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[-1] == bk.MANIFEST and set(names[:-1]) == set(manifest["files"])
    assert os.stat(archive).st_mode & 0o077 == 0  # password hashes inside: owner only


def test_backup_to_a_folder_names_the_file_and_never_overwrites(source, tmp_path):
    folder = tmp_path / "cadangan"
    code, output = cli("backup", "--database-url", source.url, "--documents-dir", source.root, "--out", folder,
                       "--no-boundaries")
    assert code == 0, output
    [made] = folder.glob("sipantau-cadangan-*.tar")
    assert str(made) in output and not list(folder.glob(".*"))
    code, output = cli("backup", "--database-url", source.url, "--documents-dir", source.root, "--out", made)
    assert code == 2 and "tidak pernah ditimpa" in output


# ---- refusals --------------------------------------------------------------------------


def test_tampered_archive_fails_verify_naming_the_file(source, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    digest = documents.content_hash(source.contents[0])
    name = f"{bk.DOCS}{digest[:2]}/{digest}"
    with tarfile.open(archive) as tar:
        offset = tar.getmember(name).offset_data
    with archive.open("r+b") as f:  # one byte changed in place, size unchanged
        f.seek(offset + 3)
        byte = f.read(1)
        f.seek(offset + 3)
        f.write(bytes([byte[0] ^ 0xFF]))
    code, output = cli("verify", archive)
    assert code == 2
    assert f"{name}: isi tidak cocok dengan manifest" in output
    target, docs = tmp_path / "pulih.db", tmp_path / "dokumen"
    code, output = cli("restore", archive, "--database-url", f"sqlite:///{target}", "--documents-dir", docs)
    assert code == 2 and "tidak lolos pemeriksaan" in output and name in output
    assert not target.exists() and not docs.exists()


def rewrite(archive: Path, drop: str | None = None, add: tuple[str, bytes] | None = None) -> Path:
    """A copy of the archive without one member and/or with one more."""
    copy = archive.with_name("ubah-" + archive.name)
    with tarfile.open(archive) as src, tarfile.open(copy, "w") as dst:
        for info in src.getmembers():
            if info.name != drop:
                dst.addfile(info, src.extractfile(info))
        if add:
            extra = tarfile.TarInfo(add[0])
            extra.size = len(add[1])
            dst.addfile(extra, io.BytesIO(add[1]))
    return copy


def test_archive_without_a_document_file_fails_verify(source, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    digest = documents.content_hash(source.contents[1])
    name = f"{bk.DOCS}{digest[:2]}/{digest}"
    code, output = cli("verify", rewrite(archive, drop=name))
    assert code == 2 and f"{name}: tercatat di manifest tetapi tidak ada di arsip" in output


def test_archive_without_manifest_or_with_unsafe_member_is_refused(source, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    code, output = cli("verify", rewrite(archive, drop=bk.MANIFEST))
    assert code == 2 and "manifest.json tidak ada" in output
    evil = rewrite(archive, add=("documents/../../../etc/cron.d/evil", b"* * * * * root true\n"))
    code, output = cli("verify", evil)
    assert code == 2 and "documents/../../../etc/cron.d/evil: nama anggota arsip tidak dikenal atau tidak aman" in output
    code, output = cli("restore", evil, "--database-url", f"sqlite:///{tmp_path / 'x.db'}",
                       "--documents-dir", tmp_path / "d")
    assert code == 2 and not (tmp_path / "x.db").exists()
    truncated = tmp_path / "potong.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, output = cli("verify", truncated)
    assert code == 2 and ("terpotong" in output)


def copy_store(source, tmp_path) -> Path:
    root = tmp_path / "salinan-dokumen"
    for name, path in bk.stored_blobs(source.root):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(path.read_bytes())
    return root


def test_verify_live_database_finds_a_missing_and_a_damaged_document(source, tmp_path):
    root = copy_store(source, tmp_path)
    code, output = cli("verify", "--database-url", source.url, "--documents-dir", root)
    assert code == 0, output
    gone, damaged = (documents.content_hash(c) for c in source.contents[:2])
    documents.blob_path(gone, root).unlink()
    documents.blob_path(damaged, root).write_bytes(source.contents[1][:-1] + b"!")
    code, output = cli("verify", "--database-url", source.url, "--documents-dir", root)
    assert code == 2
    assert f"dokumen #{source.document_ids[0]}: berkas {gone} tidak ada" in output
    assert f"dokumen #{source.document_ids[1]}: berkas {damaged} rusak" in output


def test_backup_with_a_missing_document_file_is_kept_but_flagged(source, tmp_path):
    root = copy_store(source, tmp_path)
    gone = documents.content_hash(source.contents[2])
    documents.blob_path(gone, root).unlink()
    out = tmp_path / "a.tar"
    code, output = cli("backup", "--database-url", source.url, "--documents-dir", root, "--out", out,
                       "--no-boundaries")
    assert code == 2 and out.exists()
    assert f"dokumen #{source.document_ids[2]}: berkas {gone} tidak ada" in output
    assert manifest_of(out)["documents"]["missing"] == [{"content_hash": gone, "document_ids": [source.document_ids[2]]}]
    code, output = cli("verify", out)
    assert code == 2 and "Peringatan" in output and gone in output


def test_restore_into_a_non_empty_database_is_refused_unless_forced(source, empty_url, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    before = counts(source.url)
    code, output = cli("restore", archive, "--database-url", source.url, "--documents-dir", tmp_path / "d")
    assert code == 2 and "Basis data tujuan tidak kosong" in output and "--force" in output
    assert counts(source.url) == before

    target = empty_url()
    engine = make_engine(target)
    with write_tx(engine) as conn:  # something else already lives there
        conn.execute(text("CREATE TABLE catatan_lain (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    code, output = cli("restore", archive, "--database-url", target, "--documents-dir", tmp_path / "d")
    assert code == 2 and "catatan_lain" in output
    code, output = cli("restore", archive, "--database-url", target, "--documents-dir", tmp_path / "d", "--force")
    assert code == 0, output
    assert counts(target) == manifest_of(archive)["tables"]
    engine = make_engine(target)
    with engine.connect() as conn:
        assert bk.target_tables(target) and "catatan_lain" not in " ".join(bk.target_tables(target))
        assert bk.schema_revision(conn) == bk.head_revision()
    engine.dispose()


def test_restore_into_another_backend_is_refused(source, tmp_path):
    archive = take_backup(source, tmp_path / "a.tar")
    sqlite_target = tmp_path / "lain.db"
    other = ("postgresql+psycopg://postgres@127.0.0.1:5432/tidak_dipakai" if source.backend == "sqlite"
             else f"sqlite:///{sqlite_target}")
    code, output = cli("restore", archive, "--database-url", other, "--documents-dir", tmp_path / "d")
    assert code == 2 and "Pemulihan hanya ke backend yang sama" in output
    assert not sqlite_target.exists() and not (tmp_path / "d").exists()


def test_boundaries_are_backed_up_and_restored_without_overwriting(source, empty_url, tmp_path):
    bounds = tmp_path / "batas"
    (bounds / "sumber").mkdir(parents=True)
    (bounds / "provinces.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (bounds / "sumber" / "LICENSE").write_text("MIT\n")
    out = tmp_path / "a.tar"
    code, output = cli("backup", "--database-url", source.url, "--documents-dir", source.root, "--out", out,
                       "--boundaries-dir", bounds)
    assert code == 0, output
    assert manifest_of(out)["boundaries"] == {"included": True, "files": 2}
    restored = tmp_path / "batas-pulih"
    restored.mkdir()
    (restored / "provinces.geojson").write_text("milik server baru")
    code, output = cli("restore", out, "--database-url", empty_url(), "--documents-dir",
                       tmp_path / "d", "--boundaries-dir", restored)
    assert (restored / "sumber" / "LICENSE").read_text() == "MIT\n"
    assert (restored / "provinces.geojson").read_text() == "milik server baru"
    assert code == 2 and "batas wilayah provinces.geojson: berkas berbeda sudah ada" in output


# ---- the live database -----------------------------------------------------------------


def test_verify_finds_a_broken_reference(engine, tmp_path):
    code, output = cli("verify", "--database-url", _url(engine), "--documents-dir", tmp_path)
    assert code == 0, output
    orphan = {"election_code": "pilkada-2024", "region_code": "99.99", "situation_date": date(2024, 1, 1)}
    _insert_unchecked(engine, m.ReportDay.__table__, orphan)  # as a hand-made fix or a partial copy can leave
    try:
        code, output = cli("verify", "--database-url", _url(engine), "--documents-dir", tmp_path)
        assert code == 2 and "tabel report_day: 1 baris" in output and "region" in output
    finally:
        with write_tx(engine) as conn:
            conn.execute(m.ReportDay.__table__.delete().where(m.ReportDay.region_code == "99.99"))


def _insert_unchecked(engine, table, row: dict) -> None:
    """Insert without foreign-key checks: SQLite checks them only when a connection asks."""
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(engine.url.database)) as conn, conn:
            columns = ", ".join(row)
            conn.execute(f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(row))})",
                         [v.isoformat() if isinstance(v, date) else v for v in row.values()])
        return
    with write_tx(engine) as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(table.insert().values(**row))


@pytest.mark.parametrize("backend_engine", ["postgresql"], indirect=True)
def test_verify_finds_a_sequence_behind_its_table(engine, admin, tmp_path):
    with engine.connect() as conn:
        stage_id = conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024")).scalars().first()
    for i in range(3):
        submit_stage_report(engine, admin, region_code="73.10", stage_id=stage_id, situation_date=date(2024, 9, 1 + i),
                            progress=10.0, status="berjalan")
    sequence = "pg_get_serial_sequence('stage_report', 'id')"
    with write_tx(engine) as conn:
        top = conn.execute(text(f"SELECT last_value FROM {conn.execute(text(f'SELECT {sequence}')).scalar()}")).scalar()
        conn.execute(text(f"SELECT setval({sequence}, 1)"))
    try:
        code, output = cli("verify", "--database-url", _url(engine), "--documents-dir", tmp_path)
        assert code == 2 and "stage_report_id_seq" in output and "di belakang id terbesar stage_report" in output
    finally:
        with write_tx(engine) as conn:
            conn.execute(text(f"SELECT setval({sequence}, {top})"))


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("source", ["postgresql"], indirect=True)
def test_pg_dump_missing_or_too_old_is_explained(source, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, output = cli("backup", "--database-url", source.url, "--out", tmp_path / "a.tar", "--no-boundaries")
    assert code == 2 and "Program pg_dump tidak ditemukan di PATH" in output
    old = tmp_path / "pg_dump"  # a client older than the server, as after a server upgrade
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    code, output = cli("backup", "--database-url", source.url, "--out", tmp_path / "a.tar", "--no-boundaries")
    assert code == 2 and "pg_dump versi 9" in output and "tidak dapat mencadangkan server PostgreSQL" in output
    assert not (tmp_path / "a.tar").exists()

"""Backup, restore and verification of the report database and the document store.

One backup is one file, `sipantau-cadangan-YYYYMMDD-HHMMSS.tar` (Jakarta time): a plain
tar that any `tar` lists and unpacks, mode 0600 (it holds password hashes), holding

    database/sipantau.sqlite3.gz   SQLite: an online copy (the sqlite3 backup API), gzipped
    database/sipantau.pgdump       PostgreSQL: `pg_dump --format=custom` (compressed by itself)
    documents/ab/ab12…             every file of the document store, named by its SHA-256
    boundaries/…                   the boundaries folder (not in git), unless left out
    manifest.json                  last: what the rest is, with the SHA-256 and size of every member

One file, because it is one thing to copy off the server and to check; not gzipped as a
whole, because documents (PDF, JPEG, PNG) and the pg_dump do not compress further: only
the SQLite copy is. It is written as a hidden `.part` file and linked to its name only
once complete, so a backup that exists is whole.

Consistency: the database comes from one snapshot. SQLite's backup API copies every page
in one step, inside one read transaction, while writers carry on (WAL); pg_dump runs on a
snapshot exported from a REPEATABLE READ transaction, the one in which the manifest's
row counts are taken. The documents are copied after the snapshot: an upload stores its
file before the row naming it commits (`documents.upload_document`) and files are never
deleted, so every file the snapshot names is on disk by then.

Restore goes only into an empty database, from a backup of the same backend: a SQLite file
and a pg_dump are each their engine's own format, and moving rows between engines is a
migration (types, sequences), not a recovery step.

The package: `layout` (member names, manifest, hashing reader), `results` (what is returned or
raised), `database` (facts a backup records: counts, revision, documents named), `sqlite` and
`postgres` (each engine's snapshot, restore and integrity checks), `archive` (`backup`),
`verify` (`verify_archive`, `verify_database`) and `restoring` (`restore`). It may import
SQLAlchemy, Alembic, psycopg's conninfo, `sipantau.models`, `sipantau.db`, `sipantau.documents`
and `sipantau.config`; `sipantau.cli_backup` is its command line. Names with a leading underscore
are private to the package; this module is its API.
"""

from sipantau.backup.archive import DEFAULT_DIR, archive_path, archive_warnings, backup, boundary_files, stored_blobs
from sipantau.backup.database import (
    backend_of,
    head_revision,
    known_revisions,
    referenced_documents,
    schema_revision,
    sipantau_release,
    sqlite_path,
    synthetic_documents,
    table_counts,
)
from sipantau.backup.layout import BOUNDS, DATABASE_MEMBERS, DOCS, FORMAT, FORMAT_VERSION, MANIFEST
from sipantau.backup.postgres import libpq, pg_tool
from sipantau.backup.restoring import restore, target_tables
from sipantau.backup.results import BackupError, BackupResult, Check, RestoreResult
from sipantau.backup.verify import verify_archive, verify_database

__all__ = [
    "BOUNDS", "DATABASE_MEMBERS", "DEFAULT_DIR", "DOCS", "FORMAT", "FORMAT_VERSION", "MANIFEST", "BackupError",
    "BackupResult", "Check", "RestoreResult", "archive_path", "archive_warnings", "backend_of", "backup",
    "boundary_files", "head_revision", "known_revisions", "libpq", "pg_tool", "referenced_documents", "restore",
    "schema_revision", "sipantau_release", "sqlite_path", "stored_blobs", "synthetic_documents", "table_counts",
    "target_tables", "verify_archive", "verify_database",
]

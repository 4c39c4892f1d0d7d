"""Backup and restore on the engine the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).

The round trip restores into an EMPTY second database (SQLite: a new file; PostgreSQL: a second
database created for the test) and compares the checksum of every table (each row's data, in key
order) and of every uploaded file with the source.
"""

from __future__ import annotations

import io
import os
import sqlite3
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from baocao.datavalues.services import set_value
from baocao.ops import services as ops

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {
    "recommendations/2026/01/bao-cao-quy.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40,
    "recommendations/2026/01/Biểu số liệu.xlsx": b"PK\x03\x04" + os.urandom(3000),
    "evidence/x/y/z.txt": "Nội dung minh chứng có dấu".encode(),
}


def _fill(media: Path) -> None:
    """Reference data, a few values with history, and uploaded files."""
    from baocao.core.reference import load_reference

    load_reference(communes=False, verbosity=0)
    for i, (area, code) in enumerate([("P04", "POST_ENTERPRISES"), ("P20", "POST_SERVICE_POINTS"), ("P01", "TEL_SUBS_TOTAL")]):
        set_value(area=area, indicator=code, period="2024Q4", value=Decimal(100 + i), source="form", comment="Có dấu: ý kiến")
        set_value(area=area, indicator=code, period="2024Q4", value=Decimal(516033 + i), source="api")
    for rel, data in FILES.items():
        (media / rel).parent.mkdir(parents=True, exist_ok=True)
        (media / rel).write_bytes(data)


def _source(media: Path) -> ops.Target:
    return ops.Target(database=dict(connection.settings_dict), media_root=media)


def _checksums(target: ops.Target) -> dict:
    if target.vendor == "sqlite":
        name = str(target.database["NAME"])
        conn = sqlite3.connect(name, uri=name.startswith("file:"))
        try:
            return ops.sqlite_checksums(conn)
        finally:
            conn.close()
    with ops.pg_connect(target.database) as conn, conn.cursor() as cur:
        return ops.pg_checksums(cur)


@pytest.fixture
def empty_target(tmp_path):
    """A second, empty database (and media directory) to restore into."""
    media = tmp_path / "restored-media"
    if connection.vendor == "sqlite":
        yield ops.Target(database={**connection.settings_dict, "NAME": str(tmp_path / "restored.sqlite3")}, media_root=media)
        return
    name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    import psycopg

    admin = psycopg.connect(**ops.pg_conninfo(connection.settings_dict), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ops.Target(database={**connection.settings_dict, "NAME": name}, media_root=media)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_round_trip_into_an_empty_database_same_checksums_for_every_table_and_file(tmp_path, empty_target):
    media = tmp_path / "media"
    _fill(media)
    source = _source(media)
    before = _checksums(source)
    archive = tmp_path / "b.tar.gz"
    manifest = ops.backup(archive, source)

    # The manifest describes exactly what was backed up.
    assert manifest.tables == before
    assert before["datavalues_datavalue"]["rows"] == 3 and before["datavalues_datavaluehistory"]["rows"] == 3
    assert set(manifest.media_files) == {f"media/{rel}" for rel in FILES}

    result = ops.restore(archive, empty_target)
    assert result.files == len(FILES)
    after = _checksums(empty_target)
    assert sorted(after) == sorted(before)  # every table
    for table in before:
        assert after[table] == before[table], table
    assert ops.media_checksums(empty_target.media_root) == ops.media_checksums(media)
    assert len(ops.media_checksums(media)) == len(FILES)

    # The checksums do see a change of one value in one row.
    set_value(area="P04", indicator="POST_ENTERPRISES", period="2024Q4", value=Decimal(516040), source="api")
    changed = _checksums(source)
    assert changed["datavalues_datavalue"] != before["datavalues_datavalue"]
    assert changed["geo_adminarea"] == before["geo_adminarea"]


def test_restore_refuses_a_non_empty_database_unless_forced(tmp_path, empty_target):
    media = tmp_path / "media"
    _fill(media)
    archive = tmp_path / "b.tar"
    ops.backup(archive, _source(media))
    ops.restore(archive, empty_target)
    restored = _checksums(empty_target)

    with pytest.raises(ops.BackupError, match="not empty; use --force"):
        ops.restore(archive, empty_target)
    assert _checksums(empty_target) == restored

    # --force replaces everything: a file added since is gone, the tables are the backup's again.
    (empty_target.media_root / "extra.txt").write_text("mới")
    _damage(empty_target)
    ops.restore(archive, empty_target, force=True)
    assert _checksums(empty_target) == restored
    assert ops.media_checksums(empty_target.media_root) == ops.media_checksums(media)


def _damage(target: ops.Target) -> None:
    sql = "UPDATE datavalues_datavalue SET value = value + 1"
    if target.vendor == "sqlite":
        conn = sqlite3.connect(str(target.database["NAME"]))
        conn.execute(sql)
        conn.commit()
        conn.close()
    else:
        with ops.pg_connect(target.database) as conn:
            conn.execute(sql)


def _rewrite(archive: Path, out: Path, change: dict[str, bytes]) -> None:
    """Copy ``archive`` to ``out`` with some members' bytes replaced (the manifest left as it was)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            data = change.get(m.name, data)
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))


def test_a_damaged_archive_is_refused_before_anything_is_touched(tmp_path, empty_target):
    media = tmp_path / "media"
    _fill(media)
    archive = tmp_path / "b.tar"
    ops.backup(archive, _source(media))
    rel = "media/evidence/x/y/z.txt"
    bad = tmp_path / "bad.tar"
    _rewrite(archive, bad, {rel: b"altered"})
    with pytest.raises(ops.BackupError, match=f"checksum mismatch for {rel}"):
        ops.restore(bad, empty_target)
    assert not empty_target.media_root.exists()
    assert _checksums(empty_target) == {}  # no table was created

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ops.BackupError):
        ops.restore(truncated, empty_target)
    assert _checksums(empty_target) == {}

    # A member named with '..' would be written outside the staging directory: refused.
    evil = tmp_path / "evil.tar"
    with tarfile.open(archive) as src, tarfile.open(evil, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name == rel:
                m.name = "media/../../escape.txt"
            dst.addfile(m, io.BytesIO(data))
    with pytest.raises(ops.BackupError, match="unsafe archive member"):
        ops.restore(evil, empty_target)
    assert not (tmp_path / "escape.txt").exists()


def test_a_failing_database_step_leaves_the_old_database_and_files(tmp_path, empty_target, monkeypatch):
    media = tmp_path / "media"
    _fill(media)
    archive = tmp_path / "b.tar"
    ops.backup(archive, _source(media))
    ops.restore(archive, empty_target)
    (empty_target.media_root / "kept.txt").write_text("giữ nguyên")
    _damage(empty_target)
    before_db, before_files = _checksums(empty_target), ops.media_checksums(empty_target.media_root)

    if empty_target.vendor == "postgresql":
        # The whole pg_restore script runs in one transaction: make its very last statement fail.
        real_run = ops._run

        def failing_run(cmd, env, **kwargs):
            if Path(cmd[0]).name == "psql":
                kwargs["input"] = kwargs["input"] + b"\nSELECT 1/0;\n"
            return real_run(cmd, env, **kwargs)

        monkeypatch.setattr(ops, "_run", failing_run)
        with pytest.raises(ops.BackupError, match="division by zero"):
            ops.restore(archive, empty_target, force=True)
    else:
        def failing_restore(snapshot, db):
            raise ops.BackupError("disk I/O error (simulated)")

        monkeypatch.setattr(ops, "_restore_sqlite", failing_restore)
        with pytest.raises(ops.BackupError, match="simulated"):
            ops.restore(archive, empty_target, force=True)
    assert _checksums(empty_target) == before_db
    assert ops.media_checksums(empty_target.media_root) == before_files


def test_commands_report_precise_errors_and_write_nothing(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    existing = tmp_path / "exists.tar"
    existing.write_bytes(b"x")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"x"
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.tar"))
    with pytest.raises(CommandError, match="not a readable tar archive"):
        call_command("restore", str(existing))
    out = io.StringIO()
    call_command("backup", str(tmp_path / "ok.tar"), stdout=out)
    assert f"{connection.vendor} " in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.tar", "ok.tar"]  # no partial or temporary files left

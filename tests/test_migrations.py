"""Migrations: one head, numbered ids, the migrated schema equals the models, up and down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from ems import PROJECT_ROOT, create_app
from ems.extensions import db
from tests.conftest import app_config, fresh_postgresql_database

MIGRATIONS = PROJECT_ROOT / "migrations"


@pytest.fixture(scope="module")
def script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own with no tables at all (same kind as the test run's)."""
    import os

    server = os.environ.get("EMS_TEST_DATABASE_URL")
    if server:
        with fresh_postgresql_database(server) as url:
            yield from _app_on(url)
    else:
        yield from _app_on(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")


def _app_on(url: str) -> Iterator[Flask]:
    app = create_app(app_config(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema() -> dict[str, object]:
    """Tables with their columns, indexes, unique and check constraints and foreign keys."""
    inspector = sa.inspect(db.engine)
    result: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        result[table] = (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted(_plain(index) for index in inspector.get_indexes(table)),
            sorted(str(u) for u in inspector.get_unique_constraints(table)),
            sorted(str(f) for f in inspector.get_foreign_keys(table)),
            sorted(c["name"] or "" for c in inspector.get_check_constraints(table)),
        )
    return result


def _plain(item: object) -> str:
    """A reflected item as text, SQL expressions (partial-index conditions) included."""
    if isinstance(item, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in sorted(item.items())) + "}"
    if isinstance(item, list | tuple):
        return "[" + ", ".join(_plain(v) for v in item) + "]"
    return str(item)


def revisions(script: ScriptDirectory) -> list[str]:
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_single_head(script):
    assert len(script.get_heads()) == 1


def test_revision_ids_are_numbered_and_the_head_file_names_the_newest(script):
    ids = revisions(script)
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+", rev) for rev in ids), ids
    assert [int(rev[:4]) for rev in ids] == list(range(1, len(ids) + 1))
    assert (MIGRATIONS / ".current-alembic-head").read_text().strip() == script.get_current_head()


def test_migrations_do_not_import_the_application():
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert not re.search(r"^\s*(from|import) ems\b", path.read_text(), re.M), path


def test_migrated_schema_matches_the_models(empty_app):
    flask_migrate.upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_every_revision_upgrades_and_downgrades(empty_app, script):
    """Step up one revision at a time; after each, down one and up again gives the same schema."""
    for revision in revisions(script):
        flask_migrate.upgrade(revision=revision)
        after_upgrade = schema()
        flask_migrate.downgrade(revision="-1")
        flask_migrate.upgrade(revision=revision)
        assert schema() == after_upgrade, revision
    flask_migrate.downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}

"""The session stores a test can run against: `stores` is parametrized over SQLite (in the
test's tmp_path) and PostgreSQL (a database of the test's own on the tests' server), so a
test of the store's contract runs on both.

    def test_something(stores):
        store = stores.open()                          # a store on the test's database
        app = create_app(make_settings(**stores.settings))   # a server keeping sessions there
        sql(store, "SELECT count(*) FROM history")     # a look behind the store's back
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.persistence import open_database, open_store
from app.store import SessionStore, SQLiteStore


@dataclass
class Stores:
    kind: str  # "sqlite" or "postgres"
    open: Callable[[], SessionStore]  # another store on the same database at each call
    settings: dict  # the Settings fields that make a server keep its sessions there


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request, tmp_path) -> Stores:
    if request.param == "sqlite":
        return Stores("sqlite", lambda: open_store(tmp_path)[0], {"data_dir": tmp_path})
    url = request.getfixturevalue("postgres_url")
    return Stores("postgres", lambda: open_database(url), {"data_dir": tmp_path, "database_url": url})


def sql(store: SessionStore, query: str, params: tuple = ()) -> list[tuple]:
    """Run `query` (with ? placeholders) on the store's database, as a person or a damaged
    disk would, behind its back; the rows it gives (none for a statement)."""
    if isinstance(store, SQLiteStore):
        return store._db.execute(query, params).fetchall()
    with store._pool.connection() as db:  # type: ignore[attr-defined]
        cursor = db.execute(query.replace("?", "%s").encode(), params)
        return cursor.fetchall() if cursor.description else []

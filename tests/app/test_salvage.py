"""Reading what is left of a damaged store (app/salvage.py) through `open_store`: every path
to a session's rows is tried, the damaged file is copied aside as it was (journal and
all), and a fresh, healthy file takes its place. The server's start with such files is in
test_persistence.py."""

import random
import shutil
import sqlite3
import stat

from app.persistence import open_store
from app.store import Save, SQLiteStore
from tests.app.test_store import record, rows

PAGE = 4096


def filled(folder, count: int, close: bool = True) -> SQLiteStore:
    store = SQLiteStore(folder / "sessions.sqlite3")
    store.save_many({f"session-{n:02}": Save(record(n), rows(range(n + 1)), 0) for n in range(count)})
    if close:
        store.close()
    return store


def spoil(path, offset: int, length: int, seed: int = 0) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(random.Random(seed).randbytes(length))


def loaded(store) -> dict:
    return {sid: rec for sid, rec, problem in store.load_all() if problem is None}


def test_a_healthy_store_is_opened_as_it_is(tmp_path):
    filled(tmp_path, 3)
    store, salvage = open_store(tmp_path)
    assert salvage is None and len(loaded(store)) == 3
    assert not list(tmp_path.glob("*.damaged-*"))
    store.close()


def test_a_spoiled_index_costs_no_session(tmp_path):
    """The ids' index (page 3) is noise: each record is found by scanning the table."""
    filled(tmp_path, 30)
    database = tmp_path / "sessions.sqlite3"
    root = (
        sqlite3.connect(database)
        .execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_sessions_1'")
        .fetchone()[0]
    )
    spoil(database, (root - 1) * PAGE, PAGE)
    store, salvage = open_store(tmp_path)
    assert salvage.read == 30 and salvage.lost == {} and not salvage.whole
    got = loaded(store)
    assert len(got) == 30 and got["session-07"]["run"]["history"] == rows(range(8))
    assert store.damage() is None  # the fresh file is whole
    store.close()


def test_a_spoiled_history_page_costs_only_the_sessions_on_it(tmp_path):
    filled(tmp_path, 30)
    database = tmp_path / "sessions.sqlite3"
    db = sqlite3.connect(database)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    spoil(database, (pages - 2) * PAGE, PAGE)  # the last pages hold the last sessions' rows
    store, salvage = open_store(tmp_path)
    got = loaded(store)
    assert salvage.lost and set(salvage.lost).isdisjoint(got)
    assert len(got) + len(salvage.lost) == 30 and salvage.read == len(got)
    for sid in got:  # what came back is what was saved
        n = int(sid.split("-")[1])
        assert got[sid]["run"] == {"step": n, "history": rows(range(n + 1))}
    store.close()


def test_the_damaged_file_is_copied_aside_with_its_journal(tmp_path):
    """A server killed mid-class leaves its last save in the -wal file: the copy has it
    too, byte for byte, and for the server's user alone; and it is read into the new file."""
    running = tmp_path / "running"
    running.mkdir()
    filled(running, 5)
    store = SQLiteStore(running / "sessions.sqlite3")
    store.save_many({"session-02": Save(record(99), rows(range(3)), 0)})  # in the -wal only
    crashed = tmp_path / "crashed"
    shutil.copytree(running, crashed)  # as a crash leaves it
    store.close()
    database = crashed / "sessions.sqlite3"
    spoil(database, 0, 100)
    before = {suffix: (crashed / f"sessions.sqlite3{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")}
    assert len(before["-wal"]) > PAGE
    store, salvage = open_store(crashed)
    assert salvage.damage == "file is not a database"
    for suffix, content in before.items():
        kept = crashed / f"{salvage.kept_at.name}{suffix}"
        # (The -shm, SQLite's index of the -wal, is touched by the open that finds the damage.)
        assert suffix == "-shm" or kept.read_bytes() == content, suffix
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    got = loaded(store)
    assert salvage.read == 5 and len(got) == 5 and got["session-02"]["run"]["step"] == 99
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not (crashed / "sessions.sqlite3.new").exists() and not list(crashed.glob(".salvage-*"))
    store.close()


def test_a_file_past_reading_is_kept_and_replaced_by_an_empty_store(tmp_path):
    (tmp_path / "sessions.sqlite3").write_bytes(random.Random(1).randbytes(3 * PAGE))
    store, salvage = open_store(tmp_path)
    assert salvage.read == 0 and salvage.lost == {}
    assert loaded(store) == {} and store.damage() is None
    store.save_many({"new": Save(record(0), rows(range(1)), 0)})
    assert set(loaded(store)) == {"new"}
    store.close()


def test_a_cell_of_the_wrong_type_costs_only_its_session(tmp_path):
    """Among damaged pages, a record that is a number rather than a document is lost on its
    own (copied into the fresh file, it would fail every start again)."""
    filled(tmp_path, 10)
    database = tmp_path / "sessions.sqlite3"
    db = sqlite3.connect(database)
    db.execute("UPDATE sessions SET record = 12345 WHERE id = 'session-04'")
    db.commit()
    root = db.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_history_1'"
    ).fetchone()[0]
    db.close()
    spoil(database, (root - 1) * PAGE, PAGE)
    store, salvage = open_store(tmp_path)
    assert salvage.lost == {"session-04": "its rows are damaged"} and salvage.read == 9
    assert len(loaded(store)) == 9
    store.close()

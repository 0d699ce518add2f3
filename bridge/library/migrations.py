"""The library's schema as numbered migrations, run once each, in order.

`PRAGMA user_version` records how far a database has come, so an old library is upgraded
in place rather than dropped. Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: batches, jobs, takes; meta holds where the media root is now
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        client_key TEXT UNIQUE,
        takes INTEGER NOT NULL,
        request TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL REFERENCES batches(id),
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        request TEXT NOT NULL,
        take_id TEXT NOT NULL,
        error_code TEXT,
        error_message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_queue ON jobs(status, priority DESC, created_at, idx);
    CREATE INDEX jobs_batch ON jobs(batch_id, idx);
    CREATE TABLE takes (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL UNIQUE REFERENCES jobs(id),
        batch_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        seed INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        num_frames INTEGER NOT NULL,
        fps REAL NOT NULL,
        duration_s REAL NOT NULL,
        rating INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'new',
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        folder TEXT NOT NULL,
        stem TEXT NOT NULL,
        filmstrip TEXT NOT NULL,
        record TEXT NOT NULL,
        parent_take_id TEXT,
        test_model INTEGER NOT NULL DEFAULT 0,
        deleted_at REAL
    );
    CREATE INDEX takes_created ON takes(deleted_at, created_at, id);
    CREATE INDEX takes_batch ON takes(batch_id, created_at);
    CREATE INDEX takes_rating ON takes(deleted_at, rating, created_at, id);
    """,
    # 2: the engine's seams and the never-lose-a-take journal
    """
    ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
    ALTER TABLE jobs ADD COLUMN executor TEXT;
    ALTER TABLE jobs ADD COLUMN min_memory_gb REAL;
    ALTER TABLE jobs ADD COLUMN shot_id TEXT;
    ALTER TABLE jobs ADD COLUMN board_id TEXT;
    ALTER TABLE takes ADD COLUMN shot_id TEXT;
    ALTER TABLE takes ADD COLUMN board_id TEXT;
    CREATE INDEX takes_shot ON takes(shot_id, created_at);
    CREATE INDEX jobs_shot ON jobs(shot_id);
    CREATE TABLE attempt_files (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        attempt INTEGER NOT NULL,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt, path)
    );
    CREATE TABLE trash_moves (
        id INTEGER PRIMARY KEY,
        take_id TEXT NOT NULL REFERENCES takes(id),
        op TEXT NOT NULL,
        moves TEXT NOT NULL,
        started_at REAL NOT NULL
    );
    """,
    # 3 (boards): songs by content hash, boards and their ordered shots; which shot a take
    # was made for is the take's own shot_id (migration 2)
    """
    CREATE TABLE songs (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        filename TEXT NOT NULL,
        path TEXT NOT NULL,
        duration_s REAL NOT NULL,
        sample_rate INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        analysis TEXT NOT NULL
    );
    CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        song_id TEXT REFERENCES songs(id),
        settings TEXT NOT NULL,
        deleted_at REAL
    );
    CREATE INDEX boards_updated ON boards(deleted_at, updated_at);
    CREATE TABLE shots (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id),
        position INTEGER NOT NULL,
        selected_take_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        data TEXT NOT NULL,
        deleted_at REAL
    );
    CREATE INDEX shots_board ON shots(board_id, deleted_at, position);
    CREATE INDEX takes_board ON takes(board_id, shot_id);
    CREATE INDEX jobs_board ON jobs(board_id, status);
    """,
    # 4 (boards): chains of takes that cover a shot longer than one take, link by link
    """
    CREATE TABLE chains (
        id TEXT PRIMARY KEY,
        shot_id TEXT NOT NULL,
        board_id TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX chains_state ON chains(state);
    CREATE INDEX chains_shot ON chains(board_id, shot_id, created_at);
    """,
    # 5 (rel): when an editor last changed a take; its record carries the same stamp, and
    # at start-up the newer of the two wins (bridge.library.repair.reconcile). Take rows
    # start-up cannot read are moved aside whole (bridge.library.store.set_aside_unreadable)
    """
    ALTER TABLE takes ADD COLUMN updated_at REAL;
    CREATE TABLE takes_aside (
        id TEXT NOT NULL,
        set_aside_at REAL NOT NULL,
        reason TEXT NOT NULL,
        row TEXT NOT NULL
    );
    """,
]

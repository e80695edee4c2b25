"""Ctrl-C and SIGTERM never commit what they interrupt, on both backends.

Each test runs the operation in a child process (as a user would: the CLI, or a script using the
Python API without any progress reporting), waits until the operation holds its lock (so it is
surely under way), sends the signal at a random moment after that, and then checks:
  - the database is exactly as before or exactly as after, never in between;
  - the process said which (rolled back, or committed) and exited as interrupted;
  - it exited within 1 s of the signal.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path

import pytest

import carrierdb

SEED_LOCK = 72707370  # k_seed_lock_key
MIGRATION_LOCK = 72707369  # Prisma's key

# The random moments differ from run to run; a failure names the seed (CARRIERDB_INTERRUPT_SEED=...).
SEED = int(os.environ.get("CARRIERDB_INTERRUPT_SEED", str(int(time.time()))))
RNG = random.Random(SEED)


@contextlib.contextmanager
def ctrl_c(after: float | None):
    """Sends SIGINT to this process `after` seconds in (None: the block raises KeyboardInterrupt
    itself) and records what the block raised in `.raised` (Interrupted or a CarrierDBError).

    While it lasts, SIGINT's handler is one marked to stop carrierdb operations (as the CLI's
    SIGTERM handler is) that only records the signal: carrierdb must raise Interrupted by itself,
    and a signal the operation did not stop for cannot end the pytest session. The subprocess
    tests above use Python's default handler."""
    outcome = types.SimpleNamespace(raised=None, seconds=None, signalled=False)

    def handler(signum, frame):
        outcome.signalled = True

    handler.carrierdb_stops_operations = True
    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT)) if after is not None else None
    started = time.monotonic()
    if timer:
        timer.start()
    try:
        yield outcome
    except KeyboardInterrupt as stop:
        if not isinstance(stop, carrierdb.Interrupted):
            pytest.fail(f"a bare KeyboardInterrupt escaped instead of carrierdb.Interrupted: {stop!r}")
        outcome.raised = stop
    except carrierdb.CarrierDBError as error:
        outcome.raised = error
    finally:
        outcome.seconds = time.monotonic() - started
        if timer:
            timer.join()
        signal.signal(signal.SIGINT, previous)
    assert after is None or outcome.signalled


def write_big_seed(project: Path, rows: int) -> None:
    folder = project / "seeds" / "big"
    folder.mkdir()
    with (folder / "carriers.csv").open("w") as f:
        f.write("name,mcNumber,status\n")
        for k in range(rows):
            f.write(f"Carrier {k},MC{k + 1},ACTIVE\n")
    (folder / "manifest.json").write_text(
        json.dumps({"name": "big", "version": "1", "files": [{"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]}]})
    )


def lock_is_held(url: str, key: int) -> bool:
    """True while some process holds carrierdb's lock `key` (a seed or a migration is under way)."""
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):] + ".lock"
        if not os.path.exists(path):
            return False
        with open(path, "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False
    probe = carrierdb.connect(url, pool_size=1)
    try:
        held = probe.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1",
                           [key & 0xFFFFFFFF])
        return held[0]["n"] > 0
    finally:
        probe.close()


class Child:
    """A child process, optionally on a pseudo-terminal (then tqdm draws its bar)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, tty: bool):
        self.output = b""
        if tty:
            master, slave = pty.openpty()
            self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=slave, stdout=slave, stderr=slave)
            os.close(slave)
            self._reader = threading.Thread(target=self._drain, args=(master,), daemon=True)
        else:
            self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self._reader = threading.Thread(target=self._drain, args=(self.proc.stdout.fileno(),), daemon=True)
        self._reader.start()

    def _drain(self, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def signal_when(self, ready, delay: float, signum: int) -> float | None:
        """Waits until ready() (or the child's end), then `delay` seconds, then sends `signum`.
        Returns when the signal was sent, or None when the child had already ended."""
        deadline = time.monotonic() + 60
        while not ready() and self.proc.poll() is None:
            assert time.monotonic() < deadline, "the operation never started"
            time.sleep(0.01)
        time.sleep(delay)
        if self.proc.poll() is not None:
            return None
        sent = time.monotonic()
        self.proc.send_signal(signum)
        return sent

    def wait(self) -> tuple[int, str, float]:
        code = self.proc.wait(timeout=60)
        ended = time.monotonic()
        self._reader.join(timeout=5)
        return code, self.output.decode("utf-8", "replace"), ended


def env_for(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DIRECT_URL")}
    env["CARRIERDB_PROJECT_DIR"] = str(project)
    return env


def carriers(db) -> list[tuple]:
    return [tuple(r.values()) for r in db.query("SELECT id, name, mc_number, status FROM carriers ORDER BY id")]


def seed_runs(db) -> list[str]:
    return [r["seed_set"] for r in db.seeds.status()]


def check_outcome(code: int, output: str, sent: float | None, ended: float, signum: int, state_is_after: bool) -> str:
    """The rules every trial must obey. Returns "before" or "after" for the tally."""
    output = f"(CARRIERDB_INTERRUPT_SEED={SEED})\n{output}"
    assert "Traceback" not in output, output
    if sent is None:  # the signal came too late to be sent: the command simply finished
        assert code == 0, output
        assert state_is_after, output
        return "after"
    assert ended - sent < 1.0, f"exited {ended - sent:.2f} s after the signal\n{output}"
    if state_is_after:
        # Committed before the signal: the report says so, and the exit is still "interrupted".
        assert code in (0, 128 + signum), output
        if code != 0:
            assert "had been committed when the interrupt arrived" in output, output
        return "after"
    assert code == 128 + signum, output
    assert "rolled back" in output, output
    return "before"


@pytest.mark.parametrize("tty", [False, True], ids=["no_tty", "tty"])
def test_interrupting_the_seed_command_commits_nothing(carrierdb_url, project, tty):
    write_big_seed(project, 300_000)
    db = carrierdb.connect(carrierdb_url, env="development")
    db.migrations(project / "migrations").deploy()
    db.seeds.apply("testing", directory=project / "seeds")
    before, runs_before = carriers(db), seed_runs(db)
    db.close()
    env = env_for(project)
    tally = []
    for trial in range(3):
        signum = signal.SIGINT if trial != 1 else signal.SIGTERM
        child = Child([sys.executable, "-m", "carrierdb.cli", "seed", "--env", "big", "--url", carrierdb_url],
                      env, project, tty)
        sent = child.signal_when(lambda: lock_is_held(carrierdb_url, SEED_LOCK), RNG.uniform(0.0, 0.6), signum)
        code, output, ended = child.wait()
        db = carrierdb.connect(carrierdb_url, env="development")
        now, runs = carriers(db), seed_runs(db)
        after = now != before
        if after:  # the whole seed, recorded
            assert len(now) == len(before) + 300_000 and runs == runs_before + ["big"], output
            # Back to the state before, so that the next trial can seed again.
            db.execute("DELETE FROM carriers WHERE name LIKE 'Carrier %'")
            db.execute("DELETE FROM _carrierdb_seeds WHERE seed_set = 'big'")
            assert carriers(db) == before
        else:
            assert runs == runs_before, output
        db.close()
        tally.append(check_outcome(code, output, sent, ended, signum, after))
    assert "before" in tally, f"no trial interrupted the seed while it ran: {tally} (CARRIERDB_INTERRUPT_SEED={SEED})"


def test_interrupting_seed_records_of_a_dataframe_commits_nothing(carrierdb_url, project):
    db = carrierdb.connect(carrierdb_url, env="development")
    db.migrations(project / "migrations").deploy()
    before = carriers(db)
    db.close()
    script = textwrap.dedent(
        """
        import json, sys
        import pandas as pd
        import carrierdb
        db = carrierdb.connect(sys.argv[1], env="development")
        n = 300_000
        frame = pd.DataFrame({"name": [f"Carrier {k}" for k in range(n)], "mcNumber": [f"MC{k + 1}" for k in range(n)],
                              "status": ["ACTIVE"] * n})
        print("READY", flush=True)
        try:
            report = db.seeds.records("Carrier", frame)
        except carrierdb.Interrupted as stop:
            print(json.dumps({"committed": stop.committed, "message": stop.message, "result": str(stop.result)}), flush=True)
            sys.exit(130)
        print(json.dumps({"inserted": report.inserted}), flush=True)
        """
    )
    tally = []
    for trial in range(3):
        child = Child([sys.executable, "-c", script, carrierdb_url], env_for(project), project, tty=False)
        sent = child.signal_when(lambda: lock_is_held(carrierdb_url, SEED_LOCK), RNG.uniform(0.0, 0.25), signal.SIGINT)
        code, output, ended = child.wait()
        db = carrierdb.connect(carrierdb_url, env="development")
        now = carriers(db)
        after = now != before
        said = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert said, output
        if sent is not None:
            assert ended - sent < 1.0, f"exited {ended - sent:.2f} s after the signal\n{output}"
        if "inserted" in said[0]:
            # seed_records returned: the seed is complete (a Ctrl-C after that is the script's affair).
            assert after and said[0]["inserted"] == 300_000, output
        else:
            assert code == 130, output
            assert said[0]["committed"] is after, output
            if not after:
                assert "rolled back" in said[0]["message"], output
        if after:
            assert len(now) == 300_000, output
            db.execute("DELETE FROM carriers")
            db.execute("DELETE FROM _carrierdb_seeds")
        db.close()
        tally.append("after" if after else "before")
    assert "before" in tally, f"no trial interrupted the load while it ran: {tally} (CARRIERDB_INTERRUPT_SEED={SEED})"


def long_statement(backend: str) -> str:
    """A statement that runs for seconds on its own, without a round trip to check in between."""
    if backend == "postgresql":
        return "SELECT pg_sleep(20)"
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) FROM c"


def add_migrations(project: Path, backend: str) -> tuple[str, str]:
    quick, slow = "20300101000000_quick_one", "20300101000001_long_one"
    for name, body in ((quick, "CREATE TABLE quick_one (id INTEGER PRIMARY KEY);\n"),
                       (slow, "CREATE TABLE long_one (id INTEGER PRIMARY KEY);\n" + long_statement(backend) + ";\n"
                              "INSERT INTO long_one (id) VALUES (1);\n")):
        folder = project / "migrations" / name
        folder.mkdir()
        (folder / "migration.sql").write_text(body)
        (folder / f"migration.{backend}.sql").write_text(body)
    return quick, slow


def applied(url: str, project: Path, name: str) -> bool:
    """True once migration `name` is recorded as applied (read from another connection)."""
    with carrierdb.connect(url, create=False) as db:
        try:
            return name in db.migrations(project / "migrations").status().applied
        except carrierdb.CarrierDBError:
            return False  # the history table does not exist yet


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupting_a_long_deploy_rolls_back_the_running_migration(carrierdb_url, carrierdb_backend, project, signum):
    db = carrierdb.connect(carrierdb_url, env="development")
    db.migrations(project / "migrations").deploy()
    applied_before = db.migrations(project / "migrations").status().applied
    db.close()
    quick, slow = add_migrations(project, carrierdb_backend)
    child = Child([sys.executable, "-m", "carrierdb.cli", "migrate", "deploy", "--url", carrierdb_url], env_for(project), project,
                  tty=False)
    sent = child.signal_when(lambda: applied(carrierdb_url, project, quick), RNG.uniform(0.1, 0.5), signum)
    code, output, ended = child.wait()
    assert sent is not None, output
    assert ended - sent < 1.0, f"exited {ended - sent:.2f} s after the signal\n{output}"
    assert code == 128 + signum, output
    db = carrierdb.connect(carrierdb_url, env="development")
    status = db.migrations(project / "migrations").status()
    # The quick migration committed before the signal; the long one was rolled back and not recorded.
    assert status.applied == applied_before + [quick], output
    assert status.by_state("pending") == [slow] and not status.by_state("failed"), output
    assert "long_one" not in db.table_names() and "quick_one" in db.table_names()
    assert f"{slow}: its changes were rolled back and it is not recorded" in output, output
    assert f"1 migration(s) ({quick}) had been applied and recorded before the stop" in output, output
    # Nothing is left holding the lock: the next deploy applies it (here: after removing the sleep).
    (project / "migrations" / slow / f"migration.{carrierdb_backend}.sql").write_text("CREATE TABLE long_one (id INTEGER PRIMARY KEY);\n")
    (project / "migrations" / slow / "migration.sql").write_text("CREATE TABLE long_one (id INTEGER PRIMARY KEY);\n")
    report = db.migrations(project / "migrations", lock_timeout=2).deploy()
    assert report.names == [slow]
    db.close()


def test_interrupting_deploy_in_python_raises_interrupted_and_keeps_nothing(carrierdb_url, carrierdb_backend, project):
    db = carrierdb.connect(carrierdb_url, env="development")
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    quick, slow = add_migrations(project, carrierdb_backend)
    before = db.schema_snapshot()
    with ctrl_c(after=0.5) as outcome:
        migrations.deploy()  # no progress callback: nothing else checks for Ctrl-C
    stop = outcome.raised
    assert isinstance(stop, carrierdb.Interrupted), stop
    assert outcome.seconds < 1.5
    assert stop.committed is True  # the quick migration was committed before the stop
    assert quick in stop.message and slow in stop.message
    assert isinstance(stop, KeyboardInterrupt) and not isinstance(stop, Exception)
    status = migrations.status()
    assert quick in status.applied and status.by_state("pending") == [slow]
    assert "long_one" not in db.table_names()
    assert db.schema_snapshot() != before  # quick_one exists: exactly what was reported
    db.close()


@pytest.mark.postgres_only
def test_an_interrupt_during_commit_reports_the_committed_seed(carrierdb_url, carrierdb_backend, project):
    """COMMIT runs to its end once sent, so its outcome is known: a stop that arrives meanwhile is
    reported after the fact, with the report. PostgreSQL only: a deferred constraint trigger is the
    way to make COMMIT itself take time; the mechanism is the same for SQLite."""
    write_big_seed(project, 20_000)
    db = carrierdb.connect(carrierdb_url, env="development")
    db.migrations(project / "migrations").deploy()
    db.seeds.apply("testing", directory=project / "seeds")  # creates the seed history, where the slow trigger goes
    before = len(carriers(db))
    db.execute_script(
        """
        CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON _carrierdb_seeds DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION slow_commit();
        """
    )

    def committing() -> bool:
        rows = db.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query = 'COMMIT'")
        return rows[0]["n"] > 0

    child = Child([sys.executable, "-m", "carrierdb.cli", "seed", "--env", "big", "--url", carrierdb_url], env_for(project), project,
                  tty=False)
    sent = child.signal_when(committing, 0.2, signal.SIGINT)
    code, output, ended = child.wait()
    assert sent is not None, output
    assert code == 130, output
    assert "20000 inserted" in output, output
    assert output.index("20000 inserted") < output.index("interrupted (SIGINT)"), output  # the report comes first
    assert "the seed had been committed when the interrupt arrived" in output, output
    assert len(carriers(db)) == before + 20_000 and seed_runs(db) == ["testing", "big"]
    db.close()


def test_ctrl_c_cancels_a_long_query_and_the_database_stays_usable(carrierdb_url, carrierdb_backend):
    db = carrierdb.connect(carrierdb_url)
    with ctrl_c(after=0.3) as outcome:
        db.query(long_statement(carrierdb_backend))
    assert isinstance(outcome.raised, carrierdb.Interrupted), outcome.raised
    assert outcome.seconds < 1.3
    assert outcome.raised.committed is False
    assert db.query("SELECT 1 AS one") == [{"one": 1}]  # the pooled connection was left clean
    db.close()


def test_a_wakeup_descriptor_set_before_still_receives_the_signal(carrierdb_url, carrierdb_backend):
    """asyncio (and anything else using signal.set_wakeup_fd) keeps working around carrierdb calls."""
    import socket

    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    previous = signal.set_wakeup_fd(ours.fileno())
    try:
        db = carrierdb.connect(carrierdb_url)
        with ctrl_c(after=0.2) as outcome:
            db.query(long_statement(carrierdb_backend))
        assert isinstance(outcome.raised, carrierdb.Interrupted), outcome.raised
        assert signal.set_wakeup_fd(-1) == ours.fileno()  # restored after the call
        theirs.settimeout(5)
        assert theirs.recv(16) == bytes([signal.SIGINT])
        db.close()
    finally:
        signal.set_wakeup_fd(previous)
        ours.close()
        theirs.close()


def long_insert(backend: str) -> str:
    """A write that runs for many seconds on its own."""
    if backend == "postgresql":
        return "INSERT INTO t (id) SELECT 2 FROM pg_sleep(20)"
    return ("INSERT INTO t (id) SELECT x + 1 FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 500000000) SELECT x FROM c)")


@pytest.mark.parametrize("nested", [False, True], ids=["block", "nested_block"])
def test_ctrl_c_in_a_transaction_block_rolls_the_block_back_and_raises_interrupted(carrierdb_url, carrierdb_backend, nested):
    """SQLite rolls back the whole transaction when a write in it is interrupted; the blocks then
    end rolled back and Interrupted comes out of them, not an error about a missing savepoint."""
    db = carrierdb.connect(carrierdb_url)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with ctrl_c(after=0.3) as outcome:
        with db.transaction():
            db.execute("INSERT INTO t (id) VALUES (1)")
            if nested:
                with db.transaction():
                    db.execute(long_insert(carrierdb_backend))
            else:
                db.execute(long_insert(carrierdb_backend))
    assert isinstance(outcome.raised, carrierdb.Interrupted), outcome.raised
    assert not db.in_transaction
    assert db.query("SELECT count(*) AS n FROM t") == [{"n": 0}]
    db.close()


def test_statements_after_a_caught_interrupt_never_commit_on_their_own(carrierdb_url, carrierdb_backend):
    db = carrierdb.connect(carrierdb_url)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    interrupted = False
    with ctrl_c(after=0.3) as outcome:
        with db.transaction():
            db.execute("INSERT INTO t (id) VALUES (1)")
            try:
                db.execute(long_insert(carrierdb_backend))
            except carrierdb.Interrupted:
                interrupted = True  # caught, and the block goes on: its next statement must not run outside it
            db.execute("INSERT INTO t (id) VALUES (3)")
    assert interrupted and isinstance(outcome.raised, carrierdb.CarrierDBError), outcome.raised
    assert not db.in_transaction
    assert db.query("SELECT count(*) AS n FROM t") == [{"n": 0}]
    db.close()


@contextlib.contextmanager
def another_session_holding(url: str, statement: str):
    """Another session runs ``statement`` in a transaction it keeps open for the block, holding its locks."""
    other = carrierdb.connect(url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.transaction():
            other.execute(statement)
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()
        other.close()


def test_ctrl_c_while_waiting_for_another_writer_stops_at_once(carrierdb_url, carrierdb_backend):
    db = carrierdb.connect(carrierdb_url, busy_timeout=20)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute("INSERT INTO t VALUES (1, 0)")
    with another_session_holding(carrierdb_url, "UPDATE t SET n = 1 WHERE id = 1"):
        with ctrl_c(after=0.3) as outcome:
            db.execute("UPDATE t SET n = 2 WHERE id = 1")  # waits for the other writer
        assert isinstance(outcome.raised, carrierdb.Interrupted), outcome.raised
        assert outcome.seconds < 1.3
    assert db.query("SELECT n FROM t") == [{"n": 1}]
    db.close()


def test_ctrl_c_raised_in_a_progress_callback_stops_between_migrations(carrierdb_url, carrierdb_backend, project):
    db = carrierdb.connect(carrierdb_url, env="development")
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    for name in ("20300101000000_first", "20300101000001_second"):
        folder = project / "migrations" / name
        folder.mkdir()
        (folder / f"migration.{carrierdb_backend}.sql").write_text(f"CREATE TABLE {name[15:]} (id INTEGER);\n")
        (folder / "migration.sql").write_text(f"CREATE TABLE {name[15:]} (id INTEGER);\n")

    def progress(index, total, name, finished, seconds):
        if finished:  # e.g. Ctrl-C while tqdm redraws
            raise KeyboardInterrupt

    with ctrl_c(after=None) as outcome:
        migrations.deploy(progress=progress)
    stop = outcome.raised
    assert isinstance(stop, carrierdb.Interrupted), stop
    assert stop.committed is True
    assert "20300101000000_first" in stop.message and "between migrations" in stop.message
    status = migrations.status()
    assert "20300101000000_first" in status.applied and status.by_state("pending") == ["20300101000001_second"]
    db.close()


@pytest.mark.postgres_only  # a SQLite reader never waits (WAL): only PostgreSQL's count can be held up
def test_ctrl_c_stops_a_data_loss_count_waiting_on_a_lock(carrierdb_url):
    """migrate dev counts rows in the development database before it writes anything: a count held
    up by another session's lock stops at Ctrl-C, not when the lock goes."""
    from carrierdb import _core

    db = carrierdb.connect(carrierdb_url)
    db.execute('CREATE TABLE "Depot" (id INTEGER PRIMARY KEY, name TEXT)')
    before = _core.Schema.parse('datasource db {\n  provider = "postgresql"\n  url = env("X")\n}\n'
                                "model Depot {\n  id   Int @id\n  name String?\n}\n", "schema.prisma")
    with another_session_holding(carrierdb_url, 'LOCK TABLE "Depot" IN ACCESS EXCLUSIVE MODE'):
        with ctrl_c(after=0.3) as outcome:
            _core.find_data_loss(db._db, before, None)  # dropping Depot: counts its rows, waits for the lock
        assert isinstance(outcome.raised, carrierdb.Interrupted), outcome.raised
        assert outcome.seconds < 1.3
        assert outcome.raised.committed is False
    assert db.query('SELECT count(*) AS n FROM "Depot"') == [{"n": 0}]  # the connection is usable again
    db.close()

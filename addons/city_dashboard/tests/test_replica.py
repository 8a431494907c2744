# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The cockpit reads from a streaming replica, and the primary only takes writes.

Two throwaway PostgreSQL clusters on spare ports of 127.0.0.1: a primary holding a copy
of this test database (committed data: the suite with its demo district), and a
streaming replica made with ``pg_basebackup -R``. An Odoo server (a process of its own,
not an HttpCase) is started on the primary with ``db_replica_host``/``db_replica_port``
pointing at the replica; the demo operator opens the cockpit's data and its XLSX export.
``pg_stat_statements`` on each cluster then shows the cockpit's queries (on its rollup
tables) on the replica and none on the primary.

Robust on a busy machine shared with other test runs: a port taken between its choice
and its bind is replaced by another (both clusters and the server); the test waits, with
deadlines, for the replica to have replayed the primary's WAL and for the server to have
bound its own port and loaded its registry before the first request; the clusters and
server of an earlier run whose test process died are stopped first.
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

PG_BIN = Path(f"/usr/lib/postgresql/{os.environ.get('CITY_PG_VERSION', '15')}/bin")
ROLLUP_QUERY = "%city_dashboard_slot%"
PREFIX = "city_replica_"
# Seconds: the server loads the whole suite's registry, on a machine shared with other runs.
START_TIMEOUT = 600
ATTEMPTS = 3


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for(predicate, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


@tagged("post_install", "-at_install")
class TestCockpitOnReplica(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = get_db_name()
        # initdb and the server refuse root: the clusters belong to the postgres system user then.
        cls.owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        cls._clean_stale_runs()
        cls.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        (cls.root / "test.pid").write_text(str(os.getpid()))
        os.chown(cls.root, pwd.getpwnam(cls.owner).pw_uid, -1)
        cls.ports = {"primary": _free_port(), "replica": _free_port()}

    @classmethod
    def _clean_stale_runs(cls):
        """Stop the clusters and server left by an earlier run whose test process is gone."""
        for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
            try:
                owner_pid = int((root / "test.pid").read_text())
            except (OSError, ValueError):
                continue
            if _alive(owner_pid):
                continue  # another run, in progress
            if (root / "odoo.pid").exists() and _alive(server_pid := int((root / "odoo.pid").read_text())):
                os.kill(server_pid, signal.SIGKILL)
            for name in ("replica", "primary"):
                if (root / name / "postmaster.pid").exists():
                    cls._as_owner(PG_BIN / "pg_ctl", "-D", root / name, "-m", "immediate", "-w", "stop", check=False)
            shutil.rmtree(root, True)

    @classmethod
    def _as_owner(cls, *command, check=True, **kwargs):
        prefix = ["runuser", "-u", cls.owner, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *map(str, command)], check=check, capture_output=True, text=True, **kwargs)

    def _pg_ctl(self, name):
        """Start a cluster; a port taken meanwhile by another process is replaced by a free one."""
        directory, log = self.root / name, self.root / f"{name}.log"
        for attempt in range(ATTEMPTS):
            options = (
                f"-c port={self.ports[name]} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
                " -c shared_preload_libraries=pg_stat_statements -c fsync=off -c max_connections=40"
            )
            log.unlink(missing_ok=True)
            started = self._as_owner(
                PG_BIN / "pg_ctl",
                "-D",
                directory,
                "-o",
                options,
                "-l",
                log,
                "-w",
                "-t",
                START_TIMEOUT,
                "start",
                check=False,
            )
            if started.returncode == 0:
                break
            text = log.read_text() if log.exists() else started.stderr
            if attempt == ATTEMPTS - 1 or "could not bind" not in text:
                self.fail(f"the {name} cluster did not start: {started.stderr}\n{text[-2000:]}")
            self.ports[name] = _free_port()
        self.addCleanup(self._as_owner, PG_BIN / "pg_ctl", "-D", directory, "-m", "immediate", "-w", "stop")

    def _wait_replayed(self):
        """Wait until the replica has replayed every WAL record the primary has written so far."""
        target = self._psql("primary", "SELECT pg_current_wal_lsn()")
        _wait_for(
            lambda: self._psql("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t",
            "the replica to replay the primary's WAL",
        )

    def _psql(self, name, sql, database="postgres", user="postgres"):
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.ports[name]), "-U", user, "-d", database, "-Atqc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def _build_clusters(self, database):
        self._as_owner(
            PG_BIN / "initdb",
            "-D",
            self.root / "primary",
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._pg_ctl("primary")
        me = pwd.getpwuid(os.geteuid()).pw_name
        if me != "postgres":
            self._psql("primary", f'CREATE ROLE "{me}" SUPERUSER LOGIN')
        self._psql("primary", f'CREATE DATABASE "{database}" OWNER "{me}"')
        dump = subprocess.Popen(["pg_dump", "--no-owner", "-d", self.dbname], stdout=subprocess.PIPE)
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports["primary"]),
                "-U",
                me,
                "-d",
                database,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-o",
                "/dev/null",
            ],
            stdin=dump.stdout,
            check=True,
            capture_output=True,
        )
        self.assertEqual(dump.wait(), 0, "pg_dump of the test database")
        self._psql("primary", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database, me)
        self._as_owner(
            PG_BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            self.ports["primary"],
            "-U",
            "postgres",
            "-D",
            self.root / "replica",
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "--checkpoint=fast",
        )
        self._pg_ctl("replica")
        self.assertEqual(self._psql("replica", "SELECT pg_is_in_recovery()"), "t")
        self._wait_replayed()
        return me

    def _start_odoo(self, database, user):
        """Start the server; return its URL once it has bound its own port and loaded its registry."""
        for attempt in range(ATTEMPTS):
            port = _free_port()
            log = self.root / f"odoo-{attempt}.log"
            server = subprocess.Popen(self._odoo_command(database, user, port, log))
            (self.root / "odoo.pid").write_text(str(server.pid))
            self.addCleanup(self._stop, server)
            # Logged with the host's name ("localhost"), not the address.
            self._wait_log(server, log, rf"HTTP service \(werkzeug\) running on \S+:{port}\b", "the server's port")
            if server.poll() is None:
                break
            if attempt == ATTEMPTS - 1 or "Address already in use" not in self._text(log):
                self.fail(f"the Odoo server did not start: {self._text(log)[-2000:]}")
        self._wait_log(server, log, "Registry loaded", "the server's registry")
        self.assertIsNone(server.poll(), f"the Odoo server stopped: {self._text(log)[-2000:]}")
        url = f"http://127.0.0.1:{port}"
        self.assertEqual(requests.get(f"{url}/web/login", timeout=120).status_code, 200)
        return url

    def _odoo_command(self, database, user, port, log):
        odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        return [
            sys.executable,
            str(odoo_bin),
            "--addons-path",
            config["addons_path"],
            "--data-dir",
            config["data_dir"],
            "-d",
            database,
            "--db-filter",
            f"^{database}$",
            "--db_host",
            "127.0.0.1",
            "--db_port",
            str(self.ports["primary"]),
            "--db_user",
            user,
            "--db_replica_host",
            "127.0.0.1",
            "--db_replica_port",
            str(self.ports["replica"]),
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
            # The two lines the test waits for: the port bound, the registry loaded.
            "--log-handler",
            "odoo.service.server:INFO",
            "--log-handler",
            "odoo.modules.registry:INFO",
            "--logfile",
            str(log),
        ]

    def _wait_log(self, server, log, pattern, what):
        """Wait until the server's log matches ``pattern`` (or the server has stopped)."""
        _wait_for(lambda: server.poll() is not None or re.search(pattern, self._text(log)), what)

    @staticmethod
    def _text(path):
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def _stop(server):
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    def _count(self, name, database, user):
        return int(
            self._psql(
                name,
                f"SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements WHERE query ILIKE '{ROLLUP_QUERY}'",
                database,
                user,
            )
        )

    def test_cockpit_queries_run_on_the_replica(self):
        database = "city_replica_test"
        user = self._build_clusters(database)
        url = self._start_odoo(database, user)
        for name in ("primary", "replica"):
            self._psql(name, "SELECT pg_stat_statements_reset()", database, user)
        http = requests.Session()
        login = http.post(
            f"{url}/web/session/authenticate",
            timeout=60,
            json={"jsonrpc": "2.0", "params": {"db": database, "login": "operator", "password": "operator"}},
        )
        self.assertTrue(login.json().get("result", {}).get("uid"), login.text[:300])
        self._wait_replayed()
        answer = http.post(
            f"{url}/web/dataset/call_kw/city.dashboard/get_cockpit_data",
            timeout=60,
            json={
                "jsonrpc": "2.0",
                "params": {"model": "city.dashboard", "method": "get_cockpit_data", "args": [{}], "kwargs": {}},
            },
        )
        data = answer.json().get("result")
        self.assertTrue(data and data["kpis"], answer.text[:500])
        self.assertGreater(data["heatmap"]["max"], 0, "the demo district's weeks are on the heat map")
        export = http.get(f"{url}/city/dashboard/xlsx", timeout=60)
        self.assertEqual(export.status_code, 200)
        self.assertGreater(self._count("replica", database, user), 0, "the cockpit read the replica")
        self.assertEqual(self._count("primary", database, user), 0, "the primary saw none of the cockpit's reads")

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
"""

import os
import pwd
import shutil
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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestCockpitOnReplica(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = get_db_name()
        cls.root = Path(tempfile.mkdtemp(prefix="city_replica_"))
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        # initdb and the server refuse root: the clusters belong to the postgres system user then.
        cls.owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        os.chown(cls.root, pwd.getpwnam(cls.owner).pw_uid, -1)
        cls.ports = {"primary": _free_port(), "replica": _free_port()}

    def _as_owner(self, *command, **kwargs):
        prefix = ["runuser", "-u", self.owner, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, text=True, **kwargs)

    def _pg_ctl(self, name, action="start"):
        directory = self.root / name
        options = (
            f"-c port={self.ports[name]} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c shared_preload_libraries=pg_stat_statements -c fsync=off -c max_connections=40"
        )
        self._as_owner(PG_BIN / "pg_ctl", "-D", directory, "-o", options, "-l", self.root / f"{name}.log", "-w", action)
        if action == "start":
            self.addCleanup(self._as_owner, PG_BIN / "pg_ctl", "-D", directory, "-m", "immediate", "-w", "stop")

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
        return me

    def _start_odoo(self, database, user):
        port = _free_port()
        odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        command = [
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
            "--logfile",
            str(self.root / "odoo.log"),
        ]
        server = subprocess.Popen(command)
        self.addCleanup(server.wait, 30)
        self.addCleanup(server.terminate)
        url = f"http://127.0.0.1:{port}"
        for _attempt in range(600):
            try:
                if requests.get(f"{url}/web/login", timeout=5).status_code == 200:
                    return url
            except requests.ConnectionError:
                time.sleep(0.2)
        self.fail(f"the Odoo server did not start: {(self.root / 'odoo.log').read_text()[-2000:]}")

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

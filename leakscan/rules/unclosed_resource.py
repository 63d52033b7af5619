"""LK402 unclosed-resource."""

from __future__ import annotations

from leakscan.analyses.resources import RESOURCE_OPENERS
from leakscan.rule import Invalid, Valid
from leakscan.rules._resource_rule import ResourceRule


class UnclosedResource(ResourceRule):
    """
    ## What it does
    Flags sockets, `subprocess.Popen`, `sqlite3.connect`, `zipfile.ZipFile`,
    `tarfile.open`, `urllib.request.urlopen`, `tempfile.NamedTemporaryFile` and their
    kin whose object is not managed: not in a `with` block, not closed (or waited for) in
    a `finally`, not returned to the caller and not owned by an object that closes it.

    ## Why is this bad?
    Each of these holds an operating-system resource: a socket or file descriptor, a
    child process and its pipes, a database handle, a temporary file on disk. Left to the
    garbage collector they linger (sockets in CLOSE_WAIT, zombie processes, locked
    databases), and a long-running process eventually runs out of descriptors.

    A `Popen` started without pipes holds no descriptor of ours, but a child nobody
    waits for stays a zombie after it exits (Python warns "subprocess is still running"
    when its object is collected). It is reported at medium confidence, and at low
    confidence when it is detached on purpose (`start_new_session=True`, `setsid`),
    waited for outside a `finally`, or started only on Windows (`if sys.platform ==
    "win32":`), which has no zombies; `os.waitpid(proc.pid, 0)` counts as waiting.

    `proc.communicate(timeout=...)` does not kill the child when the timeout expires:
    unless an `except TimeoutExpired:` kills it and waits for it, the child runs on (or
    stays a zombie) with its pipes open (the subprocess documentation says to kill it and
    finish communicating).

    `with sqlite3.connect(path) as conn:` does not close the connection: the
    connection's context manager only commits or rolls back (wrap it in
    `contextlib.closing`). HTTP client sessions (`aiohttp.ClientSession`,
    `httpx.Client`) count too, and so do database connections (`psycopg2`, `psycopg`,
    `pymysql`, `MySQLdb`, `mysql.connector`, `pyodbc`, `asyncpg`), `paramiko.SSHClient`,
    the writer of `asyncio.open_connection()` and an LDAP connection (`ldap.initialize`,
    closed by `unbind_s()`). A `close()` or `quit()` outside `finally` leaks when
    the work before it fails; for a network connection that work is its own calls
    (`smtp.login()`), which fail often: medium confidence.

    ## Example
    ```python
    def fetch(url):
        return urllib.request.urlopen(url).read()
    ```

    ## Use instead
    ```python
    def fetch(url):
        with urllib.request.urlopen(url) as response:
            return response.read()
    ```

    ## References
    - [`contextlib.closing`](https://docs.python.org/3/library/contextlib.html#contextlib.closing)
    """

    id = "LK402"
    name = "unclosed-resource"
    openers = RESOURCE_OPENERS
    advice = "create it in a `with` block (contextlib.closing() where needed)"
    message = "resource is created outside `with` and never closed"

    VALID = [
        Valid(
            """
            import subprocess
            import sys

            def launch(cmdline):
                if sys.platform[:3] == "win":
                    proc = subprocess.Popen(cmdline)  # Windows reaps exited children
                else:
                    proc = subprocess.Popen(cmdline, start_new_session=True)
                return proc.poll() is None
            """
        ),
        Valid(
            """
            import socket
            import subprocess

            def ping(host):
                with socket.create_connection((host, 80), timeout=2) as conn:
                    conn.sendall(b"HEAD / HTTP/1.0\\r\\n\\r\\n")

            def run(args):
                proc = subprocess.Popen(args)
                try:
                    return proc.wait(timeout=30)
                finally:
                    proc.kill()
            """
        ),
        Valid(
            """
            import sqlite3
            from contextlib import closing

            def projects(path):
                with closing(sqlite3.connect(path)) as conn:
                    return [row[0] for row in conn.execute("SELECT name FROM projects")]
            """
        ),
        Valid(
            """
            import os
            import signal
            import sqlite3
            import subprocess

            def projects(path):
                with sqlite3.connect(path) as conn:
                    rows = conn.execute("SELECT name FROM projects").fetchall()
                conn.close()
                return rows

            def run(cmd, timeout):
                proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE)
                try:
                    return proc.communicate(timeout=timeout)[0]
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.communicate()
                    raise
            """
        ),
        Valid(
            """
            import ldap

            def authenticate(uri, dn, password):
                conn = ldap.initialize(uri)
                try:
                    conn.simple_bind_s(dn, password)
                finally:
                    conn.unbind_s()
            """
        ),
        Valid(
            """
            import subprocess
            from subprocess import PIPE

            def render_pdf(html):
                proc = subprocess.Popen(["wkhtmltopdf", "-", "-"], stdin=PIPE, stdout=PIPE)
                try:
                    out, _ = proc.communicate(html, timeout=120)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
                    raise
                return out
            """
        ),
        Valid(
            """
            import asyncio

            async def ping(host, port):
                reader, writer = await asyncio.open_connection(host, port)
                try:
                    writer.write(b"PING\\r\\n")
                    await writer.drain()
                    return await reader.readline()
                finally:
                    writer.close()
                    await writer.wait_closed()
            """
        ),
        Valid(
            """
            import imaplib

            def unread(host, user, password):
                imap = imaplib.IMAP4_SSL(host)
                try:
                    imap.login(user, password)
                    return imap.select("INBOX")
                finally:
                    imap.logout()  # closes the connection
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import urllib.request

            def fetch(url):
                return urllib.request.urlopen(url).read()
            """,
            line=4,
            fixed="""
            import urllib.request

            def fetch(url):
                with urllib.request.urlopen(url) as handle:
                    return handle.read()
            """,
        ),
        Invalid(
            """
            import sqlite3

            def count(path):
                conn = sqlite3.connect(path)
                return conn.execute("select count(*) from t").fetchone()[0]
            """,
            line=4,
        ),
        Invalid(
            """
            import sqlite3

            def projects(path):
                with sqlite3.connect(path) as conn:  # commits on exit; never closes
                    return [row[0] for row in conn.execute("SELECT name FROM projects")]
            """,
            line=4,
        ),
        Invalid(
            """
            import aiohttp

            async def fetch(url):
                session = aiohttp.ClientSession()
                async with session.get(url) as resp:
                    return await resp.text()
            """,
            line=4,
        ),
        Invalid(
            """
            import smtplib

            def send_one(msg):
                smtp = smtplib.SMTP("mail.example.com", 587, timeout=10)
                smtp.starttls()
                smtp.send_message(msg)  # a refused message skips the quit
                smtp.quit()
            """,
            line=4,
        ),
        Invalid(
            """
            import subprocess

            def run_shell(cmd, timeout):
                proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE)
                try:
                    out, _ = proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    raise RuntimeError("timed out")  # the child keeps running
                return out
            """,
            line=4,
        ),
        Invalid(
            """
            import imaplib

            def fetch_parts(conn, uid):
                return conn.uid("fetch", uid, "(RFC822)")[1][0][1]  # uses it, keeps nothing

            def poll_once(host, user, password):
                conn = imaplib.IMAP4_SSL(host, timeout=30)
                conn.login(user, password)
                typ, data = conn.uid("search", None, "UNSEEN")
                raws = [fetch_parts(conn, uid) for uid in data[0].split()]
                conn.logout()  # skipped when a fetch fails
                return raws
            """,
            line=7,
        ),
        Invalid(
            """
            import ldap

            def authenticate(uri, dn, password):
                conn = ldap.initialize(uri)
                conn.simple_bind_s(dn, password)  # raises on a bad password
                conn.unbind_s()
            """,
            line=4,
        ),
        Invalid(
            """
            import subprocess
            from subprocess import PIPE

            def render_pdf(html):
                proc = subprocess.Popen(["wkhtmltopdf", "-", "-"], stdin=PIPE, stdout=PIPE)
                out, _ = proc.communicate(html, timeout=120)  # TimeoutExpired: the child runs on
                return out
            """,
            line=5,
        ),
        Invalid(
            """
            import psycopg2

            def copy_batch(dsn, rows):
                conn = psycopg2.connect(dsn)  # one connection per batch, never closed
                conn.cursor().executemany("INSERT INTO t VALUES (%s)", rows)
                conn.commit()
            """,
            line=4,
        ),
        Invalid(
            """
            import asyncio

            async def ping(host, port):
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(b"PING\\r\\n")
                await writer.drain()  # raises on a reset connection: the close below is skipped
                reply = await reader.readline()
                writer.close()
                return reply
            """,
            line=4,
        ),
        Invalid(
            """
            import subprocess

            def verify(host, timeout):
                proc = subprocess.Popen(["ssh", host, "backup-manifest"])
                try:
                    return proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()  # killed, never waited for: a zombie
                    raise
            """,
            line=4,
        ),
        Invalid(
            """
            import sqlite3

            def snapshot(db, rows):
                conn = sqlite3.connect(db)
                with conn:  # commits; the connection stays open
                    conn.executemany("INSERT INTO t VALUES (?)", rows)
            """,
            line=4,
        ),
        Invalid(
            """
            import subprocess

            def clone(url, workdir):
                proc = subprocess.Popen(["git", "clone", url, workdir])
                return proc.wait(timeout=300)  # TimeoutExpired: nothing kills or reaps git
            """,
            line=4,
        ),
    ]

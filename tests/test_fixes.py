"""Patches: what --diff shows, what --fix writes, and the promises around writing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leakscan.cli import command
from leakscan.engine import EngineOptions
from leakscan.fixer import WriteRefused, plan, write
from leakscan.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "agent_cellphone_v2" / "before"
OPTIONS = EngineOptions(rules=tuple(all_rules()))
EXAMPLES = int(os.environ.get("LEAKSCAN_HYPOTHESIS_EXAMPLES", "40"))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, [*args, "--no-cache", "--no-progress"])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sample(in_tmp: Path) -> Path:
    tree = in_tmp / "before"
    subprocess.run(["cp", "-r", str(SAMPLE), str(tree)], check=True)
    return tree


def findings(path: str) -> list[dict]:  # type: ignore[type-arg]
    _, out, _ = invoke(path, "--format", "json")
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


def test_every_container_finding_of_the_sample_has_a_patch(sample: Path) -> None:
    found = findings("before")
    assert len(found) == 5
    patterns = {f["symbol"]: f["fix"]["pattern"] for f in found}
    # the status reader stamps each entry with its fetch time: evict the stalest, as the report did
    assert patterns["StatusReader.status_cache"] == "oldest-first"
    assert set(patterns.values()) == {"oldest-first", "lru-eviction", "rolling-window", "deque-maxlen"}


def test_diff_applies_cleanly_and_changes_nothing(sample: Path) -> None:
    before = {p: p.read_bytes() for p in sample.rglob("*.py")}
    code, diff, _ = invoke("before", "--diff")
    assert code == 1 and diff.startswith("--- a/before/")
    assert {p: p.read_bytes() for p in sample.rglob("*.py")} == before
    pristine = sample.parent / "pristine"
    pristine.mkdir()
    subprocess.run(["cp", "-r", str(sample), str(pristine / "before")], check=True)
    check = subprocess.run(
        ["git", "apply", "--check", "-"], input=diff.encode(), cwd=pristine, capture_output=True
    )
    assert check.returncode == 0, check.stderr


def test_fix_closes_every_container_finding_and_is_idempotent(sample: Path) -> None:
    code, _, err = invoke("before", "--fix", "--unsafe-fixes")
    assert "fixed 5 finding(s) in 5 file(s)" in err
    assert code == 0
    for path in sample.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    snapshot = {p: p.read_bytes() for p in sample.rglob("*.py")}
    invoke("before", "--fix", "--unsafe-fixes")
    assert {p: p.read_bytes() for p in sample.rglob("*.py")} == snapshot
    assert findings("before") == []


def test_fix_applies_only_safe_patches_without_unsafe_fixes(in_tmp: Path) -> None:
    source = (
        "class Seen:\n    tokens = set()\n\n    def accept(self, token):\n        self.tokens.add(token)\n"
    )
    (in_tmp / "seen.py").write_text(source)
    code, _, err = invoke(".", "--fix")
    assert (in_tmp / "seen.py").read_text() == source  # evicting from a set is a review patch
    assert code == 1 and "fixed 0 finding(s)" in err
    invoke(".", "--fix", "--unsafe-fixes")
    assert ".pop()" in (in_tmp / "seen.py").read_text()


STAMPED = """\
import time

SESSIONS = {}
LAST_SEEN = {}


def login(sid, user):
    SESSIONS[sid] = user
    LAST_SEEN[sid] = time.time()
"""


@pytest.mark.parametrize(
    ("extra", "applicability"),
    [
        ("", "safe"),  # the timestamps change only beside the cache: both hold the same keys
        ("\n\ndef ping(sid):\n    LAST_SEEN[sid] = time.time()\n", "review"),  # stamps of their own
    ],
)
def test_oldest_first_evicts_by_the_timestamps_the_code_keeps(
    in_tmp: Path, extra: str, applicability: str
) -> None:
    (in_tmp / "sessions.py").write_text(STAMPED + extra)
    found = {f["symbol"]: f["fix"] for f in findings("sessions.py")}
    assert set(found) == {"SESSIONS", "LAST_SEEN"}
    # one patch bounds both: evicting from the cache also forgets the entry's timestamp
    assert {fix["pattern"] for fix in found.values()} == {"oldest-first"}
    assert {fix["applicability"] for fix in found.values()} == {applicability}
    invoke(".", "--fix", "--unsafe-fixes")
    patched = (in_tmp / "sessions.py").read_text()
    assert "min(LAST_SEEN, key=LAST_SEEN.get)" in patched
    compile(patched, "sessions.py", "exec")
    assert findings("sessions.py") == []


def test_writes_keep_mode_encoding_and_newlines(in_tmp: Path) -> None:
    source = (
        "# -*- coding: latin-1 -*-\r\nNAME = 'caf\xe9'\r\nSEEN = []\r\n\r\n"
        "def mark(x):\r\n    SEEN.append(x)\r\n"
    )
    path = in_tmp / "legacy.py"
    path.write_bytes(source.encode("latin-1"))
    path.chmod(0o750)
    invoke(".", "--fix")
    data = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert b"caf\xe9" in data and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b"deque(maxlen=MAX_SEEN_SIZE)" in data
    assert not [p for p in in_tmp.iterdir() if p.name.endswith(".leakscan")]  # no temporary left behind


def test_a_file_changed_since_it_was_read_is_not_overwritten(in_tmp: Path) -> None:
    path = in_tmp / "m.py"
    path.write_text("SEEN = []\n\ndef mark(x):\n    SEEN.append(x)\n")
    patch = plan(path, "m.py", OPTIONS, _wanted(path), unsafe=True)
    assert patch is not None and patch.changed
    path.write_text("SEEN = []  # edited meanwhile\n\ndef mark(x):\n    SEEN.append(x)\n")
    with pytest.raises(WriteRefused, match="changed on disk"):
        write(patch, [in_tmp])
    assert "edited meanwhile" in path.read_text()


def test_a_symlink_out_of_the_tree_is_not_written(
    in_tmp: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "real.py"
    outside.write_text("SEEN = []\n\ndef mark(x):\n    SEEN.append(x)\n")
    (in_tmp / "tree").mkdir()
    link = in_tmp / "tree" / "link.py"
    os.symlink(outside, link)
    patch = plan(link, "tree/link.py", OPTIONS, _wanted(link, "tree/link.py"), unsafe=True)
    assert patch is not None and patch.changed
    with pytest.raises(WriteRefused, match="outside the scanned paths"):
        write(patch, [in_tmp / "tree"])
    assert "deque" not in outside.read_text()


def _wanted(path: Path, display: str | None = None) -> set[str]:
    from leakscan.engine import scan_file

    return {f.fingerprint for f in scan_file(path, display or path.name, OPTIONS).findings if f.fix}


# -- property-based: generated container code through the fixer --------------------------------

KINDS = {
    "list": ("[]", ["{c}.append(item)", "{c}.extend([item, item])", "{c} += [item]"]),
    "dict": ("{}", ["{c}[key] = item", "{c}[key] = {c}.get(key, 0)"]),
    "set": ("set()", ["{c}.add(key)"]),
    "stamped": (
        "{}",
        ["{c}[key] = (item, time.time())", "{c}[key] = {{'item': item, 'at': time.monotonic()}}"],
    ),
    "defaultdict": ("defaultdict(list)", ["{c}[key].append(item)"]),
}
READS = [
    "total = len({c})",
    "for entry in {c}:\n            print(entry)",
    "present = key in {c}",
    "print({c})",
]


@st.composite
def container_module(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(sorted(KINDS)))
    creation, growths = KINDS[kind]
    place = draw(st.sampled_from(["module", "instance"]))
    name = draw(st.sampled_from(["cache", "history", "seen_ids", "events"]))
    grow = draw(st.lists(st.sampled_from(growths), min_size=1, max_size=3))
    reads = draw(st.lists(st.sampled_from(READS), max_size=2))
    header = "import logging\nimport time\nfrom collections import defaultdict\n\n"
    if place == "module":
        c = name.upper()
        body = "\n".join(f"        {g.format(c=c)}" for g in grow + reads)
        return f"{header}{c} = {creation}\n\n\nclass Service:\n    def handle(self, key, item):\n{body}\n"
    c = f"self.{name}"
    body = "\n".join(f"        {g.format(c=c)}" for g in grow + reads)
    return (
        f"{header}class TrackerService:\n    def __init__(self):\n        {c} = {creation}\n\n"
        f"    def handle(self, key, item):\n{body}\n\n\nservice = TrackerService()\n"
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=container_module())
def test_generated_containers_fix_parses_is_idempotent_and_closes_the_finding(
    source: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("gen")
    path = folder / "gen.py"
    path.write_text(source)
    wanted = _wanted(path)
    patch = plan(path, "gen.py", OPTIONS, wanted, unsafe=True)
    assert patch is not None
    cst.parse_module(patch.patched)  # the result always parses
    compile(patch.patched, "gen.py", "exec")
    write(patch, [folder])
    remaining = {f.rule for f in _scan(path) if f.rule in ("LK101", "LK102", "LK103")}
    if wanted:
        assert patch.changed and not remaining, patch.patched.decode()
    again = plan(path, "gen.py", OPTIONS, _wanted(path), unsafe=True)
    assert again is not None and not again.changed  # applying twice changes nothing


def _scan(path: Path) -> list:  # type: ignore[type-arg]
    from leakscan.engine import scan_file

    return list(scan_file(path, path.name, OPTIONS).findings)


NOT_CONTEXT_MANAGERS = """
import asyncio
import os
import tempfile

import aiohttp
import psycopg2


async def fetch(url):
    session = aiohttp.ClientSession()
    resp = await session.get(url)
    return await resp.text()


async def ping(host):
    reader, writer = await asyncio.open_connection(host, 80)
    await writer.drain()
    return await reader.readline()


def dump(payload):
    fd, path = tempfile.mkstemp()
    os.write(fd, payload)
    return path


def copy(dsn, rows):
    conn = psycopg2.connect(dsn)
    conn.cursor().executemany("INSERT INTO t VALUES (%s)", rows)
"""


def test_no_with_patch_where_a_plain_with_would_not_close(in_tmp: Path) -> None:
    # ``with aiohttp.ClientSession()`` needs ``async with``; ``with mkstemp()`` and
    # ``with open_connection()`` are tuples, not context managers; a database connection's
    # ``with`` commits and leaves it open.  Reported, but with no patch.
    (in_tmp / "clients.py").write_text(NOT_CONTEXT_MANAGERS)
    found = findings("clients.py")
    assert {f["line"] for f in found} == {11, 17, 23, 29}
    assert all(f["fix"] is None for f in found)

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    """Run a test inside a fresh temporary folder (paths in reports become relative)."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own result cache, never the checkout's."""
    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))

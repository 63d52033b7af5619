"""Allow ``python -m leakscan``."""

from __future__ import annotations

from leakscan.cli import main

if __name__ == "__main__":
    main()

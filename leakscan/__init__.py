"""leakscan: find unbounded memory growth and leaked resources in Python source."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

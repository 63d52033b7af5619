"""Patches: proposals built from the analyses, applied as libcst edits, written safely."""

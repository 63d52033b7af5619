"""``--format github``: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from leakscan.findings import ScanResult

_COMMANDS = {"high": "error", "medium": "warning", "low": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult) -> str:
    lines = []
    for f in result.findings:
        props = (
            f"file={_property(f.path)},line={f.line},col={f.column},endLine={f.end_line},"
            f"endColumn={f.end_column},title={_property(f'{f.rule} {f.name}')}"
        )
        lines.append(f"::{_COMMANDS[f.severity.value]} {props}::{_data(f.message)}")
    for e in result.errors:
        where = f"file={_property(e.path)}" + (f",line={e.line}" if e.line else "")
        lines.append(
            f"::error {where},title={_property('leakscan ' + e.kind + ' error')}::{_data(e.message)}"
        )
    return "".join(line + "\n" for line in lines)

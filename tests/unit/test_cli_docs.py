"""Every command of the `gridgov` CLI is described in docs/cli.md (as every setting is in docs/settings.md)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from gridgov.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(parser: argparse.ArgumentParser, prefix: str = "gridgov") -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append(f"{prefix} {name}")
                out.extend(_commands(sub, f"{prefix} {name}"))
    return out


def test_every_cli_command_is_described_in_docs_cli():
    documented = set()
    for cell in re.findall(r"^\| `([^`]+)`", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE):
        words = []
        for word in cell.split():
            if word.startswith(("-", "[")) or word.isupper():
                break
            words.append(word)
        documented.add(" ".join(words))
    missing = [c for c in _commands(build_parser()) if c not in documented]
    assert missing == []
    assert len(documented) >= 20  # the table was read at all

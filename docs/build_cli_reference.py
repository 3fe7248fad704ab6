"""Write docs/cli.md from the commands' own --help texts.

    python docs/build_cli_reference.py

tests/test_docs.py checks that docs/cli.md is current.
"""

from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent

INTRO = """# Command-line reference

Generated from `prep --help` and each command's `--help`
(`python docs/build_cli_reference.py`). Exit codes of every command: 0
success, 1 lint findings at or above `--fail-on`, 2 input or usage error,
130 interrupted (Ctrl-C).
"""


def help_text(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100, max_content_width=100,
                        help_option_names=["-h", "--help"])
    return command.get_help(ctx)


def reference() -> str:
    from prep.cli import cli

    root = click.Context(cli, info_name="prep", terminal_width=100, max_content_width=100,
                         help_option_names=["-h", "--help"])
    parts = [INTRO, "## prep\n", "```text\n" + help_text(cli, "prep") + "\n```\n"]
    for name in sorted(cli.commands):
        parts += [f"## prep {name}\n", "```text\n" + help_text(cli.commands[name], name, root) + "\n```\n"]
    return "\n".join(parts)


def main() -> None:
    (ROOT / "docs" / "cli.md").write_text(reference(), encoding="utf-8")
    print("wrote docs/cli.md")


if __name__ == "__main__":
    main()

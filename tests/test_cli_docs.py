"""docs/cli.md shows real output: every ``console`` block is run and compared.

Each block starts with ``$ subnetfrag ARGS``, optionally followed by
``2>&1`` (stderr too), ``| head -n N`` (the first N lines) or
``; echo "exit status $?"``; the rest of the block is what it prints, run
in-process on the bundled example. The SVG picture docs/cli-blocks.svg is
checked the same way.

When a change to the library changes an output on purpose, rewrite the
outputs with ``python tests/test_cli_docs.py`` and review the diff.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

from subnetfrag.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
SVG = DOC.with_name("cli-blocks.svg")
SVG_ARGV = ["analyze", "--example", "--svg"]
BLOCK = re.compile(r"(```console\n\$ )([^\n]*)\n(.*?)(```)", re.S)


def run_line(line: str, workdir: Path) -> str:
    """What ``line`` (a shell line as the doc shows it) prints."""
    words = shlex.split(line)
    assert words[0] == "subnetfrag", line
    words = words[1:]
    head: int | None = None
    echo_status = with_stderr = False
    if words[-2:] == ["echo", "exit status $?"]:
        assert words[-3].endswith(";"), line
        words = [*words[:-3], words[-3][:-1]]
        echo_status = True
    if len(words) > 3 and words[-4:-1] == ["|", "head", "-n"]:
        head = int(words[-1])
        words = words[:-4]
    if words[-1:] == ["2>&1"]:
        with_stderr = True
        words = words[:-1]
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(words)
    finally:
        os.chdir(cwd)
    text = out.getvalue() + (err.getvalue() if with_stderr else "")
    if head is not None:
        text = "".join(text.splitlines(keepends=True)[:head])
    if echo_status:
        text += f"exit status {status}\n"
    return text


def svg_text(workdir: Path) -> str:
    path = workdir / "blocks.svg"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*SVG_ARGV, str(path)]) == 0
    return path.read_text(encoding="utf-8")


def test_every_console_block_prints_what_the_doc_shows(tmp_path: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    blocks = BLOCK.findall(doc)
    commands = {line.split()[1] for _, line, _, _ in blocks if len(line.split()) > 1}
    assert {"analyze", "check", "advise", "max-pods"} <= commands
    for _, line, shown, _ in blocks:
        assert shown == run_line(line, tmp_path), f"docs/cli.md: `{line}` prints otherwise"


def test_the_svg_picture_is_current(tmp_path: Path) -> None:
    assert SVG.read_text(encoding="utf-8") == svg_text(tmp_path)


def _exit_statuses_of_the_table() -> list[str]:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| (\d+) \|", section, re.MULTILINE)


def test_the_top_level_help_lists_every_exit_status_of_the_table() -> None:
    # `subnetfrag --help` and docs/cli.md's table are the two lists users read;
    # the help left out 130 and 141.
    from subnetfrag.cli.parser import _MAIN_EPILOG

    statuses = _exit_statuses_of_the_table()
    assert {"0", "1", "2", "3", "70", "130", "141"} <= set(statuses)
    listed = " ".join(_MAIN_EPILOG.split()).split("Exit status:", 1)[1]
    missing = [s for s in statuses if not re.search(rf"(?<![\d]){s} ", listed)]
    assert not missing, f"subnetfrag --help does not list exit status {missing}"


def test_the_check_help_lists_the_statuses_check_can_return() -> None:
    from subnetfrag.cli.parser import _CHECK_EPILOG

    listed = " ".join(_CHECK_EPILOG.split()).split("exit status:", 1)[1].strip()
    said = set(re.findall(r"(?:^|; )(\d+) ", listed))
    assert said == {"0", "1", "2", "3", "4", "5", "70"}
    assert said <= set(_exit_statuses_of_the_table())


def test_every_option_a_command_section_names_is_an_option_of_that_command() -> None:
    # A renamed option must not live on in the prose of docs/cli.md. Shown
    # outputs are checked by running them; `aws ...`, `kubectl ...` and other
    # subnetfrag commands quoted in the prose have options of their own; `serve` refers to
    # `analyze --format`, max-pods to the AL2 calculator's --show-max-allowed.
    import argparse

    from subnetfrag import __version__
    from subnetfrag.cli.parser import build_parser

    commands = next(
        a for a in build_parser(__version__)._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    parts = re.split(r"^## `subnetfrag ([a-z-]+)`\n", DOC.read_text(encoding="utf-8"), flags=re.M)
    assert len(parts) // 2 == 10
    elsewhere = {"serve": {"--format"}, "max-pods": {"--show-max-allowed"}}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        prose = re.sub(r"^```.*?^```", "", body.split("\n## ", 1)[0], flags=re.M | re.S)
        others = "|".join(re.escape(c) for c in ["aws", "kubectl", *commands] if c != name)
        prose = re.sub(rf"`(?:subnetfrag )?(?:{others}) [^`]*`", "", prose)
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", prose))
        options = {o for a in commands[name]._actions for o in a.option_strings}
        unknown = named - options - elsewhere.get(name, set())
        assert not unknown, f"docs/cli.md, {name}: {sorted(unknown)} are not options of it"


OTHER_PAGES = [
    DOC.parent.parent / "README.md",
    *sorted(p for p in DOC.parent.glob("*.md") if p != DOC),
]


def test_console_blocks_on_the_other_pages_print_what_they_show(tmp_path: Path) -> None:
    # max-pods.md and simulation.md repeat outputs of docs/cli.md: they are
    # checked the same way, so that they cannot drift apart.
    checked = 0
    for page in OTHER_PAGES:
        for _, line, shown, _ in BLOCK.findall(page.read_text(encoding="utf-8")):
            assert shown == run_line(line, tmp_path), f"{page.name}: `{line}` prints otherwise"
            checked += 1
    assert checked >= 2


def test_the_readme_shows_the_start_of_what_make_run_prints(tmp_path: Path) -> None:
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("`make run` analyses", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    head = shown.split("  ...\n", 1)[0]
    assert head and run_line("subnetfrag analyze --example", tmp_path).startswith(head)


def update() -> None:  # pragma: no cover - run by hand
    """Rewrite every output in docs/cli.md, and docs/cli-blocks.svg."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        doc = BLOCK.sub(
            lambda m: f"{m[1]}{m[2]}\n{run_line(m[2], work)}{m[4]}",
            DOC.read_text(encoding="utf-8"),
        )
        DOC.write_text(doc, encoding="utf-8")
        SVG.write_text(svg_text(work), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    update()
    sys.exit(0)

"""The documentation says what the code does: every relative link in README.md
and docs/ resolves (file and heading anchor), and the README's Python examples
run as written, printing what their ``# -> ...`` comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#+\s+(.+)$", text, re.MULTILINE)}


def _links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    return [a or b for a, b in LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_link_checker_catches_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A title\n")
    page.write_text("[ok](there.md#a-title) [gone](missing.md) [bad](there.md#nope)\n")
    assert _links(page) == ["there.md#a-title", "missing.md", "there.md#nope"]
    assert _anchors(tmp_path / "there.md") == {"a-title"}


def test_readme_python_examples_run_and_print_what_they_say() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [body for lang, body in FENCE.findall(readme) if lang == "python"]
    assert blocks, "the README shows Python examples"
    namespace: dict[str, object] = {}
    for body in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(body, "README.md", "exec"), namespace)
        # `print(x)  # -> text ...`: the output holds the text (up to "...").
        for promised in re.findall(r"print\(.*\)\s+#\s*->\s*(.+)$", body, re.MULTILINE):
            expected = promised.split("...")[0].strip()
            assert expected in out.getvalue(), (expected, out.getvalue())


def test_every_plan_warning_code_is_in_the_vpc_page() -> None:
    # docs/vpc.md's "Warnings" table is the codes' documentation (PlanWarning).
    from subnetfrag.capacity import WARNING_CODES

    text = (ROOT / "docs" / "vpc.md").read_text(encoding="utf-8")
    table = text.split("### Warnings", 1)[1].split("###", 1)[0]
    rows = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert rows == set(WARNING_CODES)


def test_the_iam_policy_in_the_aws_page_grants_every_call_subnetfrag_makes() -> None:
    # docs/aws.md's "Minimal IAM policy" is what users paste: an action missing
    # from it is an AccessDenied at run time (ec2:DescribeInstanceTypes was).
    import json

    from subnetfrag.aws.live import _ACTIONS

    text = (ROOT / "docs" / "aws.md").read_text(encoding="utf-8")
    policies = [json.loads(body) for lang, body in FENCE.findall(text) if lang == "json"]
    granted = {
        action
        for policy in policies
        for statement in policy["Statement"]
        for action in statement["Action"]
    }
    assert set(_ACTIONS.values()) <= granted, set(_ACTIONS.values()) - granted


def test_the_readme_names_every_extra() -> None:
    # pyproject's extras are how users get --aws, --plot, Dask and CEL; the
    # README named only aws.
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in extras if name != "test" and f".[{name}]" not in readme]
    assert not missing, missing

"""Every citation in the documentation resolves inside the repository.

A reader of ``docs/`` (or of the README) can follow each link and each cited path without
anything outside the repository: relative links and repository paths exist, nothing points to a
directory beside the repository, "BRIEF §n" names a section of the digest in docs/sources.md,
and every source document cited by number (000–004) has its full reference there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [*DOCS, ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
#: Top-level directories whose paths, cited in code font, must exist in the repository.
REPO_DIRS = ("src/", "scenarios/", "experiments/", "docs/", "examples/", "scripts/",
             "benchmarks/", "tests/")
BRIEF = re.compile(r"BRIEF §(\d+)")
DOCUMENT = re.compile(r"(?<![\w.,/-])(00[0-9])(?![\w.,%-])")


def anchors(page: Path) -> set[str]:
    """GitHub-style anchors of a Markdown page's headings."""
    out = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_cited_paths_resolve_inside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text, "cites a directory outside the repository"
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(ROOT), f"{target}: outside the repository"
        assert resolved.exists(), f"{page.name}: link {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: no heading #{anchor}"
    for cited in CODE.findall(text):
        path = cited.split("::")[0].rstrip(".,;:)")
        if path.startswith(REPO_DIRS) and "*" not in path and "<" not in path:
            assert (ROOT / path).exists(), f"{page.name}: cites `{cited}`, not in the repository"


def test_every_brief_section_and_source_document_cited_is_in_docs_sources() -> None:
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", sources, flags=re.MULTILINE))
    documents = set(re.findall(r"^\| (00\d) \| ", sources, flags=re.MULTILINE))
    assert sections == {str(n) for n in range(1, 8)} and documents == {f"00{n}" for n in range(5)}
    cited_sections: set[str] = set()
    cited_documents: set[str] = set()
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        cited_sections |= set(BRIEF.findall(text))
        cited_documents |= set(DOCUMENT.findall(text))
    assert cited_sections and cited_sections <= sections, cited_sections - sections
    assert cited_documents and cited_documents <= documents, cited_documents - documents
    # each source document has a full reference: an author, a year (or "Undated"), a title
    for row in re.findall(r"^\| 00\d \| (.+?) \|", sources, flags=re.MULTILINE):
        assert "Le RAMEAU" in row and (re.search(r"\b20[12]\d\b", row) or "Undated" in row)
        assert "*" in row, f"no title in italics: {row[:60]}"

"""The README's links resolve. (Links between the docs pages are checked by `make docs`, which builds
the site with `mkdocs build --strict`; the README is outside the site, so it is checked here.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _anchors(markdown: str) -> set[str]:
    """Heading anchors as GitHub and MkDocs both spell them for these headings."""
    headings = [line.lstrip("#").strip() for line in markdown.split("\n") if re.match(r"#{1,6} ", line)]
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_readme_links_resolve():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert any(link.startswith("docs/") for link in links), "the README links the docs pages"
    broken = []
    for link in links:
        if re.match(r"[a-z]+://", link):
            continue
        path, _, anchor = link.partition("#")
        target = ROOT / path if path else ROOT / "README.md"
        if not target.exists() or (anchor and anchor not in _anchors(target.read_text())):
            broken.append(link)
    assert not broken, f"README links that do not resolve: {broken}"


def test_every_docs_page_is_linked_from_the_readme_or_the_site_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]
    missing = [p for p in pages if p not in nav and f"docs/{p}" not in readme]
    assert not missing, f"docs pages neither in mkdocs.yml's nav nor linked from the README: {missing}"

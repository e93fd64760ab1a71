"""The glossary at the foot of the note, in Markdown and in HTML: the terms every card links to
(``mentorship.metrics.GLOSSARY``)."""

from __future__ import annotations

import html

from mentorship.metrics import GLOSSARY


def glossary_markdown() -> str:
    """The glossary section of ``methodology.md``."""
    return "\n## Glossary\n\n" + "\n".join(f"- **{term}**: {meaning}" for _, term, meaning in GLOSSARY) + "\n"


def glossary_html() -> str:
    """The glossary every card links to (``methodology.html#glossary-<term>``): one vocabulary for every
    page. Every figure is a row of the metrics table (``metrics.csv`` beside the exports), which holds
    its definition in words."""
    items = "".join(
        f'<dt id="glossary-{html.escape(a)}"><b>{html.escape(t)}</b></dt><dd>{html.escape(d)}</dd>'
        for a, t, d in GLOSSARY
    )
    return (
        f'<h2 id="glossary">Glossary</h2><p>The words every page uses, in one place. Every figure on the pages '
        f"is a row of the metrics table (<code>metrics.csv</code> beside the exports), with its definition, "
        f"population, estimator and status.</p><dl>{items}</dl>"
    )

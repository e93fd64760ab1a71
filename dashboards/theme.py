"""One look for every page: a colour-blind-safe palette (Okabe-Ito), fonts and the page shell."""

from __future__ import annotations

import html

MENTORED = "#0072B2"
COMPARISON = "#E69F00"
NEUTRAL = "#999999"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

LAYOUT = dict(
    font=dict(family=FONT, size=13, color="#222"),
    paper_bgcolor="white",
    plot_bgcolor="white",
    margin=dict(l=60, r=30, t=60, b=50),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
)

CSS = f"""
body {{ font-family: {FONT}; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
.meta {{ color: #555; margin-top: 0; }}
.note {{ background: #fff6e0; border-left: 4px solid {COMPARISON}; padding: 8px 12px; margin: 12px 0; }}
.howto {{ color: #555; font-size: 0.9em; margin: 4px 0 18px 0; }}
table.data {{ border-collapse: collapse; font-size: 0.9em; width: 100%; }}
table.data th, table.data td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }}
table.data th:first-child, table.data td:first-child {{ text-align: left; }}
td.suppressed {{ color: #888; font-style: italic; }}
nav a {{ margin-right: 16px; }}
"""


def page(title: str, subtitle: str, body: str, nav: list[tuple[str, str]] | None = None) -> str:
    links = "".join(f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for label, href in (nav or []))
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            f"<nav>{links}</nav><h1>{html.escape(title)}</h1><p class=\"meta\">{html.escape(subtitle)}</p>"
            f"{body}</body></html>\n")

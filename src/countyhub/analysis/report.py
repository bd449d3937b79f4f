"""Self-contained HTML reports: one file, inline CSS, figures embedded as SVG.

matplotlib is imported by the two figure functions, not with this module: the estimators' results
import the page renderer, and importing matplotlib costs about half a second that neither the
estimation nor `countyhub analyze sem` (whose path diagram is hand-written SVG) should pay
(tests/analysis/test_plssem_cli.py and test_did.py check that it stays out).
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2933;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;
border-bottom:1px solid #d9e2ec}table.summary{border-collapse:collapse;margin:1rem 0;
font-variant-numeric:tabular-nums}table.summary th,table.summary td{padding:.25rem .6rem;
border-bottom:1px solid #e4e7eb;text-align:right}table.summary th[scope=row],
table.summary thead th:first-child{text-align:left}td.flag{background:#ffe3e3;color:#8a1c1c}
caption.note{caption-side:bottom;text-align:left;font-size:.85rem;color:#52606d;padding-top:.3rem}
ul.meta{color:#52606d;font-size:.9rem}pre.model{background:#f5f7fa;padding:.8rem;overflow:auto}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
.warning{background:#fff3c4;border-left:4px solid #f0b429;padding:.5rem .8rem}
"""


def html_page(title: str, sections: Sequence[str], *, subtitle: str = "") -> str:
    """Wrap already-rendered HTML sections into one standalone page."""
    sub = f'<p class="subtitle">{html.escape(subtitle)}</p>' if subtitle else ""
    body = "\n".join(sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{sub}\n{body}\n</body></html>\n"
    )


def figure_svg(fig: Figure, *, caption: str = "") -> str:
    """Render a matplotlib figure to inline SVG inside a <figure>, and close it."""
    import matplotlib.pyplot as plt  # deliberately lazy: see the module docstring

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: we are inside HTML
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    """A figure on the non-interactive Agg backend (no display here or on servers)."""
    import matplotlib  # deliberately lazy: see the module docstring

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy, after choosing the backend

    return plt.figure(figsize=(width, height))

"""An inline SVG chart drawn by hand: points lost per indicator and category subtotals.

No plotting library: a few rectangles and labels. Black, greys and a hatch
pattern, every bar labelled with its number, so it reads the same printed in
grey; ``<title>``/``<desc>`` and the caption carry the same numbers as text.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from .._messages import Lang
from ..result import Result
from ._form import word
from ._table import width

MAX_BARS = 15
W, LABEL, BAR, ROW = 760, 230, 420, 22


def _short(text: str, room: int = 28) -> str:
    """A label cut to ``room`` display columns (CJK counts two), with an ellipsis."""
    out = ""
    for ch in text:
        if width(out + ch) > room - 1:
            return out + "…"
        out += ch
    return out


def chart(result: Result, lang: Lang) -> str:
    en = lang == "en"
    lost = list(result.points_lost)[:MAX_BARS]
    cats = [c for c in result.categories if c.applicable_weight > 0]
    top = max((p.lost for p in lost), default=Decimal(0))
    y = 28
    body: list[str] = []
    lost_title = "Points lost per indicator" if en else "各指标失分"
    body.append(f'<text x="0" y="{y - 10}" font-weight="700">{escape(lost_title)}</text>')
    if not lost:
        body.append(f'<text x="0" y="{y + 8}">{"No points lost" if en else "没有失分"}</text>')
        y += ROW
    for p in lost:
        length = int(BAR * p.lost / top) if top else 0
        body.append(
            f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(_short(p.name))}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{max(length, 1)}" height="{ROW - 6}" fill="#444"/>'
            f'<text x="{LABEL + length + 6}" y="{y + 15}">−{format(p.lost, "f")}</text>'
        )
        y += ROW
    y += 30
    sub_title = "Category subtotals (score of weight)" if en else "分项得分（得分/分值）"
    body.append(f'<text x="0" y="{y - 10}" font-weight="700">{escape(sub_title)}</text>')
    for c in cats:
        full = BAR
        got = int(BAR * c.score / c.weight) if c.weight else 0
        body.append(
            f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(_short(c.name))}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{full}" height="{ROW - 6}" fill="url(#kp-hatch)" stroke="#444"/>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{max(min(got, full), 0)}" height="{ROW - 6}" fill="#444"/>'
            f'<text x="{LABEL + full + 6}" y="{y + 15}">{format(c.score, "f")} / {format(c.weight, "f")}</text>'
        )
        y += ROW
    height = y + 8
    desc = _description(result, lang)
    title = word("chart", lang)
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" '
        f'width="{W}" height="{height}" role="img" aria-labelledby="kp-chart-t kp-chart-d" '
        'font-size="13" font-family="sans-serif">'
        f'<title id="kp-chart-t">{escape(title)}</title><desc id="kp-chart-d">{escape(desc)}</desc>'
        '<defs><pattern id="kp-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>'
        + "".join(body)
        + f"</svg><figcaption>{escape(desc)}</figcaption></figure>"
    )


def _description(result: Result, lang: Lang) -> str:
    """The chart's numbers as a sentence, for a screen reader and for the caption."""
    en = lang == "en"
    sep = "; " if en else "；"
    lost = sep.join(f"{p.name} −{format(p.lost, 'f')}" for p in result.points_lost[:MAX_BARS])
    subs = sep.join(
        f"{c.name} {format(c.score, 'f')}/{format(c.weight, 'f')}" for c in result.categories
    )
    if en:
        return f"Points lost: {lost or 'none'}. Category subtotals: {subs}."
    return f"失分：{lost or '无'}。分项得分：{subs}。"

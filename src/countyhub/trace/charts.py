"""Small server-rendered SVGs: a batch's route over its recorded locations, scans per day, a
cold-chain trip's temperatures."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from countyhub.gs1.coldchain import ColdChainSummary


def route_svg(points: Sequence[tuple[int, float, float, str]], *, width: int = 320) -> SafeString:
    """A plain map of the places the batch went (north up): dots numbered as the list of places
    (`number`, latitude, longitude, name), joined in time order, each with its name beside it,
    so it reads without map tiles."""
    if not points:
        return mark_safe("")
    height = width * 2 // 3
    pad = 28
    lats = [p[1] for p in points]
    lons = [p[2] for p in points]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.01)
    mid_lat, mid_lon = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    scale = (min(width, height) - 2 * pad) / span

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return width / 2 + (lon - mid_lon) * scale, height / 2 - (lat - mid_lat) * scale

    coords = [xy(lat, lon) for _number, lat, lon, _name in points]
    parts = [
        f'<svg class="route" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="route">',
        f'<rect width="{width}" height="{height}" rx="8" fill="#eef5ea"/>',
    ]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#2e7d32" stroke-width="2.5" '
            'stroke-dasharray="6 4"/>'
        )
    for (x, y), (number, lat, lon, name) in zip(coords, points, strict=True):
        # Names on the right half of the map go to the dot's left, so they stay inside.
        left = x > width / 2
        anchor, dx = ("end", -13) if left else ("start", 13)
        parts.append(
            f'<g class="stop"><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#2e7d32"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
            f'fill="white">{number}</text>'
            f'<text class="place" x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
            f'font-size="11" fill="#1b3d1f" stroke="#eef5ea" stroke-width="3" '
            f'paint-order="stroke">{escape(name)}</text>'
            f"<title>{number}. {escape(name)} ({lat:.3f}, {lon:.3f})</title></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def scans_svg(days: Sequence[tuple[datetime.date, int]], *, width: int = 600) -> SafeString:
    """Bars of scans per day, with the busiest day's count as the scale."""
    if not days:
        return mark_safe("")
    height, pad = 140, 24
    peak = max((count for _day, count in days), default=0) or 1
    bar = (width - 2 * pad) / len(days)
    parts = [
        f'<svg class="scans" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="scans per day">',
        f'<text x="{pad}" y="14" font-size="11">{peak}</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>',
    ]
    for i, (day, count) in enumerate(days):
        h = (height - 2 * pad) * count / peak
        x = pad + i * bar
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - pad - h:.1f}" width="{max(bar - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#1565c0"><title>{day:%Y-%m-%d}: {count}</title></rect>'
        )
    first, last = days[0][0], days[-1][0]
    parts.append(
        f'<text x="{pad}" y="{height - 6}" font-size="11">{first:%m-%d}</text>'
        f'<text x="{width - pad}" y="{height - 6}" font-size="11" text-anchor="end">'
        f"{last:%m-%d}</text></svg>"
    )
    return mark_safe("".join(parts))


def temperature_svg(summary: ColdChainSummary, *, width: int = 320) -> SafeString:
    """A trip's temperature: each hour's min-max band, the allowed range shaded behind it, and
    hours outside the range in red."""
    hours = summary.hours
    if not hours:
        return mark_safe("")
    height, pad = 160, 28
    low = min([summary.minimum] + [v for v in (summary.required_min,) if v is not None]) - 1
    high = max([summary.maximum] + [v for v in (summary.required_max,) if v is not None]) + 1
    step = (width - 2 * pad) / max(len(hours), 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    parts = [
        f'<svg class="temperature" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="temperature">',
        f'<rect width="{width}" height="{height}" rx="8" fill="#f4f8fb"/>',
    ]
    if summary.required_min is not None or summary.required_max is not None:
        top = y(summary.required_max if summary.required_max is not None else high)
        bottom = y(summary.required_min if summary.required_min is not None else low)
        parts.append(
            f'<rect x="{pad}" y="{top:.1f}" width="{width - 2 * pad}" '
            f'height="{bottom - top:.1f}" fill="#dcedc8"/>'
        )
    for index, (hour, minimum, maximum, _mean) in enumerate(hours):
        outside = (summary.required_min is not None and minimum < summary.required_min) or (
            summary.required_max is not None and maximum > summary.required_max
        )
        x = pad + index * step
        top, bottom = y(maximum), y(minimum)
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{top:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{max(bottom - top, 1.5):.1f}" fill="{"#c62828" if outside else "#1565c0"}">'
            f"<title>{hour:%m-%d %H:00}: {minimum:g}–{maximum:g} °C</title></rect>"
        )
    parts.append(
        f'<text x="4" y="{y(high - 1) + 4:.1f}" font-size="10">{high - 1:g}°</text>'
        f'<text x="4" y="{y(low + 1) + 4:.1f}" font-size="10">{low + 1:g}°</text>'
        f'<text x="{pad}" y="{height - 8}" font-size="10">{hours[0][0]:%m-%d %H:00}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="10" text-anchor="end">'
        f"{hours[-1][0]:%m-%d %H:00}</text></svg>"
    )
    return mark_safe("".join(parts))

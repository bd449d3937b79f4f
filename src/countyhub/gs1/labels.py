"""Labels: the QR code of a Digital Link URI (segno), single labels as SVG/PNG, A4 PDF sheets.

The QR code holds exactly the Digital Link URI that the trace events use, so scanning the label
and reading the events give the same string. Chinese product names need an embedded CJK font:
Debian's WenQuanYi Zen Hei is registered with reportlab as a TrueType font (subset embedded);
reportlab's STSong-Light CID font (not embedded) is the fallback when that file is missing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas
    from segno import QRCode

CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT_NAME = "WenQuanYiZenHei"
FALLBACK_FONT_NAME = "STSong-Light"
MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class LabelContent:
    """What one label shows. `dates` are (caption, date text) pairs, e.g. ("采收 Harvested",
    "2026-10-01"); `certifications` are short marks drawn as badges (e.g. "绿色食品")."""

    product_name: str
    uri: str
    brand: str | None = None
    lot: str | None = None
    dates: tuple[tuple[str, str], ...] = ()
    certifications: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetLayout:
    """A grid of labels on A4 portrait; all lengths in millimetres."""

    rows: int = 7
    columns: int = 3
    margin_mm: float = 10.0
    gutter_mm: float = 2.0
    page_size_mm: tuple[float, float] = field(default=(210.0, 297.0))

    def __post_init__(self) -> None:
        if self.rows < 1 or self.columns < 1:
            raise ValueError(f"label grid {self.rows} x {self.columns}: needs at least 1 x 1")
        width, height = self.label_size_mm()
        if width < 25 or height < 15:
            raise ValueError(
                f"label grid {self.rows} x {self.columns} with margin {self.margin_mm} mm leaves "
                f"{width:.1f} x {height:.1f} mm labels; at least 25 x 15 mm are needed"
            )

    def label_size_mm(self) -> tuple[float, float]:
        page_width, page_height = self.page_size_mm
        usable_width = page_width - 2 * self.margin_mm - (self.columns - 1) * self.gutter_mm
        usable_height = page_height - 2 * self.margin_mm - (self.rows - 1) * self.gutter_mm
        return usable_width / self.columns, usable_height / self.rows

    @property
    def per_page(self) -> int:
        return self.rows * self.columns


def qr_code(uri: str) -> QRCode:
    import segno  # lazy: see countyhub.gs1

    # Error correction M: survives a scuffed label, still small for a ~60-character URI.
    return segno.make(uri, error="m", micro=False)


def qr_svg(uri: str, *, scale: int = 4) -> str:
    buffer = io.BytesIO()
    qr_code(uri).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def qr_png(uri: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    qr_code(uri).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


class LabelTooSmallError(ValueError):
    """The label's text (or its QR code) does not fit at the smallest legible size."""


MIN_TEXT_PT = 4.5  # smaller print cannot be read on a jar or a box
MIN_MODULE_MM = 0.25  # a smaller QR module does not scan reliably from a printed label
LINE_SPACING = 1.25


@dataclass(frozen=True)
class FittedLine:
    text: str
    size: float  # in the unit of the measure (points for PDF, mm for SVG, pixels for PNG)
    bold: bool = False


def _wrap(
    text: str, measure: Callable[[str, float], float], size: float, width: float
) -> list[str]:
    """Break at spaces; a word wider than the line (a long Chinese name) between characters.
    Nothing is cut off: every character of `text` is on one of the lines."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if measure(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and measure(current + char, size) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def fit_lines(
    lines: Sequence[str],
    measure: Callable[[str, float], float],
    *,
    width: float,
    height: float,
    largest: float,
    smallest: float,
) -> list[FittedLine]:
    """The label's lines at the largest size (the first line, the product name, a fifth
    larger) at which they fit in `width` x `height`: first each on one line down to half of
    `largest` (an identifier or a date reads best unbroken), then wrapped down to `smallest`.
    Refuses when not even that fits."""

    def attempt(size: float, wrap: bool) -> list[FittedLine] | None:
        fitted = []
        for number, line in enumerate(lines):
            line_size = size * (1.2 if number == 0 else 1.0)
            parts = _wrap(line, measure, line_size, width) if wrap else [line]
            fitted += [FittedLine(part, line_size, bold=number == 0) for part in parts]
        widest = max((measure(line.text, line.size) for line in fitted), default=0.0)
        if widest <= width and sum(line.size * LINE_SPACING for line in fitted) <= height:
            return fitted
        return None

    for wrap, floor in ((False, max(smallest, largest * 0.5)), (True, smallest)):
        size = largest
        while size >= floor - 1e-9:
            fitted = attempt(size, wrap)
            if fitted is not None:
                return fitted
            size *= 0.92
    raise LabelTooSmallError(
        f"the label's text does not fit even at the smallest legible size ({MIN_TEXT_PT} pt): "
        "choose fewer rows or columns (bigger labels)"
    )


def _qr_module(qr_size: float, modules: int, module_mm: float) -> float:
    module = qr_size / modules
    if module * module_mm < MIN_MODULE_MM:
        raise LabelTooSmallError(
            f"the QR code would have {module * module_mm:.2f} mm modules (at least "
            f"{MIN_MODULE_MM} mm scan reliably): choose fewer rows or columns (bigger labels)"
        )
    return module


@cache
def _pdf_measure() -> Callable[[str, float], float]:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # lazy: see countyhub.gs1

    font = label_font()
    return lambda text, size: float(stringWidth(text, font, size))


def _label_lines(content: LabelContent) -> list[str]:
    lines = [content.product_name]
    if content.brand:
        lines.append(content.brand)
    if content.lot:
        lines.append(f"批号 Lot {content.lot}")
    lines += [f"{caption} {value}" for caption, value in content.dates]
    return lines


def label_svg(content: LabelContent, *, width_mm: float = 70, height_mm: float = 40) -> str:
    """One label as SVG: text on the left, QR code on the right, certification badges below."""
    qr = qr_code(content.uri)
    modules = len(qr.matrix) + 8  # with the 4-module quiet zone on each side
    qr_size = min(height_mm - 4, width_mm * 0.45)
    module = _qr_module(qr_size, modules, 1.0)
    qr_x, qr_y = width_mm - qr_size - 2, 2
    rects = [
        f'<rect x="{qr_x + (x + 4) * module:.3f}" y="{qr_y + (y + 4) * module:.3f}" '
        f'width="{module:.3f}" height="{module:.3f}"/>'
        for y, row in enumerate(qr.matrix)
        for x, dark in enumerate(row)
        if dark
    ]
    text_x = 2.5
    size = min(3.5, height_mm / 10)
    badge_height = size + 2 if content.certifications else 0.0
    measure = _pdf_measure()  # font units scale with the size, so millimetres work as well
    fitted = fit_lines(
        _label_lines(content),
        measure,
        width=qr_x - text_x - 1.5,
        height=height_mm - 4 - badge_height - 2,
        largest=size,
        smallest=MIN_TEXT_PT / MM,
    )
    texts = []
    y = 2.0
    for line in fitted:
        y += line.size * LINE_SPACING
        weight = ' font-weight="bold"' if line.bold else ""
        texts.append(
            f'<text x="{text_x}" y="{y - line.size * 0.25:.2f}" '
            f'font-size="{line.size:.2f}"{weight}>{escape(line.text)}</text>'
        )
    badges = []
    badge_x = text_x
    for mark in content.certifications:
        badge_width = 2 + len(mark) * size * 0.9
        if badge_x + badge_width > qr_x - 1:
            break  # a badge that does not fit is left off rather than drawn over the QR code
        badges.append(
            f'<rect x="{badge_x:.2f}" y="{height_mm - size - 4:.2f}" width="{badge_width:.2f}" '
            f'height="{size + 2:.2f}" rx="1" fill="none" stroke="#1b5e20" stroke-width="0.3"/>'
            f'<text x="{badge_x + 1:.2f}" y="{height_mm - 3.2:.2f}" font-size="{size * 0.8:.2f}" '
            f'fill="#1b5e20">{escape(mark)}</text>'
        )
        badge_x += badge_width + 1.5
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {width_mm} {height_mm}" font-family="WenQuanYi Zen Hei, sans-serif">'
        f'<rect width="{width_mm}" height="{height_mm}" fill="white" stroke="#999" '
        'stroke-width="0.2"/>'
        f"{''.join(texts)}{''.join(badges)}"
        f'<g fill="black" shape-rendering="crispEdges">{"".join(rects)}</g>'
        f"<desc>{escape(content.uri)}</desc></svg>"
    )


def label_png(
    content: LabelContent, *, dpi: int = 300, width_mm: float = 70, height_mm: float = 40
) -> bytes:
    """One label as PNG (Pillow): text with the CJK font, the QR code at whole-pixel modules."""
    pixels_per_mm = dpi / 25.4
    width, height = round(width_mm * pixels_per_mm), round(height_mm * pixels_per_mm)
    image = Image.new("L", (width, height), 255)
    qr = qr_code(content.uri)
    modules = len(qr.matrix) + 8
    qr_side = min(height - 4 * pixels_per_mm, width * 0.45)
    module = int(_qr_module(qr_side, modules, 1 / pixels_per_mm))
    qr_image = Image.open(io.BytesIO(qr_png(content.uri, scale=module)))
    qr_left = width - qr_image.width - round(pixels_per_mm)
    image.paste(qr_image.convert("L"), (qr_left, round(2 * pixels_per_mm)))
    draw = ImageDraw.Draw(image)
    margin = round(2 * pixels_per_mm)
    lines = _label_lines(content)
    if content.certifications:
        lines.append("  ".join(content.certifications))
    fitted = fit_lines(
        lines,
        lambda text, size: float(_png_font(round(size)).getlength(text)),
        width=qr_left - 2 * margin,  # a margin each side: the text stays clear of the QR code
        height=height - 2 * margin,
        largest=3.2 * pixels_per_mm,
        smallest=MIN_TEXT_PT / 72 * dpi,
    )
    y = margin
    for line in fitted:
        draw.text((margin, y), line.text, fill=0, font=_png_font(round(line.size)))
        y += round(line.size * LINE_SPACING)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


@cache
def _png_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if CJK_FONT_FILE.exists():
        return ImageFont.truetype(str(CJK_FONT_FILE), size, index=0)
    return ImageFont.load_default(size)


@cache
def label_font() -> str:
    """Register the CJK font with reportlab once; return the font name to draw with."""
    from reportlab.pdfbase import pdfmetrics  # lazy: see countyhub.gs1

    if CJK_FONT_FILE.exists():
        from reportlab.pdfbase.ttfonts import TTFont  # lazy: see countyhub.gs1

        pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_FILE), subfontIndex=0))
        return CJK_FONT_NAME
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # lazy: see countyhub.gs1

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT_NAME))
    return FALLBACK_FONT_NAME


@dataclass(frozen=True)
class _Placed:
    """Where a label's parts go on a ``w`` x ``h`` point label of a sheet."""

    qr: QRCode
    qr_size: float
    module: float
    text_width: float
    fitted: list[FittedLine]
    badge_size: float


@lru_cache(maxsize=64)
def _place(content: LabelContent, w: float, h: float) -> _Placed:
    """Lay one label out; LabelTooSmallError when its QR code or its text does not fit.
    Cached: a sheet repeats one label, whose QR code and fitted text are most of its cost."""
    qr = qr_code(content.uri)
    modules = len(qr.matrix) + 8
    qr_size = min(h - 2 * MM, w * 0.45)
    module = _qr_module(qr_size, modules, 1 / MM)
    text_width = w - qr_size - 3 * MM
    size = max(MIN_TEXT_PT, min(9.0, h / 9))
    badge_size = max(MIN_TEXT_PT, size * 0.8)
    badges = badge_size + 2.5 + 0.5 * MM if content.certifications else 0.0
    fitted = fit_lines(
        _label_lines(content),
        _pdf_measure(),
        width=text_width,
        height=h - 2.5 * MM - badges,
        largest=size,
        smallest=MIN_TEXT_PT,
    )
    return _Placed(qr, qr_size, module, text_width, fitted, badge_size)


def check_sheet(content: LabelContent, layout: SheetLayout) -> None:
    """Raise LabelTooSmallError if ``content`` does not fit the labels of ``layout``: what
    :func:`label_sheet_pdf` would refuse, found without drawing (a form checks it at once,
    before the sheet is made in the background)."""
    label_width, label_height = (v * MM for v in layout.label_size_mm())
    _place(content, label_width, label_height)


def _form_key(uri: str, size: float) -> str:
    """A PDF name for the form of ``uri``'s QR code at ``size`` points."""
    return hashlib.sha1(f"{uri} {size:.4f}".encode(), usedforsecurity=False).hexdigest()[:16]


def _draw_label(
    canvas: Canvas, content: LabelContent, x: float, y: float, w: float, h: float
) -> None:
    font = label_font()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.3)
    canvas.rect(x, y, w, h)
    placed = _place(content, w, h)
    qr_size = placed.qr_size
    # The QR code is drawn once per document as a form and placed on each label: a sheet
    # repeats one label, and its modules were most of the drawing and of the file.
    form = f"qr-{_form_key(content.uri, qr_size)}"
    if not canvas.hasForm(form):
        canvas.beginForm(form, lowerx=0, lowery=0, upperx=qr_size, uppery=qr_size)
        canvas.setFillGray(0)
        module = placed.module
        for row_number, row in enumerate(placed.qr.matrix):
            for column, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        (column + 4) * module,
                        qr_size - (row_number + 5) * module,
                        module,
                        module,
                        stroke=0,
                        fill=1,
                    )
        canvas.endForm()
    canvas.saveState()
    canvas.translate(x + w - qr_size - MM, y + (h - qr_size) / 2)
    canvas.doForm(form)
    canvas.restoreState()
    canvas.setFillGray(0)
    cursor = y + h - MM
    for line in placed.fitted:
        cursor -= line.size * LINE_SPACING
        canvas.setFont(font, line.size)
        canvas.drawString(x + 1.5 * MM, cursor + line.size * 0.25, line.text)
    _draw_badges(
        canvas,
        content.certifications,
        x + 1.5 * MM,
        y + 1.5 * MM,
        placed.text_width,
        placed.badge_size,
    )


def _draw_badges(
    canvas: Canvas, marks: Sequence[str], x: float, y: float, width: float, size: float
) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # lazy: see countyhub.gs1

    font = label_font()
    canvas.setFont(font, size)
    right_edge = x + width
    for mark in marks:
        badge = stringWidth(mark, font, size) + 3
        if x + badge > right_edge:
            break  # a badge that does not fit is left off rather than drawn over the QR code
        canvas.setStrokeColorRGB(0.1, 0.37, 0.13)
        canvas.setFillColorRGB(0.1, 0.37, 0.13)
        canvas.roundRect(x, y, badge, size + 2.5, 1.5, stroke=1, fill=0)
        canvas.drawString(x + 1.5, y + 1.6, mark)
        x += badge + 2


def label_sheet_pdf(
    labels: Sequence[LabelContent],
    layout: SheetLayout | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """An A4 PDF of `labels` laid out row by row on `layout`'s grid, as many pages as needed;
    ``progress(done, total)`` is called after each label (a background job reports it)."""
    from reportlab.pdfgen.canvas import Canvas  # lazy: see countyhub.gs1

    layout = layout or SheetLayout()
    if not labels:
        raise ValueError("no labels to print")
    page_width, page_height = (v * MM for v in layout.page_size_mm)
    label_width, label_height = (v * MM for v in layout.label_size_mm())
    margin, gutter = layout.margin_mm * MM, layout.gutter_mm * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height), pageCompression=1)
    canvas.setTitle("countyhub labels")
    for number, content in enumerate(labels):
        slot = number % layout.per_page
        if number and slot == 0:
            canvas.showPage()
        row, column = divmod(slot, layout.columns)
        x = margin + column * (label_width + gutter)
        y = page_height - margin - (row + 1) * label_height - row * gutter
        _draw_label(canvas, content, x, y, label_width, label_height)
        if progress is not None:
            progress(number + 1, len(labels))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

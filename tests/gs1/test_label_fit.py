"""Labels fit their text at every supported layout (nothing cut off, nothing over the QR code)
or refuse a layout too small: every sheet layout the form allows is printed and read back with
pdftotext, its QR code decoded with zbarimg; the PNG label keeps its text clear of the QR code."""

import itertools
import shutil
import subprocess

import pytest
from PIL import Image

from countyhub.gs1 import labels

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("zbarimg") is None,
    reason="poppler-utils and zbar-tools (make setup installs them)",
)

URI = "https://trace.qingshan.example.cn/01/06912345000019/10/QS26102801"
CONTENT = labels.LabelContent(
    product_name="青山红苹果（散装称重）",
    uri=URI,
    brand="青山好物 · 青山红苹果",
    lot="QS26102801",
    dates=(("采收 Harvested", "2026-10-28"), ("保质期至 Best before", "2027-04-26")),
    certifications=("绿色食品", "地理标志"),
)
# The label sheet form's range: 1-20 rows, 1-8 columns.
LAYOUTS = [(rows, columns) for rows in range(1, 21) for columns in range(1, 9)]


def _flat(text):
    return "".join(text.split())


def _decode(path):
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines()


def test_every_sheet_layout_prints_all_its_text_and_a_scannable_code_or_is_refused(tmp_path):
    printed, refused, reasons = [], [], []
    for rows, columns in LAYOUTS:
        try:
            layout = labels.SheetLayout(rows=rows, columns=columns)
            pdf = labels.label_sheet_pdf([CONTENT], layout)
        except ValueError as error:
            reasons.append(str(error))
            refused.append((rows, columns))
            continue
        printed.append((rows, columns))
        path = tmp_path / f"sheet-{rows}x{columns}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "…" not in text, (rows, columns)
        for line in labels._label_lines(CONTENT):
            assert _flat(line) in _flat(text), (rows, columns, line, text)
        # Render just the first label (top left) and scan it.
        width, height = layout.label_size_mm()
        dpi = 300
        px = dpi / 25.4
        image = tmp_path / f"label-{rows}x{columns}"
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile",
             "-x", str(int(layout.margin_mm * px)), "-y", str(int(layout.margin_mm * px)),
             "-W", str(int(width * px) + 2), "-H", str(int(height * px) + 2),
             str(path), str(image)],
            check=True,
        )  # fmt: skip
        assert _decode(image.with_suffix(".png")) == [URI], (rows, columns)
    assert all("at least 25 x 15 mm" in r or "fewer rows or columns" in r for r in reasons)
    assert (7, 3) in printed and (2, 1) in printed  # the batch's and the container's defaults
    assert (20, 8) in refused
    assert len(printed) > 40


def _dark_columns(png):
    image = Image.open(png).convert("L")
    pixels = image.load()
    return sorted(
        {x for x in range(image.width) for y in range(image.height) if pixels[x, y] < 128}
    )


@pytest.mark.parametrize("size", [(70, 40), (60, 30), (50, 30)])
def test_png_label_text_stays_clear_of_the_qr_code(tmp_path, size):
    # On main the best-before date ran into the QR code.
    width_mm, height_mm = size
    dpi = 200
    png = labels.label_png(CONTENT, dpi=dpi, width_mm=width_mm, height_mm=height_mm)
    path = tmp_path / "label.png"
    path.write_bytes(png)
    assert _decode(path) == [URI]
    columns = _dark_columns(path)
    gaps = [(b - a, a, b) for a, b in itertools.pairwise(columns)]
    gap, text_right, qr_left = max(gaps)
    px_per_mm = dpi / 25.4
    assert gap >= 2 * px_per_mm  # a clear band (the QR's quiet zone and more) between them
    assert (columns[-1] - qr_left) >= 0.4 * height_mm * px_per_mm  # right of it: the QR code
    assert text_right > 10 * px_per_mm  # left of it: the text


def test_png_label_too_small_for_its_text_is_refused():
    with pytest.raises(labels.LabelTooSmallError, match=r"fewer rows or columns|does not fit"):
        labels.label_png(CONTENT, width_mm=30, height_mm=15)


def test_long_words_wrap_instead_of_being_cut():
    measure = labels._pdf_measure()
    lines = labels.fit_lines(
        ["保质期至 Best before 2027-04-26"], measure, width=60, height=100, largest=9,
        smallest=4.5,
    )  # fmt: skip
    texts = [line.text for line in lines]
    assert len(texts) > 1 and " ".join(texts).split() == [
        "保质期至",
        "Best",
        "before",
        "2027-04-26",
    ]
    assert "2027-04-26" in texts[-1]
    assert all(measure(line.text, line.size) <= 60 for line in lines)

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from countyhub.gs1 import labels
from countyhub.gs1.digital_link import parse

from .county_chain import PACKED

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (make setup installs it)"
)
needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None, reason="zbar-tools (make setup installs it)"
)

URI = PACKED.uri


def _content(name="修文猕猴桃 贵长", uri=URI):
    return labels.LabelContent(
        product_name=name,
        uri=uri,
        brand="黔货出山",
        lot=parse(uri).lot,
        dates=(("采收 Harvested", "2026-10-01"), ("保质期至 Best before", "2027-01-31")),
        certifications=("绿色食品", "GI 地理标志"),
    )


def _decode_qr(path):
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines()


@needs_zbar
def test_qr_png_decodes_to_the_digital_link(tmp_path):
    path = tmp_path / "qr.png"
    path.write_bytes(labels.qr_png(URI))
    assert _decode_qr(path) == [URI]


def test_qr_svg_is_svg():
    root = ET.fromstring(labels.qr_svg(URI))
    assert root.tag.endswith("svg")


def test_single_label_svg_carries_text_and_uri():
    svg = labels.label_svg(_content())
    root = ET.fromstring(svg)
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "修文猕猴桃 贵长"
    assert "批号 Lot P2026-10A" in texts
    assert "绿色食品" in texts
    assert root.find("{http://www.w3.org/2000/svg}desc").text == URI


@needs_zbar
def test_single_label_png_decodes(tmp_path):
    path = tmp_path / "label.png"
    path.write_bytes(labels.label_png(_content()))
    assert _decode_qr(path) == [URI]


@needs_poppler
@needs_zbar
def test_label_sheet_pdf_reads_back(tmp_path):
    uris = [
        f"https://trace.xiuwen.example.cn/01/00452012300027/10/P2026-10A/21/{n}" for n in range(7)
    ]
    sheet = labels.label_sheet_pdf(
        [_content(f"猕猴桃 {n}号", uri) for n, uri in enumerate(uris)],
        labels.SheetLayout(rows=2, columns=3, margin_mm=12),
    )
    path = tmp_path / "sheet.pdf"
    path.write_bytes(sheet)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Pages:           2" in info.stdout
    assert "A4" in info.stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    font_line = next(line for line in fonts.stdout.splitlines() if labels.label_font() in line)
    assert font_line.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, unicode map
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for n in range(7):
        assert f"猕猴桃 {n}号" in text
    assert "黔货出山" in text
    assert "绿色食品" in text
    assert "P2026-10A" in text
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(path), str(tmp_path / "page")], check=True)
    decoded = sorted(
        value for page in sorted(tmp_path.glob("page-*.png")) for value in _decode_qr(page)
    )
    assert decoded == sorted(uris)


@needs_poppler
@needs_zbar
def test_a_sheet_repeating_one_label_draws_its_qr_code_once_and_reports_each_label(tmp_path):
    """1,000 labels of a lot are one QR code placed 1,000 times (a PDF form), not 1,000 codes
    drawn module by module: the file grows by the placements only, and every label scans."""
    layout = labels.SheetLayout(rows=7, columns=3)
    one_page = labels.label_sheet_pdf([_content()] * 21, layout)
    reported: list[tuple[int, int]] = []
    ten_pages = labels.label_sheet_pdf(
        [_content()] * 210, layout, progress=lambda done, total: reported.append((done, total))
    )
    assert reported == [(n, 210) for n in range(1, 211)]
    # Each further label costs its text and a placement (~300 bytes; ~2,600 drawn in full).
    assert (len(ten_pages) - len(one_page)) / 189 < 1000
    path = tmp_path / "sheet.pdf"
    path.write_bytes(ten_pages)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "10", "-l", "10", str(path), str(tmp_path / "p")],
        check=True,
    )
    (page,) = tmp_path.glob("p-*.png")
    assert _decode_qr(page) == [URI] * 21


def test_the_fit_is_checked_without_drawing():
    labels.check_sheet(_content(), labels.SheetLayout(rows=7, columns=3))
    with pytest.raises(labels.LabelTooSmallError, match="fewer rows or columns"):
        labels.check_sheet(_content(), labels.SheetLayout(rows=12, columns=7))


def test_layout_refuses_labels_too_small_to_print():
    with pytest.raises(ValueError, match="at least 25 x 15 mm"):
        labels.SheetLayout(rows=20, columns=8)
    with pytest.raises(ValueError, match="at least 1 x 1"):
        labels.SheetLayout(rows=0)


def test_empty_sheet_is_refused():
    with pytest.raises(ValueError, match="no labels"):
        labels.label_sheet_pdf([])


def test_cjk_font_is_the_embedded_truetype_when_the_file_exists():
    expected = "WenQuanYiZenHei" if labels.CJK_FONT_FILE.exists() else "STSong-Light"
    assert labels.label_font() == expected

"""Completion certificates as A4 landscape PDF with a QR code of the public verification URL.

The CJK font and the QR code come from `countyhub.gs1.labels`, so certificates and product
labels embed the same font and encode QR codes the same way.
"""

from __future__ import annotations

import io

from countyhub.gs1.labels import label_font, qr_png
from countyhub.training.models import Certificate

MM = 72 / 25.4


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    enrollment = certificate.enrollment
    session = enrollment.session
    course = session.course
    county = course.county
    font = label_font()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(f"{certificate.number} {course.title}")
    canvas.setStrokeColorRGB(0.18, 0.42, 0.23)
    canvas.setLineWidth(3)
    canvas.rect(12 * MM, 12 * MM, width - 24 * MM, height - 24 * MM)
    canvas.setFont(font, 30)
    canvas.drawCentredString(width / 2, height - 45 * MM, "结业证书")
    canvas.setFont(font, 14)
    canvas.drawCentredString(width / 2, height - 55 * MM, "Certificate of Completion")
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 80 * MM, certificate.trainee_name)
    canvas.setFont(font, 13)
    lines = [
        f"完成了“{course.title}”培训（{course.hours} 学时）",
        f"has completed “{course.title_en or course.title}” ({course.hours} hours)",
        f"{session.place} · {session.date:%Y-%m-%d}",
        county.service_center,
    ]
    for index, text in enumerate(lines):
        canvas.drawCentredString(width / 2, height - (95 + 9 * index) * MM, text)
    canvas.setFont(font, 10)
    canvas.drawString(22 * MM, 22 * MM, f"证书编号 No. {certificate.number}")
    canvas.drawString(22 * MM, 28 * MM, f"颁发日期 Issued {certificate.issued_on:%Y-%m-%d}")
    qr_size = 40 * MM
    image = ImageReader(io.BytesIO(qr_png(verify_url, scale=8)))
    canvas.drawImage(image, width - 22 * MM - qr_size, 20 * MM, qr_size, qr_size)
    canvas.setFont(font, 8)
    canvas.drawRightString(width - 22 * MM, 17 * MM, "扫码验证 Scan to verify")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

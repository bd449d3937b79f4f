"""Pictures of the demo county, drawn here with Pillow (nothing downloaded): each product's
picture (its produce in simple shapes and colours, its name in a CJK font) and a second one of
where it comes from, the brands' logos and the county's banner. The same data draws the same
pictures every time. They enter the catalog as a seller's or the county's uploads would, through
the services that check them and draw their sizes."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from countyhub.catalog.images import add_product_image, set_brand_logo
from countyhub.catalog.models import Brand
from countyhub.core.services import set_county_banner
from countyhub.gs1.labels import CJK_FONT_FILE

# Drawn at twice the size and scaled down: Pillow's shapes have no anti-aliasing of their own.
SCALE = 2
SIDE = 800 * SCALE
Colour = tuple[int, int, int]
Draw = ImageDraw.ImageDraw


def font(size: int) -> Any:
    if CJK_FONT_FILE.exists():
        return ImageFont.truetype(str(CJK_FONT_FILE), size * SCALE, index=0)
    return ImageFont.load_default(size * SCALE)


def _shade(colour: Colour, factor: float) -> Colour:
    r, g, b = (min(255, max(0, round(c * factor))) for c in colour)
    return (r, g, b)


def _ellipse(draw: Draw, cx: float, cy: float, rx: float, ry: float, **style: Any) -> None:
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), **style)


def fruit(colour: Colour, radius: int = 170, count: int = 3, oval: float = 1.0) -> Callable:
    """Round fruit in a heap, each with a shine, a stem and a leaf."""

    def draw_fruit(draw: Draw) -> None:
        r = radius * SCALE
        places = [(0.5, 0.62), (0.3, 0.5), (0.7, 0.5), (0.42, 0.36), (0.6, 0.35)][:count]
        for x, y in sorted(places, key=lambda p: p[1]):
            cx, cy = x * SIDE, y * SIDE
            _ellipse(draw, cx, cy, r, r * oval, fill=colour, outline=_shade(colour, 0.7), width=6)
            _ellipse(draw, cx - r * 0.4, cy - r * 0.4 * oval, r * 0.18, r * 0.12, fill="white")
            draw.line((cx, cy - r * oval, cx + 10, cy - r * oval - 50), fill=(90, 60, 30), width=14)
            draw.ellipse(
                (cx + 10, cy - r * oval - 70, cx + 110, cy - r * oval - 30), fill=(70, 150, 60)
            )

    return draw_fruit


def kiwi(draw: Draw) -> None:
    for cx in (0.32, 0.68):
        _ellipse(draw, cx * SIDE, 0.5 * SIDE, 230, 180, fill=(140, 100, 60))
    cx, cy = 0.5 * SIDE, 0.58 * SIDE
    _ellipse(draw, cx, cy, 260, 220, fill=(120, 90, 50))
    _ellipse(draw, cx, cy, 235, 195, fill=(130, 190, 60))
    _ellipse(draw, cx, cy, 70, 55, fill=(235, 240, 200))
    for i in range(24):
        angle = 2 * math.pi * i / 24
        _ellipse(
            draw, cx + 120 * math.cos(angle), cy + 100 * math.sin(angle), 9, 14, fill=(30, 30, 20)
        )


def jar(honey: Colour, comb: bool = False) -> Callable:
    """A honey jar with its lid and label; or a frame of honeycomb."""

    def draw_jar(draw: Draw) -> None:
        if comb:
            side = 70 * SCALE
            for row in range(-4, 5):
                for col in range(-4, 5):
                    cx = SIDE / 2 + col * side * 1.5
                    cy = (
                        SIDE * 0.5 + row * side * math.sqrt(3) + (col % 2) * side * math.sqrt(3) / 2
                    )
                    hexagon = [
                        (
                            cx + side * math.cos(math.pi / 3 * k),
                            cy + side * math.sin(math.pi / 3 * k),
                        )
                        for k in range(6)
                    ]
                    draw.polygon(hexagon, fill=honey, outline=_shade(honey, 0.6), width=10)
            return
        left, right, top, bottom = 0.3 * SIDE, 0.7 * SIDE, 0.28 * SIDE, 0.8 * SIDE
        draw.rounded_rectangle((left, top, right, bottom), 80, fill=honey, outline="white", width=8)
        draw.rounded_rectangle(
            (left + 20, top - 110, right - 20, top + 10), 30, fill=(190, 60, 40), outline=None
        )
        draw.rectangle((left, 0.45 * SIDE, right, 0.63 * SIDE), fill=(250, 244, 220))
        _ellipse(draw, left + 90, top + 120, 30, 70, fill=_shade(honey, 1.3))

    return draw_jar


def tea(leaf: Colour, boxed: bool = True) -> Callable:
    """A tin of tea with a leaf on it, and a cup; or a heap of loose leaves."""

    def draw_leaf(draw: Draw, cx: float, cy: float, size: float, angle: float) -> None:
        points = []
        for t in range(0, 361, 15):
            a = math.radians(t)
            x, y = size * math.cos(a), size * 0.42 * math.sin(a) * abs(math.cos(a / 2)) ** 0.3
            points.append(
                (
                    cx + x * math.cos(angle) - y * math.sin(angle),
                    cy + x * math.sin(angle) + y * math.cos(angle),
                )
            )
        draw.polygon(points, fill=leaf, outline=_shade(leaf, 0.6), width=4)

    def draw_tea(draw: Draw) -> None:
        if boxed:
            draw.rounded_rectangle(
                (0.18 * SIDE, 0.22 * SIDE, 0.55 * SIDE, 0.8 * SIDE), 30, fill=_shade(leaf, 0.55)
            )
            draw_leaf(draw, 0.365 * SIDE, 0.45 * SIDE, 150, -0.6)
            _ellipse(draw, 0.74 * SIDE, 0.66 * SIDE, 190, 60, fill=(245, 245, 240))
            draw.rectangle(
                (0.74 * SIDE - 170, 0.66 * SIDE - 10, 0.74 * SIDE + 170, 0.66 * SIDE + 70)
            )
            draw.pieslice(
                (0.74 * SIDE - 170, 0.66 * SIDE - 120, 0.74 * SIDE + 170, 0.66 * SIDE + 200),
                0,
                180,
                fill=(245, 245, 240),
                outline=(200, 200, 200),
                width=6,
            )
            _ellipse(draw, 0.74 * SIDE, 0.66 * SIDE, 165, 48, fill=_shade(leaf, 1.2))
            return
        for i in range(14):
            angle = i * 2.4
            r = 40 + 18 * i
            draw_leaf(
                draw, SIDE / 2 + r * math.cos(angle), SIDE * 0.55 + r * math.sin(angle), 120, angle
            )

    return draw_tea


def bag(colour: Colour, grain: Colour) -> Callable:
    """A tied sack with a window showing what is inside."""

    def draw_bag(draw: Draw) -> None:
        body = [
            (0.28 * SIDE, 0.3 * SIDE),
            (0.72 * SIDE, 0.3 * SIDE),
            (0.78 * SIDE, 0.82 * SIDE),
            (0.22 * SIDE, 0.82 * SIDE),
        ]
        draw.polygon(body, fill=colour, outline=_shade(colour, 0.7), width=10)
        draw.polygon(
            [(0.3 * SIDE, 0.3 * SIDE), (0.5 * SIDE, 0.18 * SIDE), (0.7 * SIDE, 0.3 * SIDE)],
            fill=_shade(colour, 0.9),
        )
        draw.rectangle((0.4 * SIDE, 0.27 * SIDE, 0.6 * SIDE, 0.31 * SIDE), fill=(150, 40, 30))
        window = (0.34 * SIDE, 0.46 * SIDE, 0.66 * SIDE, 0.72 * SIDE)
        draw.rounded_rectangle(window, 40, fill=(250, 248, 240))
        for i in range(60):
            x = window[0] + 40 + (i * 97) % (window[2] - window[0] - 80)
            y = window[1] + 40 + (i * 53) % (window[3] - window[1] - 80)
            _ellipse(draw, x, y, 22, 13, fill=grain)

    return draw_bag


def bottle(oil: Colour) -> Callable:
    def draw_bottle(draw: Draw) -> None:
        draw.rounded_rectangle((0.36 * SIDE, 0.34 * SIDE, 0.64 * SIDE, 0.84 * SIDE), 60, fill=oil)
        draw.polygon(
            [
                (0.4 * SIDE, 0.36 * SIDE),
                (0.46 * SIDE, 0.2 * SIDE),
                (0.54 * SIDE, 0.2 * SIDE),
                (0.6 * SIDE, 0.36 * SIDE),
            ],
            fill=oil,
        )
        draw.rectangle((0.455 * SIDE, 0.14 * SIDE, 0.545 * SIDE, 0.2 * SIDE), fill=(40, 110, 50))
        draw.rectangle((0.36 * SIDE, 0.52 * SIDE, 0.64 * SIDE, 0.68 * SIDE), fill=(250, 240, 210))
        _ellipse(draw, 0.42 * SIDE, 0.44 * SIDE, 20, 60, fill=_shade(oil, 1.35))

    return draw_bottle


def mushrooms(cap: Colour, ear: bool = False) -> Callable:
    """Mushroom caps on their stalks; or the ruffled ears of black fungus."""

    def draw_mushrooms(draw: Draw) -> None:
        for cx, cy, size in ((0.3, 0.45, 170), (0.68, 0.42, 190), (0.5, 0.66, 150)):
            x, y, r = cx * SIDE, cy * SIDE, size * SCALE
            if ear:
                for k in range(7):
                    a = k * 0.9
                    _ellipse(
                        draw,
                        x + 60 * math.cos(a),
                        y + 40 * math.sin(a),
                        r * 0.6,
                        r * 0.45,
                        fill=_shade(cap, 1 + 0.08 * (k % 3)),
                        outline=(10, 10, 10),
                        width=5,
                    )
                continue
            draw.rounded_rectangle(
                (x - r * 0.25, y, x + r * 0.25, y + r * 1.1), 30, fill=(240, 225, 195)
            )
            draw.pieslice((x - r, y - r * 0.8, x + r, y + r * 0.8), 180, 360, fill=cap)
            for k in range(6):
                _ellipse(
                    draw,
                    x - r * 0.6 + k * r * 0.24,
                    y - r * 0.35 - (k % 2) * 30,
                    16,
                    10,
                    fill=_shade(cap, 1.5),
                )

    return draw_mushrooms


def nuts(shell: Colour, count: int = 7) -> Callable:
    def draw_nuts(draw: Draw) -> None:
        for i in range(count):
            angle = i * 2 * math.pi / count
            x = SIDE / 2 + (0 if i == 0 else 240 * SCALE * math.cos(angle))
            y = SIDE * 0.5 + (0 if i == 0 else 200 * SCALE * math.sin(angle))
            rx, ry = 110 * SCALE, 95 * SCALE
            _ellipse(draw, x, y, rx, ry, fill=shell, outline=_shade(shell, 0.6), width=12)
            draw.arc(
                (x - rx * 0.7, y - ry * 0.7, x + rx * 0.7, y + ry * 0.7),
                200,
                340,
                fill=_shade(shell, 0.6),
                width=12,
            )
            draw.line((x, y - ry, x, y + ry), fill=_shade(shell, 0.6), width=10)

    return draw_nuts


def eggs(draw: Draw) -> None:
    draw.rounded_rectangle(
        (0.12 * SIDE, 0.5 * SIDE, 0.88 * SIDE, 0.8 * SIDE), 40, fill=(190, 160, 120)
    )
    for row in range(2):
        for col in range(5):
            x = 0.2 * SIDE + col * 0.15 * SIDE
            y = 0.5 * SIDE - 30 + row * 0.14 * SIDE
            _ellipse(draw, x, y, 95, 120, fill=(245, 225, 195), outline=(200, 170, 130), width=6)


def chicken(draw: Draw) -> None:
    _ellipse(draw, 0.48 * SIDE, 0.6 * SIDE, 360, 260, fill=(170, 90, 40))
    draw.polygon(
        [(0.7 * SIDE, 0.5 * SIDE), (0.9 * SIDE, 0.3 * SIDE), (0.86 * SIDE, 0.6 * SIDE)],
        fill=(60, 40, 30),
    )
    _ellipse(draw, 0.3 * SIDE, 0.36 * SIDE, 140, 140, fill=(180, 100, 45))
    draw.polygon(
        [(0.2 * SIDE, 0.35 * SIDE), (0.13 * SIDE, 0.38 * SIDE), (0.21 * SIDE, 0.41 * SIDE)],
        fill=(240, 180, 30),
    )
    for k in range(3):
        _ellipse(draw, 0.27 * SIDE + k * 45, 0.27 * SIDE - (k % 2) * 20, 34, 40, fill=(210, 40, 40))
    _ellipse(draw, 0.27 * SIDE, 0.35 * SIDE, 18, 18, fill="black")
    for x in (0.42, 0.55):
        draw.line((x * SIDE, 0.78 * SIDE, x * SIDE, 0.9 * SIDE), fill=(240, 180, 30), width=22)


def pork(draw: Draw) -> None:
    for i, y in enumerate((0.32, 0.5, 0.68)):
        top = y * SIDE
        draw.rounded_rectangle(
            (0.18 * SIDE, top, 0.82 * SIDE, top + 0.15 * SIDE), 40, fill=(150, 50, 35)
        )
        draw.rectangle(
            (0.18 * SIDE + 40, top + 30, 0.82 * SIDE - 40, top + 70), fill=(245, 220, 190)
        )
        draw.rectangle(
            (0.18 * SIDE + 40, top + 120, 0.82 * SIDE - 40, top + 150 + 10 * i),
            fill=(235, 200, 170),
        )
    draw.line((0.5 * SIDE, 0.12 * SIDE, 0.5 * SIDE, 0.32 * SIDE), fill=(120, 90, 50), width=14)


def shoes(draw: Draw) -> None:
    for dx, dy in ((0, 0), (0.08, 0.2)):
        x, y = (0.16 + dx) * SIDE, (0.38 + dy) * SIDE
        draw.rounded_rectangle((x, y, x + 0.62 * SIDE, y + 0.2 * SIDE), 120, fill=(30, 30, 35))
        draw.rounded_rectangle(
            (x, y + 0.16 * SIDE, x + 0.62 * SIDE, y + 0.22 * SIDE), 40, fill=(245, 240, 225)
        )
        _ellipse(draw, x + 0.42 * SIDE, y + 0.05 * SIDE, 110, 45, fill=(70, 60, 60))


def basket(draw: Draw) -> None:
    draw.arc(
        (0.22 * SIDE, 0.12 * SIDE, 0.78 * SIDE, 0.75 * SIDE),
        180,
        360,
        fill=(170, 130, 60),
        width=36,
    )
    draw.pieslice((0.16 * SIDE, 0.2 * SIDE, 0.84 * SIDE, 0.88 * SIDE), 0, 180, fill=(200, 160, 80))
    for i in range(12):
        x = 0.18 * SIDE + i * 0.055 * SIDE
        draw.line((x, 0.54 * SIDE, x + 40, 0.84 * SIDE), fill=(150, 110, 50), width=10)
    for k in range(4):
        y = 0.58 * SIDE + k * 0.07 * SIDE
        draw.line((0.2 * SIDE, y, 0.8 * SIDE, y), fill=(150, 110, 50), width=10)
    for cx in (0.38, 0.5, 0.62):
        _ellipse(draw, cx * SIDE, 0.52 * SIDE, 90, 90, fill=(200, 40, 40))


def cushion(draw: Draw) -> None:
    cx, cy = SIDE / 2, SIDE * 0.55
    for ring in range(12, 0, -1):
        colour = (215, 190, 110) if ring % 2 else (190, 160, 85)
        _ellipse(draw, cx, cy, ring * 50, ring * 50, fill=colour)


def crisps(draw: Draw) -> None:
    bag((235, 90, 70), (250, 225, 160))(draw)
    for x, y in ((0.4, 0.56), (0.55, 0.62), (0.48, 0.68)):
        _ellipse(
            draw, x * SIDE, y * SIDE, 70, 55, fill=(250, 220, 150), outline=(200, 60, 40), width=8
        )


RED, GOLD, AMBER = (200, 40, 40), (225, 195, 60), (215, 145, 30)

# What each demo product looks like, by its name; the background behind it.
MOTIFS: dict[str, tuple[Callable, Colour]] = {
    "青山红富士苹果": (fruit(RED), (253, 236, 230)),
    "青山红苹果（散装称重）": (fruit((185, 35, 45), radius=140, count=5), (253, 240, 232)),
    "青山黄元帅苹果": (fruit(GOLD), (252, 246, 222)),
    "山地小苹果": (fruit((215, 70, 50), radius=110, count=5), (244, 248, 230)),
    "冬枣": (fruit((150, 170, 60), radius=130, count=5, oval=1.25), (245, 248, 228)),
    "猕猴桃": (kiwi, (240, 246, 226)),
    "百花土蜂蜜": (jar(AMBER), (254, 246, 224)),
    "槐花蜜": (jar((240, 205, 110)), (254, 250, 232)),
    "枣花蜜": (jar((180, 100, 30)), (252, 240, 220)),
    "蜂巢蜜": (jar((235, 170, 40), comb=True), (254, 246, 224)),
    "明前云雾绿茶": (tea((70, 150, 60)), (234, 246, 232)),
    "高山红茶": (tea((150, 60, 40)), (248, 236, 228)),
    "散装绿茶（称重）": (tea((80, 140, 50), boxed=False), (236, 246, 230)),
    "富硒大米": (bag((245, 240, 225), (255, 255, 250)), (236, 240, 232)),
    "富硒糙米": (bag((200, 175, 130), (205, 170, 110)), (244, 238, 226)),
    "小磨香油": (bottle((150, 80, 20)), (250, 240, 226)),
    "农家菜籽油": (bottle((230, 185, 40)), (252, 248, 226)),
    "小米": (bag((230, 210, 150), (245, 200, 50)), (250, 246, 228)),
    "干香菇": (mushrooms((120, 75, 45)), (244, 236, 226)),
    "黑木耳": (mushrooms((40, 35, 35), ear=True), (236, 236, 232)),
    "薄皮核桃": (nuts((190, 150, 95)), (246, 240, 228)),
    "野生榛蘑": (mushrooms((190, 140, 80)), (244, 240, 228)),
    "红枣干": (fruit((150, 25, 30), radius=100, count=5, oval=1.3), (250, 236, 230)),
    "土鸡蛋": (eggs, (246, 240, 230)),
    "散养土鸡": (chicken, (236, 244, 228)),
    "农家腊肉": (pork, (246, 236, 228)),
    "手工布鞋": (shoes, (236, 238, 244)),
    "竹编果篮": (basket, (240, 244, 230)),
    "草编坐垫": (cushion, (244, 242, 230)),
    "苹果脆片": (crisps, (252, 240, 232)),
}
FALLBACK: tuple[Callable, Colour] = (bag((220, 210, 190), (180, 150, 100)), (240, 240, 236))


def _caption(image: Image.Image, text: str, size: int = 56) -> None:
    draw = ImageDraw.Draw(image)
    band = (0, SIDE - 150 * SCALE, SIDE, SIDE)
    draw.rectangle(band, fill=(47, 107, 58))
    draw.text((SIDE / 2, SIDE - 75 * SCALE), text, fill="white", font=font(size), anchor="mm")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.resize((image.width // SCALE, image.height // SCALE), Image.Resampling.LANCZOS).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def _upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "image/png")


def product_picture(name: str) -> SimpleUploadedFile:
    """The product's produce on its colour, its name across the bottom."""
    motif, background = MOTIFS.get(name, FALLBACK)
    image = Image.new("RGB", (SIDE, SIDE), background)
    motif(ImageDraw.Draw(image))
    _caption(image, name)
    return _upload(_png(image), "product.png")


def _hills(draw: Draw, width: int, height: int, sky: Colour) -> None:
    """Sky, sun, three ranges of green hills and terraced fields."""
    draw.rectangle((0, 0, width, height), fill=sky)
    _ellipse(draw, width * 0.8, height * 0.22, height * 0.1, height * 0.1, fill=(250, 210, 90))
    for level, colour in enumerate(((120, 170, 110), (80, 140, 80), (50, 110, 60))):
        base = height * (0.45 + 0.13 * level)
        points = [(0, height)]
        for step in range(0, 41):
            x = width * step / 40
            y = base - height * 0.12 * math.sin(step / 40 * math.pi * (2 + level) + level)
            points.append((x, y))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    for k in range(5):
        y = height * (0.82 + 0.035 * k)
        draw.line(
            (0, y, width, y - height * 0.05), fill=(170, 200, 120), width=max(4, height // 90)
        )


def origin_picture(village: str, seller: str) -> SimpleUploadedFile:
    """Where a product comes from: the hills of its village, the village and seller named."""
    return _upload(_origin_png(village, seller), "origin.png")


@functools.cache
def _origin_png(village: str, seller: str) -> bytes:
    # A seller's products share their village's picture: drawn once.
    image = Image.new("RGB", (SIDE, SIDE))
    _hills(ImageDraw.Draw(image), SIDE, SIDE, (205, 228, 240))
    _caption(image, f"{village} · {seller}", size=44)
    return _png(image)


def logo(text: str, colour: Colour) -> SimpleUploadedFile:
    """A round seal with the brand's characters, on transparency."""
    side = 512 * SCALE
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (8, 8, side - 8, side - 8), fill=(*colour, 255), outline=(255, 255, 255, 255), width=24
    )
    draw.ellipse((60, 60, side - 60, side - 60), outline=(255, 255, 255, 200), width=10)
    # Four characters go on two lines of two, as a seal carves them.
    lines = [text[:2], text[2:4]] if len(text) > 2 else [text]
    size = 200 if len(lines) == 1 else 150
    for index, line in enumerate(lines):
        y = side / 2 + (index - (len(lines) - 1) / 2) * size * SCALE * 1.1
        draw.text((side / 2, y), line, fill="white", font=font(size), anchor="mm")
    return _upload(_png(image), "logo.png")


def banner(title: str, slogan: str) -> SimpleUploadedFile:
    width, height = 1600 * SCALE, 480 * SCALE
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    _hills(draw, width, height, (190, 222, 238))
    draw.text((width * 0.06, height * 0.2), title, fill=(30, 70, 40), font=font(96))
    draw.text((width * 0.06, height * 0.2 + 130 * SCALE), slogan, fill=(30, 70, 40), font=font(44))
    return _upload(_png(image), "banner.png")


BRAND_COLOURS: dict[str, Colour] = {
    "qingshan-goods": (47, 107, 58),
    "qingshan-apple": (190, 40, 40),
    "qingshan-honey": (210, 140, 30),
    "qingshan-tea": (60, 130, 70),
    "qingshan-rice": (150, 120, 60),
    "qingshan-wild": (110, 80, 50),
}


def build_pictures(county: Any, products: list[Any], admin: Any) -> int:
    """Two pictures for every product (the produce; its village), a logo for every brand and
    the county's banner, through the services; the number of pictures added."""
    added = 0
    for product in products:
        add_product_image(
            actor=admin,
            product=product,
            upload=product_picture(product.name),
            alt_text=product.name,
            alt_text_en=product.name_en,
        )
        village = product.seller.village.name if product.seller.village else county.name
        add_product_image(
            actor=admin,
            product=product,
            upload=origin_picture(village, product.seller.name),
            alt_text=f"{product.name}的产地：{village}",
            alt_text_en=f"Where {product.name_en or product.name} comes from",
        )
        added += 2
    for brand in Brand.objects.filter(county=county).order_by("pk"):
        # The brand's own word: what follows 青山 in a product brand, the whole public brand.
        text = brand.name.removeprefix("青山")[:2] if brand.parent_id else brand.name
        colour = BRAND_COLOURS.get(brand.slug, (47, 107, 58))
        set_brand_logo(actor=admin, brand=brand, upload=logo(text, colour))
    brand = Brand.objects.filter(county=county, parent__isnull=True).first()
    slogan = brand.name if brand else ""
    set_county_banner(actor=admin, county=county, upload=banner(county.name, slogan))
    return added

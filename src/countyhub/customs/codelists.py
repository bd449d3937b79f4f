"""The customs code lists countyhub checks messages against: currencies, countries, units,
transport modes and package types (see data/SOURCES.md). The GACC schema checks only the form
of these fields (three characters), so "CNY" in a currency field passes it; these lists do not."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from countyhub.customs.errors import CodeListError, CurrencyError

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Code:
    code: str
    name_zh: str
    name_en: str
    # The ISO code the customs code stands for (currencies and countries), else "".
    iso: str = ""

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def currencies() -> dict[str, Code]:
    """Customs currency code → entry (its `iso` is the ISO 4217 code)."""
    return {
        row["customs_code"]: Code(row["customs_code"], row["name_zh"], row["name_en"], row["iso"])
        for row in _read("currencies.csv")
    }


@cache
def countries() -> dict[str, Code]:
    """Customs country (region) code → entry (its `iso` is the ISO 3166-1 alpha-2 code)."""
    return {
        row["customs_code"]: Code(row["customs_code"], row["name_zh"], row["name_en"], row["iso"])
        for row in _read("countries.csv")
    }


@cache
def units() -> dict[str, Code]:
    return {
        row["code"]: Code(row["code"], row["name_zh"], row["name_en"]) for row in _read("units.csv")
    }


@cache
def transport_modes() -> dict[str, Code]:
    return {
        row["code"]: Code(row["code"], row["name_zh"], row["name_en"])
        for row in _read("transport_modes.csv")
    }


@cache
def package_types() -> dict[str, Code]:
    return {
        row["code"]: Code(row["code"], row["name_zh"], row["name_en"])
        for row in _read("package_types.csv")
    }


def customs_currency(iso: str) -> str:
    """`USD` → `502`: the numeric code the CEB messages carry."""
    for entry in currencies().values():
        if entry.iso == iso:
            return entry.code
    raise CurrencyError(f"currency {iso!r} has no customs currency code in the code list")


def customs_country(iso: str) -> str:
    """`US` → `502`."""
    for entry in countries().values():
        if entry.iso == iso:
            return entry.code
    raise CodeListError(f"country {iso!r} has no customs country code in the code list")


def iso_currency(customs_code: str) -> str:
    entry = currencies().get(customs_code)
    if entry is None:
        raise CurrencyError(f"customs currency code {customs_code!r} is not in the code list")
    return entry.iso


def iso_country(customs_code: str) -> str:
    entry = countries().get(customs_code)
    if entry is None:
        raise CodeListError(f"customs country code {customs_code!r} is not in the code list")
    return entry.iso

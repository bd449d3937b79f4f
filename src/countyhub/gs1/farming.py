"""The county's production-step vocabulary per product category, as data.

Each category lists the steps a lot of that kind goes through before it is packed: which are
field (or apiary, or workshop) steps that the lot's harvest closes, which step each one needs
before it, and which carry a waiting period (a spraying's pre-harvest interval, a hive
treatment's withdrawal period). The harvest-like step (a fruit harvest, a honey extraction, a
tea plucking, a craft's finishing) is CBV `commissioning`; every other step is a bizStep of the
county's CBV extension (`CountyVocabulary.biz_step`), published by `extension_document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from countyhub.gs1 import cbv

HARVEST = "harvest"  # the code of every category's commissioning step


@dataclass(frozen=True)
class Step:
    code: str  # a cbv.FarmingStep value, or HARVEST
    name_zh: str
    name_en: str
    field: bool = True  # before the harvest: none may be dated after it
    needs: str | None = None  # a step that must come first, when it is recorded
    interval: bool = False  # carries preHarvestIntervalDays (a spraying or a treatment)

    @property
    def is_harvest(self) -> bool:
        return self.code == HARVEST


def _harvest(zh: str, en: str, needs: str | None) -> Step:
    return Step(HARVEST, zh, en, field=False, needs=needs)


_P = cbv.FarmingStep
_CROP = (
    Step(_P.PLANTING, "种植", "planting"),
    Step(_P.FERTILISING, "施肥", "fertilising"),
    Step(_P.IRRIGATION, "灌溉", "irrigation"),
    Step(_P.SPRAYING, "施药", "spraying", interval=True),
)
VOCABULARIES: dict[str, tuple[Step, ...]] = {
    "fruit": (*_CROP, _harvest("采收", "harvest", _P.PLANTING)),
    "grain": (*_CROP, _harvest("收割", "harvest", _P.PLANTING)),
    "tea": (
        Step(_P.PLANTING, "种植", "planting"),
        Step(_P.FERTILISING, "施肥", "fertilising"),
        Step(_P.SPRAYING, "施药", "spraying", interval=True),
        _harvest("采摘", "plucking", _P.PLANTING),
        Step(_P.PROCESSING, "制茶（杀青、揉捻、干燥）", "processing", field=False, needs=HARVEST),
    ),
    "honey": (
        Step(_P.HIVES_PLACED, "放蜂", "hives placed"),
        Step(_P.FEEDING, "饲喂", "feeding", needs=_P.HIVES_PLACED),
        Step(_P.TREATMENT, "蜂病防治", "treatment", needs=_P.HIVES_PLACED, interval=True),
        _harvest("摇蜜", "extraction", _P.HIVES_PLACED),
    ),
    "mushroom": (
        Step(_P.INOCULATION, "接种", "inoculation"),
        Step(_P.FRUITING, "出菇管理", "fruiting", needs=_P.INOCULATION),
        _harvest("采菇", "picking", _P.FRUITING),
    ),
    "livestock": (
        Step(_P.FEEDING, "饲喂", "feeding"),
        Step(_P.TREATMENT, "防疫用药", "treatment", interval=True),
        _harvest("收集", "collecting", None),
    ),
    "handicraft": (
        Step(_P.MAKING, "制作", "making"),
        _harvest("完工", "finishing", _P.MAKING),
    ),
}
# Category slugs as counties name them, and the vocabulary each uses; unknown ones are crops.
CATEGORY_VOCABULARY = {
    "fruit": "fruit",
    "vegetable": "fruit",
    "grain": "grain",
    "tea": "tea",
    "honey": "honey",
    "mushroom": "mushroom",
    "dried": "mushroom",
    "eggs-meat": "livestock",
    "livestock": "livestock",
    "handicraft": "handicraft",
    "crafts": "handicraft",
}
DEFAULT_VOCABULARY = "fruit"


def vocabulary_of(category_slug: str) -> str:
    return CATEGORY_VOCABULARY.get(category_slug, DEFAULT_VOCABULARY)


def steps_for(category_slug: str) -> tuple[Step, ...]:
    """The steps offered for a product of this category, in the order of the lot's life."""
    return VOCABULARIES[vocabulary_of(category_slug)]


def step_of(category_slug: str, code: str) -> Step | None:
    return next((step for step in steps_for(category_slug) if step.code == code), None)


def harvest_of(category_slug: str) -> Step:
    return next(step for step in steps_for(category_slug) if step.is_harvest)


def extension_document(vocabulary: cbv.CountyVocabulary) -> dict[str, Any]:
    """The county's CBV extension as JSON-LD: every extension bizStep with its names, and per
    category the steps in order (harvest-like steps are CBV `commissioning`)."""
    terms: dict[str, dict[str, Any]] = {}
    categories = {}
    for name, steps in VOCABULARIES.items():
        listed = []
        for step in steps:
            if step.is_harvest:
                listed.append({"bizStep": "commissioning", "name": step.name_en})
                continue
            uri = vocabulary.biz_step(cbv.FarmingStep(step.code))
            listed.append({"bizStep": uri, "name": step.name_en})
            terms.setdefault(
                uri,
                {
                    "@id": uri,
                    "@type": "cbv:BizStep",
                    "rdfs:label": [
                        {"@value": step.name_en, "@language": "en"},
                        {"@value": step.name_zh, "@language": "zh-Hans"},
                    ],
                },
            )
        categories[name] = listed
    return {
        "@context": {
            "cbv": "https://ref.gs1.org/cbv/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            **vocabulary.context(),
        },
        "@id": vocabulary.namespace,
        "@graph": sorted(terms.values(), key=lambda term: term["@id"]),
        f"{cbv.COUNTY_PREFIX}:categories": categories,
    }

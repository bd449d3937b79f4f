"""CBV 2.0 vocabularies, EPCIS event types with their required fields, and the county vocabulary.

CBV has no "harvesting": CBV.ttl defines `commissioning` as covering harvesting of fruit and
vegetables, so a harvest is `commissioning`. Farming steps CBV does not name (planting,
fertilising, spraying, irrigation) are extension URIs under the county vocabulary namespace, the
way EPCIS 2.0 allows user vocabularies; their details are namespaced event properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# cbv-context-bizstep.jsonld: the 41 CBV 2.0 business steps.
BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DESTINATION_TYPES = frozenset(["owning_party", "possessing_party", "location"])
ERROR_REASONS = frozenset(["did_not_occur", "incorrect_data"])
ACTIONS = frozenset(["ADD", "OBSERVE", "DELETE"])

# The web vocabulary prefixes and the legacy URN prefixes of each CBV vocabulary.
_VOCABULARIES: dict[str, tuple[frozenset[str], str, str]] = {
    "bizStep": (BIZ_STEPS, "https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": (DISPOSITIONS, "https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"),
    "bizTransactionType": (
        BIZ_TRANSACTION_TYPES,
        "https://ref.gs1.org/cbv/BTT-",
        "urn:epcglobal:cbv:btt:",
    ),
    "sourceDestType": (
        SOURCE_DESTINATION_TYPES,
        "https://ref.gs1.org/cbv/SDT-",
        "urn:epcglobal:cbv:sdt:",
    ),
    "errorReason": (ERROR_REASONS, "https://ref.gs1.org/cbv/ER-", "urn:epcglobal:cbv:er:"),
}


class EventType(StrEnum):
    OBJECT = "ObjectEvent"
    AGGREGATION = "AggregationEvent"
    TRANSFORMATION = "TransformationEvent"
    ASSOCIATION = "AssociationEvent"
    TRANSACTION = "TransactionEvent"


# Fields each event type must carry (EPCIS 2.0 JSON schema plus the standard's prose rules, e.g.
# parentID of an AggregationEvent is optional only when action is OBSERVE).
REQUIRED_FIELDS: dict[EventType, tuple[str, ...]] = {
    EventType.OBJECT: ("eventTime", "eventTimeZoneOffset", "action"),
    EventType.AGGREGATION: ("eventTime", "eventTimeZoneOffset", "action"),
    EventType.TRANSFORMATION: ("eventTime", "eventTimeZoneOffset"),
    EventType.ASSOCIATION: ("eventTime", "eventTimeZoneOffset", "action", "parentID"),
    EventType.TRANSACTION: ("eventTime", "eventTimeZoneOffset", "action", "bizTransactionList"),
}


def vocabulary_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a valid `kind` value (bizStep, disposition, ...), or None if it is.

    Bare CBV words, CBV web-vocabulary URIs and legacy CBV URNs must name a CBV term; any other
    absolute URI is a user extension and allowed (EPCIS 2.0 section 6 extension mechanism).
    """
    terms, web_prefix, urn_prefix = _VOCABULARIES[kind]
    for prefix in (web_prefix, urn_prefix):
        if value.startswith(prefix):
            term = value.removeprefix(prefix)
            return None if term in terms else f"{term!r} is not a CBV 2.0 {kind}"
    if ":" in value:
        return None
    if value in terms:
        return None
    return f"{value!r} is not a CBV 2.0 {kind} and not an extension URI"


def bare_term(kind: str, value: str) -> str:
    """`https://ref.gs1.org/cbv/BizStep-shipping` -> `shipping`; extensions stay as they are."""
    _, web_prefix, urn_prefix = _VOCABULARIES[kind]
    for prefix in (web_prefix, urn_prefix):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def term_forms(kind: str, value: str) -> list[str]:
    """Every way an event may write the `kind` value `value`: a CBV term bare, as GS1's web
    URI and as the legacy URN (`shipping`, `https://ref.gs1.org/cbv/BizStep-shipping`, ...);
    an extension only as it is."""
    terms, web_prefix, urn_prefix = _VOCABULARIES[kind]
    term = bare_term(kind, value)
    if term not in terms:
        return [value]
    return [term, web_prefix + term, urn_prefix + term]


# The county vocabulary: one configurable namespace (JSON-LD prefix `county`).
COUNTY_PREFIX = "county"
DEFAULT_COUNTY_NAMESPACE = "https://countyhub.example/voc/"


class FarmingStep(StrEnum):
    PLANTING = "planting"
    FERTILISING = "fertilising"
    SPRAYING = "spraying"
    IRRIGATION = "irrigation"
    # Steps of other product categories (countyhub.gs1.farming lists which category uses which).
    HIVES_PLACED = "hives_placed"
    FEEDING = "feeding"
    TREATMENT = "treatment"
    PROCESSING = "processing"
    INOCULATION = "inoculation"
    FRUITING = "fruiting"
    MAKING = "making"


@dataclass(frozen=True)
class CountyVocabulary:
    """Farming business steps and properties under `namespace` (must end with '/' or '#')."""

    namespace: str = DEFAULT_COUNTY_NAMESPACE

    def __post_init__(self) -> None:
        if not self.namespace.startswith(("https://", "http://")) or self.namespace[-1] not in "/#":
            raise ValueError(
                f"county vocabulary namespace {self.namespace!r}: expected an http(s) URI "
                "ending in '/' or '#'"
            )

    def biz_step(self, step: FarmingStep) -> str:
        return f"{self.namespace}BizStep-{step.value}"

    def context(self) -> dict[str, str]:
        """The JSON-LD context entry that maps `county:` to the namespace."""
        return {COUNTY_PREFIX: self.namespace}


def _property(name: str) -> str:
    return f"{COUNTY_PREFIX}:{name}"


@dataclass(frozen=True)
class Planting:
    crop: str
    variety: str | None = None
    area_mu: float | None = None  # 亩, the unit Chinese farms report plots in

    def extensions(self) -> dict[str, Any]:
        values = {"crop": self.crop, "variety": self.variety, "areaMu": self.area_mu}
        return {_property(k): v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Fertilising:
    product: str
    dose: float
    dose_unit: str  # UN/CEFACT code, e.g. KGM (per area given by `per_area_mu`)
    per_area_mu: float | None = None

    def __post_init__(self) -> None:
        if self.dose <= 0:
            raise ValueError(f"fertiliser dose {self.dose}: must be positive")

    def extensions(self) -> dict[str, Any]:
        values = {
            "fertiliserProduct": self.product,
            "dose": self.dose,
            "doseUnit": self.dose_unit,
            "areaMu": self.per_area_mu,
        }
        return {_property(k): v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Spraying:
    product: str
    pre_harvest_interval_days: int
    dose: float | None = None
    dose_unit: str | None = None

    def __post_init__(self) -> None:
        if self.pre_harvest_interval_days < 0:
            raise ValueError(
                f"pre-harvest interval {self.pre_harvest_interval_days} days: must be >= 0"
            )

    def extensions(self) -> dict[str, Any]:
        values = {
            "sprayProduct": self.product,
            "preHarvestIntervalDays": self.pre_harvest_interval_days,
            "dose": self.dose,
            "doseUnit": self.dose_unit,
        }
        return {_property(k): v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Irrigation:
    volume_m3: float
    method: str | None = None  # e.g. drip, sprinkler, flood

    def extensions(self) -> dict[str, Any]:
        values = {"irrigationVolumeM3": self.volume_m3, "irrigationMethod": self.method}
        return {_property(k): v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Treatment:
    """A veterinary treatment (of hives, of livestock): nothing of the lot may be taken before
    its withdrawal period (休药期) has passed, the way a spraying's pre-harvest interval works."""

    product: str
    withdrawal_days: int
    dose: float | None = None
    dose_unit: str | None = None

    def __post_init__(self) -> None:
        if self.withdrawal_days < 0:
            raise ValueError(f"withdrawal period {self.withdrawal_days} days: must be >= 0")

    def extensions(self) -> dict[str, Any]:
        values = {
            "treatmentProduct": self.product,
            "withdrawalPeriodDays": self.withdrawal_days,
            "dose": self.dose,
            "doseUnit": self.dose_unit,
        }
        return {_property(k): v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Activity:
    """A step whose record is what was done and with what (feeding, inoculation, processing,
    making): a short description and, optionally, the material used."""

    description: str
    material: str | None = None

    def __post_init__(self) -> None:
        if not self.description.strip():
            raise ValueError("an activity needs a description")

    def extensions(self) -> dict[str, Any]:
        values = {"description": self.description, "material": self.material}
        return {_property(k): v for k, v in values.items() if v is not None}


StepDetails = Planting | Fertilising | Spraying | Irrigation | Treatment | Activity
FARMING_DETAILS: dict[FarmingStep, type] = {
    FarmingStep.PLANTING: Planting,
    FarmingStep.FERTILISING: Fertilising,
    FarmingStep.SPRAYING: Spraying,
    FarmingStep.IRRIGATION: Irrigation,
    FarmingStep.HIVES_PLACED: Activity,
    FarmingStep.FEEDING: Activity,
    FarmingStep.TREATMENT: Treatment,
    FarmingStep.PROCESSING: Activity,
    FarmingStep.INOCULATION: Activity,
    FarmingStep.FRUITING: Activity,
    FarmingStep.MAKING: Activity,
}
# Properties holding a waiting period before harvest, and the product it is for.
INTERVAL_PROPERTIES = (
    (_property("preHarvestIntervalDays"), _property("sprayProduct")),
    (_property("withdrawalPeriodDays"), _property("treatmentProduct")),
)


class DocumentResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class AttachedDocument:
    """A certificate or a lab report attached to an event, with its pass/fail result.

    Certificates also go into the event's `certificationInfo` (the standard place for them);
    the document list keeps kind, result and issuer, which `certificationInfo` cannot.
    """

    kind: str  # "certificate" or "lab_report"
    uri: str
    result: DocumentResult
    issuer: str | None = None
    title: str | None = None
    standard: str | None = None  # the standard checked against, e.g. "GB 2763-2021"

    def __post_init__(self) -> None:
        if self.kind not in ("certificate", "lab_report"):
            raise ValueError(f"document kind {self.kind!r}: expected certificate or lab_report")
        if ":" not in self.uri:
            raise ValueError(f"document uri {self.uri!r}: expected an absolute URI")

    def to_json(self) -> dict[str, Any]:
        values = {
            _property("documentKind"): self.kind,
            _property("documentURI"): self.uri,
            _property("result"): self.result.value,
            _property("issuer"): self.issuer,
            _property("title"): self.title,
            _property("standard"): self.standard,
        }
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AttachedDocument:
        return cls(
            kind=data[_property("documentKind")],
            uri=data[_property("documentURI")],
            result=DocumentResult(data[_property("result")]),
            issuer=data.get(_property("issuer")),
            title=data.get(_property("title")),
            standard=data.get(_property("standard")),
        )


DOCUMENTS_PROPERTY = _property("documents")


def documents_extension(documents: list[AttachedDocument]) -> dict[str, Any]:
    return {DOCUMENTS_PROPERTY: [document.to_json() for document in documents]}


def attached_documents(extensions: dict[str, Any]) -> list[AttachedDocument]:
    """Read the attached documents back from an event's extension properties."""
    return [AttachedDocument.from_json(item) for item in extensions.get(DOCUMENTS_PROPERTY, [])]

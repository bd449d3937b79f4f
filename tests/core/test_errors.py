"""One error model: every app's refusals are `DomainError`s whose codes say their kind."""

from decimal import Decimal

import pytest

from countyhub.api.errors import STATUS
from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.core.errors import DomainError, ErrorCode, ErrorKind
from countyhub.programs.errors import ProgramsError, ProgramsErrorCode
from countyhub.shop.errors import InsufficientStockError, ShopError, ShopErrorCode, Shortage
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.training.errors import TrainingError, TrainingErrorCode

APPS = [
    (CatalogError, CatalogErrorCode),
    (ProgramsError, ProgramsErrorCode),
    (ShopError, ShopErrorCode),
    (TraceError, TraceErrorCode),
    (TrainingError, TrainingErrorCode),
]


def test_every_kind_has_an_http_status():
    assert set(STATUS) == set(ErrorKind)


@pytest.mark.parametrize(("error", "codes"), APPS)
def test_each_app_raises_domain_errors_with_its_own_codes(error, codes):
    assert issubclass(error, DomainError) and issubclass(codes, ErrorCode)
    for code in codes:
        assert isinstance(code.value, str) and code.value == code.name.lower()
        assert isinstance(code.kind, ErrorKind)
    first = next(iter(codes))
    raised = error(first, "message", field="field")
    assert (raised.code, raised.message, raised.field, str(raised)) == (
        first,
        "message",
        "field",
        "message",
    )
    assert raised.details() == {}


def test_a_code_is_required():
    with pytest.raises(TypeError):
        ShopError("Give the carrier.", field="carrier")


def test_a_shortage_brings_its_data_as_plain_numbers():
    error = InsufficientStockError(
        "short", shortages=[Shortage(7, "大米", Decimal("50.000"), Decimal("1E+2"))]
    )
    assert (error.code, error.field) == (ShopErrorCode.INSUFFICIENT_STOCK, "lines")
    assert error.details() == {
        "shortages": [
            {"product_id": 7, "product_name": "大米", "requested": "50", "available": "100"}
        ]
    }

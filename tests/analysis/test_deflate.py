import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from countyhub.analysis.deflate import (
    CHAINED,
    LEVELS,
    CPITable,
    chain_previous_year,
    national_rural_cpi,
    read_cpi,
    weakest_status,
)
from countyhub.analysis.errors import AnalysisError, DataError


def test_chaining_previous_year_indices_by_hand():
    levels = chain_previous_year({2020: 103.0, 2021: 100.7, 2022: 102.0})
    # The first year's index links it to the year before, which becomes the base (= 100).
    assert levels[2019] == 100.0
    assert levels[2020] == pytest.approx(103.0)
    assert levels[2021] == pytest.approx(103.0 * 1.007)
    assert levels[2022] == pytest.approx(103.0 * 1.007 * 1.02)


def test_chaining_refuses_a_gap():
    with pytest.raises(AnalysisError, match=r"consecutive years.*2019 is followed by 2021"):
        chain_previous_year({2019: 103.2, 2021: 100.7})


def test_shipped_national_rural_cpi_is_chained_with_status_per_year():
    cpi = national_rural_cpi()
    assert cpi.kind == CHAINED
    assert cpi.coverage() == "2009-2023"
    # 2022 money in 2020 prices: divide by the 2021 and 2022 year-on-year indices.
    assert cpi.factor(year=2022, base_year=2020) == pytest.approx(1 / (1.007 * 1.020))
    assert cpi.factor(year=2020, base_year=2022) == pytest.approx(1.007 * 1.020)
    assert cpi.published_years(2022, 2020) == [2021, 2022]
    assert cpi.statuses(cpi.published_years(2020, 2022)) == {2021: "sourced", 2022: "sourced"}
    assert cpi.status[2011] == "unverified"
    assert cpi.status[2023] == "unverified"
    assert "NBS" in cpi.sources[2020]


def test_shipped_cpi_refuses_a_year_it_does_not_have():
    with pytest.raises(AnalysisError, match=r"no value for 2024; it covers 2009-2023"):
        national_rural_cpi().factor(year=2024, base_year=2020)


def test_a_conversion_reports_the_weakest_status_of_the_values_it_used():
    cpi = national_rural_cpi()
    statuses = cpi.statuses(cpi.published_years(2010, 2020)).values()
    assert weakest_status(statuses) == "unverified"  # 2011 and 2012 are unverified
    assert weakest_status(cpi.statuses(cpi.published_years(2013, 2022)).values()) == "sourced"
    assert weakest_status([]) == "none used"


def test_user_levels_table_with_any_base(tmp_path):
    path = tmp_path / "cpi.csv"
    path.write_text("year,cpi\n2015,100\n2020,110\n2022,115.5\n")
    cpi = read_cpi(path)
    assert cpi.kind == LEVELS
    assert cpi.factor(year=2022, base_year=2020) == pytest.approx(110 / 115.5)
    # A levels table relies on the two levels only, and marks them as the user's.
    assert cpi.published_years(2022, 2020) == [2020, 2022]
    assert cpi.statuses([2020, 2022]) == {2020: "user-supplied", 2022: "user-supplied"}
    assert "cpi.csv" in cpi.name


def test_user_table_carries_its_status_column(tmp_path):
    path = tmp_path / "province.csv"
    path.write_text("year,cpi,status\n2020,101.0,sourced\n2022,104.0,provisional\n")
    cpi = read_cpi(path)
    assert cpi.statuses([2020, 2022]) == {2020: "sourced", 2022: "provisional"}


def test_user_previous_year_table_is_chained(tmp_path):
    path = tmp_path / "province.csv"
    path.write_text("year,cpi_prev_year_100\n2020,102.0\n2021,101.0\n2022,103.0\n")
    cpi = read_cpi(path)
    assert cpi.kind == CHAINED
    assert cpi.factor(year=2022, base_year=2020) == pytest.approx(1 / (1.01 * 1.03))


def test_the_shipped_file_format_is_accepted_as_a_user_table(tmp_path):
    path = tmp_path / "rural_cpi.csv"
    path.write_text("year,rural_cpi_prev_year_100,status\n2020,103.0,sourced\n2021,100.7,sourced\n")
    assert read_cpi(path).factor(year=2021, base_year=2020) == pytest.approx(1 / 1.007)


def test_user_table_in_excel(tmp_path):
    path = tmp_path / "cpi.xlsx"
    pd.DataFrame({"year": [2020, 2022], "cpi": [100.0, 102.7]}).to_excel(path, index=False)
    assert read_cpi(path).factor(year=2022, base_year=2020) == pytest.approx(100 / 102.7)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year,index\n2020,100\n", r"needs a 'cpi' column.*columns are: year, index"),
        ("year,cpi\n2020,100\n2022,abc\n", r"column 'cpi', row 2 \(file line 3\): 'abc'"),
        ("year,cpi\n2020,100\n2020,101\n", r"year 2020 appears more than once"),
        (
            "year,cpi\n2020,100\n2022,0\n",
            r"row 2 \(file line 3\): cpi 0(\.0)? must be a positive number",
        ),
        ("year,cpi\n2020.5,100\n", r"row 1 \(file line 2\): year 2020.5 is not a whole number"),
        ("year,cpi\n2020,\n", r"row 1 \(file line 2\): year and cpi must both be given"),
        ("year,cpi_prev_year_100\n2019,103\n2021,101\n", r"2019 is followed by 2021"),
    ],
)
def test_bad_user_cpi_tables_are_named(tmp_path, content, message):
    path = tmp_path / "cpi.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as caught:
        read_cpi(path)
    assert str(path) in str(caught.value)


def test_missing_cpi_file_is_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_cpi(tmp_path / "absent.csv")


def _levels_table(levels: dict[int, float]) -> CPITable:
    return CPITable(name="test", levels=levels, status={})


levels_strategy = st.dictionaries(
    st.integers(2000, 2030),
    st.floats(1.0, 1000.0, allow_nan=False),
    min_size=2,
    max_size=8,
)


@given(levels=levels_strategy, data=st.data())
def test_deflating_to_the_base_year_and_back_is_the_identity(levels, data):
    cpi = _levels_table(levels)
    year = data.draw(st.sampled_from(sorted(levels)))
    base = data.draw(st.sampled_from(sorted(levels)))
    values = np.array(data.draw(st.lists(st.floats(-1e7, 1e7), min_size=1, max_size=20)))
    there = cpi.to_base_year(values, year=year, base_year=base)
    back = cpi.to_base_year(there, year=base, base_year=year)
    assert_allclose(back, values, rtol=1e-12, atol=1e-6)


@given(levels=levels_strategy, scale=st.floats(0.01, 100.0), data=st.data())
def test_rebasing_the_index_changes_nothing(levels, scale, data):
    year = data.draw(st.sampled_from(sorted(levels)))
    base = data.draw(st.sampled_from(sorted(levels)))
    original = _levels_table(levels).factor(year=year, base_year=base)
    rebased = _levels_table({y: v * scale for y, v in levels.items()})
    assert math.isclose(rebased.factor(year=year, base_year=base), original, rel_tol=1e-12)


@given(indices=st.lists(st.floats(90.0, 115.0), min_size=1, max_size=15))
def test_chained_factor_is_the_product_of_the_year_on_year_indices(indices):
    table = dict(enumerate(indices, start=2000))
    cpi = CPITable(name="t", levels=chain_previous_year(table), status={}, kind=CHAINED)
    last = 1999 + len(indices)
    expected = math.prod(v / 100 for v in indices)
    assert math.isclose(cpi.factor(year=1999, base_year=last), expected, rel_tol=1e-12)

import numpy as np
import pytest

from countyhub.analysis.deflate import CPITable, national_rural_cpi
from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.poverty import (
    CPI_INDEXED,
    OFFICIAL,
    PovertyLineUnavailableError,
    cpi_indexed_line,
    official_poverty_lines,
    poverty_line,
    read_poverty_lines,
    share_below,
)


@pytest.mark.parametrize(
    ("year", "yuan", "status"),
    [(2010, 2300, "sourced"), (2019, 3218, "secondary"), (2020, 4000, "approximate")],
)
def test_official_line_is_the_published_table_with_its_status(year, yuan, status):
    line = poverty_line(year)
    assert (line.year, line.yuan, line.method, line.status) == (year, yuan, OFFICIAL, status)
    assert line.source  # the published table names where each value comes from
    assert "official" in line.label


def test_shipped_official_table_covers_2010_to_2020():
    table = official_poverty_lines()
    assert table.coverage() == "2010-2020"
    assert table.status[2015] == "unverified"


@pytest.mark.parametrize("year", [2009, 2021, 2022])
def test_no_official_value_is_invented_for_a_year_beyond_the_table(year):
    with pytest.raises(PovertyLineUnavailableError, match=rf"no value for {year}") as caught:
        poverty_line(year, method=OFFICIAL)
    message = str(caught.value)
    assert "2010-2020" in message
    assert "CPI-indexed" in message


def test_official_line_is_not_2300_times_the_cpi():
    # 2,300 x rural CPI gives about 2,876 for 2019 (data README); the official value is 3,218.
    cpi = national_rural_cpi()
    indexed = cpi_indexed_line(2019, cpi)
    expected = 2300 * 1.058 * 1.025 * 1.028 * 1.018 * 1.013 * 1.019 * 1.013 * 1.021 * 1.032
    assert indexed.yuan == pytest.approx(expected)
    assert round(indexed.yuan) == 2876
    assert poverty_line(2019).yuan == 3218
    assert indexed.method == CPI_INDEXED
    assert "not official" in indexed.status
    assert "not official" in indexed.label


def test_cpi_indexed_line_of_2010_is_2300_and_it_reaches_2022():
    cpi = national_rural_cpi()
    assert cpi_indexed_line(2010, cpi).yuan == pytest.approx(2300)
    line = poverty_line(2022, method=CPI_INDEXED, cpi=cpi)
    assert line.yuan == pytest.approx(2300 * cpi.level(2022) / cpi.level(2010))
    assert line.source.endswith("CPI values used: unverified")  # 2011 and 2012 are unverified


def test_cpi_indexed_line_needs_2010_in_the_cpi():
    cpi = CPITable(name="province", levels={2020: 100.0, 2022: 103.0}, status={})
    with pytest.raises(AnalysisError, match=r"no value for 2010; it covers 2020-2022"):
        cpi_indexed_line(2022, cpi)


def test_cpi_indexed_line_needs_a_cpi_table():
    with pytest.raises(AnalysisError, match="needs a CPI table"):
        poverty_line(2022, method=CPI_INDEXED)


def test_share_below_counts_strictly_below_the_line():
    values = np.array([1000.0, 2300.0, 2299.99, 5000.0])
    assert share_below(values, 2300.0) == 0.5  # exactly on the line is not under it
    assert np.isnan(share_below(np.array([]), 2300.0))


def test_user_poverty_line_table(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("year,yuan,status\n2020,4000,official statement\n2022,4200,\n")
    table = read_poverty_lines(path)
    assert table.line(2020).status == "official statement"
    assert table.line(2022).status == "user-supplied"
    assert table.line(2022).yuan == 4200
    with pytest.raises(PovertyLineUnavailableError, match="2020-2022"):
        table.line(2021)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year,line\n2020,4000\n", r"no poverty line column named 'yuan'"),
        ("year,yuan\n2020,lots\n", r"column 'yuan', row 1 \(file line 2\): 'lots'"),
        ("year,yuan\n2020,4000\n2020,4100\n", r"year 2020 appears twice"),
        ("year,yuan\n2020,-1\n", r"row 1 \(file line 2\): yuan -1(\.0)? must be a positive"),
    ],
)
def test_bad_user_poverty_tables_are_named(tmp_path, content, message):
    path = tmp_path / "lines.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_poverty_lines(path)

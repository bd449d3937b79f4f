"""Data files and missing values for PLS-SEM: CSV, Excel and Parquet, and clear messages."""

import numpy as np
import pandas as pd
import pytest

from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.plssem import ModelError, PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL, MEDIATION_MODEL, simulate_mediation


@pytest.fixture(scope="module")
def corp_rep_reference():
    return PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99").fit()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_every_file_type_gives_the_same_estimate(tmp_path, suffix, corp_rep_reference):
    frame = pd.read_csv(CORP_REP)
    path = tmp_path / f"survey{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    result = PLSModel.from_syntax(CORP_REP_MODEL, path, missing="mean", na="-99").fit()
    np.testing.assert_allclose(result.path_matrix, corp_rep_reference.path_matrix, atol=1e-12)
    assert result.model.prepared.filled_cells == 11


def test_listwise_deletion_counts_dropped_rows():
    result = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="listwise", na="-99").fit()
    frame = pd.read_csv(CORP_REP).replace(-99, np.nan)
    items = list(result.structure.indicators)
    complete = frame[items].dropna()
    assert result.n == len(complete)
    assert result.to_dict()["dropped_rows"] == len(frame) - len(complete) > 0


def test_blank_cells_are_missing_and_a_word_is_named_with_column_and_row(tmp_path):
    frame = simulate_mediation(50, seed=2)
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    lines = path.read_text().splitlines()
    cells = lines[4].split(",")
    cells[1] = ""  # a blank answer on data row 4
    lines[4] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    result = PLSModel.from_syntax(MEDIATION_MODEL, path, missing="listwise").fit()
    assert result.to_dict()["dropped_rows"] == 1

    cells[1] = "many"
    lines[4] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as caught:
        PLSModel.from_syntax(MEDIATION_MODEL, path)
    assert "line 5: column 't2', row 4: 'many' is not a number" in str(caught.value)


def test_excel_errors_name_the_sheet_row(tmp_path):
    frame = simulate_mediation(30, seed=2).astype(object)
    frame.loc[6, "s3"] = "n/a?"
    path = tmp_path / "survey.xlsx"
    frame.to_excel(path, index=False)
    with pytest.raises(
        DataError, match=r"sheet row 8: column 's3', row 7: 'n/a\?' is not a number"
    ):
        PLSModel.from_syntax(MEDIATION_MODEL, path)


def test_constant_column_is_named():
    frame = simulate_mediation(40, seed=2)
    frame["s2"] = 4.0
    with pytest.raises(DataError, match="column 's2' is constant"):
        PLSModel.from_syntax(MEDIATION_MODEL, frame)


def test_too_few_rows_for_the_largest_regression():
    frame = simulate_mediation(3, seed=2)
    with pytest.raises(
        ModelError, match=r"3 usable rows; mode B construct TRAIN needs at least 5 \(3 predictors\)"
    ):
        PLSModel.from_syntax(MEDIATION_MODEL, frame)


def test_linearly_dependent_mode_b_block_is_explained():
    frame = simulate_mediation(100, seed=2)
    frame["t3"] = frame["t1"] + 2 * frame["t2"]
    with pytest.raises(
        AnalysisError, match=r"indicators of 'TRAIN' \(t1, t2, t3\) are linearly dependent"
    ):
        PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        PLSModel.from_syntax(CORP_REP_MODEL, tmp_path / "absent.csv")
    odd = tmp_path / "survey.sav"
    odd.write_text("x")
    with pytest.raises(DataError, match=r"unsupported file type '\.sav'"):
        PLSModel.from_syntax(CORP_REP_MODEL, odd)


def test_ragged_csv_line_is_named(tmp_path):
    path = tmp_path / "survey.csv"
    simulate_mediation(20, seed=2).to_csv(path, index=False)
    lines = path.read_text().splitlines()
    lines[3] = lines[3] + ",7"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="line 4: 11 fields where the header has 10"):
        PLSModel.from_syntax(MEDIATION_MODEL, path)


def test_unknown_missing_method():
    with pytest.raises(DataError, match="use one of listwise, mean"):
        PLSModel.from_syntax(MEDIATION_MODEL, simulate_mediation(30, seed=2), missing="pairwise")

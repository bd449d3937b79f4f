"""Minimum sample sizes: the hand-checked values of Kock & Hadaya's inverse square root method
and the 10-times rule (notes/surveys.md §2)."""

import pytest

from countyhub.analysis.plssem.sample_size import (
    inverse_square_root,
    minimum_sample_sizes,
    smallest_powered_path,
)
from countyhub.analysis.plssem.syntax import parse_model


@pytest.mark.parametrize(
    ("p_min", "n"), [(0.1, 619), (0.15, 275), (0.197, 160), (0.2, 155), (0.3, 69), (0.626, 16)]
)
def test_inverse_square_root_matches_the_published_values(p_min, n):
    assert inverse_square_root(p_min) == n


def test_the_seed_surveys_62_villagers_power_paths_of_0_316():
    assert smallest_powered_path(62) == pytest.approx(0.316, abs=5e-4)


def test_ten_times_counts_paths_into_a_construct_and_formative_indicators():
    spec = parse_model("A =~ a1 + a2\nB <~ b1 + b2 + b3 + b4\nC =~ c1 + c2\nC ~ A + B\n")
    sizes = minimum_sample_sizes(spec, p_min=0.2, n=62)
    assert (sizes.ten_times, sizes.largest_arrows, sizes.arrows_into) == (40, 4, "B")
    assert sizes.inverse_square_root == 155


def test_p_min_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="p_min"):
        inverse_square_root(0)

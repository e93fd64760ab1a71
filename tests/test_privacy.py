"""Suppression of small counts, primary and complementary, on hand-built rows."""

import pandas as pd

from mentorship.privacy import pseudonymise, suppress_partition


def test_partition_suppression_hides_small_counts_and_one_more():
    frame = pd.DataFrame({"total": [40, 40, 40, 40, None], "a": [30, 3, 2, 0, None], "b": [6, 30, 3, 12, None],
                          "c": [4, 7, 35, 28, None]})
    out = suppress_partition(frame, ["a", "b", "c"], k=5)
    # Row 0: c=4 hidden; alone it could be derived (40 - 30 - 6), so the smaller other (b=6) goes too.
    assert out.loc[0, ["a", "b", "c"]].isna().tolist() == [False, True, True]
    # Row 1: a=3 hidden and the next smallest (c=7).
    assert out.loc[1, ["a", "b", "c"]].isna().tolist() == [True, False, True]
    # Row 2: two small cells hide each other.
    assert out.loc[2, ["a", "b", "c"]].isna().tolist() == [True, True, False]
    # Row 3: nothing small (a zero is not a group of people), nothing hidden.
    assert out.loc[3, ["a", "b", "c"]].isna().tolist() == [False, False, False]
    # Row 4: already suppressed upstream (the whole group was too small): stays blank.
    assert out.loc[4, ["a", "b", "c"]].isna().all()


def test_pseudonyms_are_keyed_and_stable():
    assert pseudonymise("P0000001", "k1") == pseudonymise("P0000001", "k1")
    assert pseudonymise("P0000001", "k1") != pseudonymise("P0000001", "k2")
    assert "P0000001" not in pseudonymise("P0000001", "k1")

"""Keyed pseudonyms (suppression is tested in test_disclosure.py)."""

from mentorship.privacy import pseudonymise


def test_pseudonyms_are_keyed_and_stable():
    assert pseudonymise("P0000001", "k1") == pseudonymise("P0000001", "k1")
    assert pseudonymise("P0000001", "k1") != pseudonymise("P0000001", "k2")
    assert "P0000001" not in pseudonymise("P0000001", "k1")

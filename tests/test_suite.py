"""The test suite's own machinery: the shared build must stay in one pytest-xdist worker, which needs a
pytest whose node ids xdist's ``--dist loadgroup`` can still tag (pytest-dev/pytest-xdist#1386)."""

from __future__ import annotations

import re

pytest_plugins = ["pytester"]


def test_loadgroup_keeps_a_group_in_one_worker(pytester):
    pytester.makepyfile(
        test_grouped="""
        import pytest

        @pytest.mark.parametrize("i", range(6))
        @pytest.mark.xdist_group("shared")
        def test_grouped(i):
            pass

        @pytest.mark.parametrize("i", range(6))
        def test_free(i):
            pass
    """
    )
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)
    workers = set(re.findall(r"\[(gw\d)\] .*PASSED test_grouped.py::test_grouped\[\d\]@shared", result.stdout.str()))
    assert len(workers) == 1, result.stdout.str()

"""Every rule's embedded VALID/INVALID examples, run through the public harness."""

from __future__ import annotations

import pytest

from leakscan.registry import all_rules
from leakscan.testing import ExampleCase, check_example, example_cases


@pytest.mark.parametrize("case", example_cases(all_rules()), ids=str)
def test_rule_example(case: ExampleCase) -> None:
    check_example(case)

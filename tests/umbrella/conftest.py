import sys

import pytest

from tests.umbrella.fuzz_seed import EXAMPLES, SEED


def pytest_report_header(config: pytest.Config) -> str:
    return f"API fuzz: FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES} (set both to replay a run)"


def pytest_terminal_summary(terminalreporter) -> None:
    world = sys.modules.get("tests.umbrella.fuzz_world")
    for line in world.summary_lines() if world else []:
        terminalreporter.write_line(line)

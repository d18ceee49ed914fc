import pytest

from events.webhooks import breaker


@pytest.fixture
def closed_breakers():
    """The embedded default's in-process breakers, forgotten after the test (with Redis, tests
    use app ids of their own)."""
    yield
    breaker.MEMORY.clear()

"""What the tests that count Redis round trips read from the ``round_trips`` fixture
(tests/conftest.py): one packet per command, pipeline or script call."""


def commands(sent: list) -> list[bytes]:
    """The command names sent (``EVALSHA``, ``SET``, …)."""
    names = []
    for packet in sent:
        first = packet[0] if isinstance(packet, list | tuple) else packet
        names.append(bytes(first).split(b"\r\n")[2].upper())
    return names

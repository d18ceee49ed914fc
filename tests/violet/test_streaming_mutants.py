"""The stream's wire format, pinned where the third mutation run of violet.streaming found it
loose (docs/mutation/analytics-violet.md)."""

from violet import streaming


def test_an_event_is_sent_as_utf8_json_text_not_escaped():
    sent = streaming.sse("delta", {"text": "Nova Reyes — café shows…"})
    assert sent == 'event: delta\ndata: {"text": "Nova Reyes — café shows…"}\n\n'.encode()

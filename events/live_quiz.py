"""The quiz's WebSocket messages (SPEC-events §7, §8): ``quiz:start``, ``quiz:next_question``,
``quiz:answer {question_id, answer_index}``, ``quiz:end``, handed over by the room consumer
(events.consumers). The person is the consumer's connection (``consumer.user``), never a field
of the message. Rules live in events.services.quiz; this module only translates.
"""

from typing import Any

QUIZ_MESSAGES = frozenset({"quiz:start", "quiz:next_question", "quiz:answer", "quiz:end"})


async def handle(consumer: Any, kind: str, data: dict[str, Any]) -> None:
    """Answer one quiz message on ``consumer`` (``kind`` is one of :data:`QUIZ_MESSAGES`)."""
    await consumer.send_error(
        "quiz_unavailable", "Quizzes are not available yet.", room_id=data.get("room_id")
    )

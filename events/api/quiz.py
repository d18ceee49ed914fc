"""A room's quiz, read over REST: ``GET /rooms/{id}/quiz`` (docs/rooms.md, "Quiz").

For clients without the socket, and for the live page's script, which reads it when a question's
time is up (a read closes a question whose time has passed: the lazy close of
events.services.quiz) and after each close (the leaderboard). The state comes from
:func:`events.selectors_quiz.quiz_state`: the open question **without** its correct index, the
closed rounds with theirs, the caller's own answers (correctness only once closed) and the
leaderboard of closed questions. Anyone who may read the room; apps with ``rooms:read``.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api.draws import ANYONE_AND_APPS, room_for
from events.models import Participant, ParticipantStatus, QuizStatus
from events.scopes import AppScopes
from events.selectors_quiz import quiz_state
from events.selectors_room_live import is_quiz_room
from events.services.quiz import moment

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH, description="The room's `id`.")


class QuizQuestionSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    index = serializers.IntegerField(help_text="0-based position of the question.")
    count = serializers.IntegerField(help_text="How many questions the quiz has.")
    text = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    time_limit_s = serializers.FloatField()
    opened_at = serializers.CharField(help_text="Server time, ISO 8601 UTC with milliseconds.")
    closes_at = serializers.CharField(help_text="Answers received from then on are refused.")
    settles_at = serializers.CharField(
        allow_null=True,
        help_text="When the question closes at the latest (its time, then the judging grace).",
    )


class QuizRoundSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    index = serializers.IntegerField()
    text = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    opened_at = serializers.CharField()
    closed_at = serializers.CharField()
    correct_index = serializers.IntegerField(allow_null=True)
    winner_participant_id = serializers.IntegerField(allow_null=True)


class QuizMyAnswerSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    answer_index = serializers.IntegerField()
    response_ms = serializers.IntegerField()
    correct = serializers.BooleanField(
        required=False, help_text="Only once the question has closed."
    )


class QuizLeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    correct = serializers.IntegerField()
    answered = serializers.IntegerField()
    total_response_ms = serializers.IntegerField()
    score = serializers.FloatField()


class QuizStateSerializer(serializers.Serializer):
    supported = serializers.BooleanField(
        help_text="Does the room's app run quizzes (`quiz_validation`)? If not, the state "
        "stays `idle`."
    )
    status = serializers.ChoiceField(choices=QuizStatus.choices)
    question = QuizQuestionSerializer(
        allow_null=True, help_text="The open question, never with its correct index."
    )
    rounds = QuizRoundSerializer(many=True, help_text="The closed questions, in order.")
    my_answers = QuizMyAnswerSerializer(many=True, help_text="Your answers (members only).")
    leaderboard = QuizLeaderboardRowSerializer(many=True, help_text="Closed questions only.")
    server_time = serializers.CharField(
        help_text="The server's clock now, ISO 8601 UTC with milliseconds (for countdowns)."
    )


class RoomQuizApi(APIView):
    app_endpoint = "rooms.quiz"
    permission_classes = [AllowAny, AppScopes]

    @extend_schema(
        operation_id="rooms_quiz_retrieve",
        summary="A room's quiz, as it stands",
        description="The quiz state: the open question (text, options, server times) — "
        "**never its correct index** before it closes —, the closed rounds with their correct "
        "index and round winner, your own answers (their correctness once closed) and the "
        "leaderboard of closed questions. A question whose time is up is closed by this read "
        "(the close is published to the room's sockets). Anyone who may read the room; apps "
        "with `rooms:read`.",
        auth=ANYONE_AND_APPS,  # type: ignore[arg-type]
        parameters=[ROOM_ID],
        responses=QuizStateSerializer,
    )
    def get(self, request: Request, room_id: int) -> Response:
        room = room_for(request, room_id)
        mine = None
        if request.user.is_authenticated:
            mine = (
                Participant.objects.live()
                .filter(room=room, user_id=request.user.pk, status=ParticipantStatus.ACTIVE)
                .values_list("pk", flat=True)
                .first()
            )
        state = quiz_state(room=room, participant_id=mine)
        return Response(
            {
                "supported": is_quiz_room(room),
                **state,
                "server_time": moment(timezone.now()),
            }
        )

"""Violet's API shapes. Generations are turned into JSON by ``selectors.generation_card``;
these serializers describe the same shapes for the schema (a test checks they agree)."""

from rest_framework import serializers

from umbrella.api import InputSerializer, QuerySerializer
from violet.models import GenerationStatus, ProviderName, Tool


class FieldRefSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The profile field's name (`bio`, `primary_genre`).")
    label = serializers.CharField(help_text="What the profile editor calls it.")  # type: ignore[assignment]


class ToolSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=Tool.choices, help_text="What `tool` is set to.")
    title = serializers.CharField()
    description = serializers.CharField()
    input_schema = serializers.DictField(
        help_text="The JSON Schema of the tool's `inputs` (types, choices, limits, defaults). "
        "An integer with `x-refers-to` is the id of a gig, booking or conversation."
    )
    save_field = serializers.CharField(
        allow_null=True,
        help_text="The profile field a draft can be saved into (`bio`, `tagline`), or null.",
    )
    uses = FieldRefSerializer(many=True, help_text="The profile fields the tool is given.")
    missing_fields = FieldRefSerializer(
        many=True,
        help_text="Profile fields the tool needs that are empty: fill them in first "
        "(until then `generate` answers `409 profile_incomplete`).",
    )
    suggested_fields = FieldRefSerializer(
        many=True, help_text="Empty profile fields that would make the drafts better."
    )


class ProviderSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=ProviderName.choices)
    model = serializers.CharField()
    offline = serializers.BooleanField(
        help_text="True: no AI key is configured, drafts are built from templates."
    )
    label = serializers.CharField(help_text="What the UI calls its drafts (`Offline draft`).")  # type: ignore[assignment]


class AllowanceSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="Today, in UTC.")
    limit = serializers.IntegerField(help_text="Prompts per artist per UTC day.")
    used = serializers.IntegerField(help_text="Prompts counted today (failed ones are not).")
    remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField(help_text="The next midnight UTC.")


class ToolListSerializer(serializers.Serializer):
    tools = ToolSerializer(many=True)
    provider = ProviderSerializer()
    usage = AllowanceSerializer()


class GenerateInputSerializer(InputSerializer):
    tool = serializers.ChoiceField(choices=Tool.choices)
    inputs = serializers.DictField(
        required=False,
        default=dict,
        help_text="The tool's inputs, as its `input_schema` in `GET /violet/tools` says.",
    )


class FactSerializer(serializers.Serializer):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["profile", "platform", "gig", "booking", "conversation", "you"],
        help_text="Where the fact comes from (`you`: typed in the inputs).",
    )
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()


class GenerationErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TokensSerializer(serializers.Serializer):
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cache_read_tokens = serializers.IntegerField()
    cache_write_tokens = serializers.IntegerField()


class GenerationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tool = serializers.ChoiceField(choices=Tool.choices)
    status = serializers.ChoiceField(choices=GenerationStatus.choices)
    inputs = serializers.DictField()
    facts = FactSerializer(many=True, help_text="Every fact the model was given.")
    prompt = serializers.CharField(help_text="The instructions sent with the facts.")
    output = serializers.CharField(allow_blank=True)
    provider = serializers.ChoiceField(choices=ProviderName.choices)
    offline = serializers.BooleanField(help_text="An offline draft (no AI), built from templates.")
    label = serializers.CharField(help_text="`Offline draft` or `Written with Claude`.")  # type: ignore[assignment]
    model = serializers.CharField(allow_blank=True)
    error = GenerationErrorSerializer(allow_null=True, help_text="Why it failed, if it did.")
    gig_id = serializers.IntegerField(allow_null=True)
    booking_id = serializers.IntegerField(allow_null=True)
    conversation_id = serializers.IntegerField(allow_null=True)
    usage = TokensSerializer()
    save_field = serializers.CharField(
        allow_null=True, help_text="The profile field this draft can be saved into, or null."
    )
    saved_field = serializers.CharField(allow_null=True)
    saved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class GenerateOutputSerializer(serializers.Serializer):
    generation = GenerationSerializer()
    usage = AllowanceSerializer(help_text="The allowance after this prompt.")


class HistoryQuerySerializer(QuerySerializer):
    tool = serializers.ChoiceField(choices=Tool.choices, required=False)


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    prompts = serializers.IntegerField(help_text="Prompts counted that day.")
    failures = serializers.IntegerField(help_text="Prompts that failed (not counted).")
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cache_read_tokens = serializers.IntegerField()
    cache_write_tokens = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    today = AllowanceSerializer()
    days = UsageDaySerializer(many=True, help_text="The last 30 UTC days with any use.")

"""The JSON Schema → form generator of the rooms' pages (events/settings_form.py): every keyword it
supports becomes the input and HTML attributes docs/rooms.md "Pages" lists, what is posted reads
back as the settings, and the service's errors (jsonschema, by settings path) land next to the
input or fieldset they name. No database: forms only."""

import re

import pytest
from django.http import QueryDict

from builtin_apps import manifest
from events.services.rooms import merge_patch, settings_errors
from events.settings_form import (
    ADD,
    FieldNode,
    GroupNode,
    JsonSetting,
    ListNode,
    SettingsForm,
    browser_pattern,
    datetime_read,
    datetime_shown,
    merge_patch_for,
)

LOTTERY = manifest("lottery")["settings"]
QUIZ = manifest("quiz")["settings"]


def obj(properties: dict, **more) -> dict:
    return {"type": "object", "properties": properties, **more}


def field(form: SettingsForm, name: str) -> FieldNode:
    for node in form.inputs():
        if node.name == name:
            return node
    raise AssertionError(f"no input {name}: {[n.name for n in form.inputs()]}")


def html(form: SettingsForm, name: str) -> str:
    return str(form[name])


def post(schema: dict, data: dict, **kwargs) -> tuple[SettingsForm, object]:
    form = SettingsForm(schema, data={f"settings-{k}": v for k, v in data.items()}, **kwargs)
    assert form.is_valid(), form.errors
    return form, form.settings()


# --- strings ----------------------------------------------------------------------------------


def test_a_string_is_a_text_input_with_its_length_bounds_and_pattern():
    form = SettingsForm(
        obj({"code": {"type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$"}})
    )
    tag = html(form, "code")
    assert 'type="text"' in tag
    assert 'minlength="2"' in tag and 'maxlength="8"' in tag
    assert 'pattern="^[a-z]+$"' in tag
    assert post(obj({"code": {"type": "string"}}), {"code": " ab "})[1] == {"code": "ab"}


def test_a_long_string_is_a_textarea():
    form = SettingsForm(
        obj({"bio": {"type": "string", "maxLength": 301}, "tag": {"type": "string"}})
    )
    assert "<textarea" in html(form, "bio")
    assert 'type="text"' in html(form, "tag")  # no maxLength: one line


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("date-time", "datetime-local"), ("date", "date"), ("email", "email"), ("uri", "url")],
)
def test_string_formats_pick_the_input_type(fmt, kind):
    form = SettingsForm(obj({"x": {"type": "string", "format": fmt}}))
    assert f'type="{kind}"' in html(form, "x")


def test_a_date_time_is_shown_and_read_in_utc():
    assert datetime_shown("2030-01-01T20:00:00Z") == "2030-01-01T20:00"
    assert datetime_shown("2030-01-01T21:30:15+01:00") == "2030-01-01T20:30:15"
    assert datetime_shown("not a date") == "not a date"
    assert datetime_read("2030-01-01T20:00", None) == "2030-01-01T20:00:00Z"
    assert datetime_read("2030-01-01T20:00:05", None) == "2030-01-01T20:00:05Z"
    # The instant the input still shows keeps its own spelling.
    assert datetime_read("2030-01-01T20:00", "2030-01-01T21:00:00+01:00") == (
        "2030-01-01T21:00:00+01:00"
    )
    assert datetime_read("garbage", None) == "garbage"  # the service says what is wrong
    schema = obj({"when": {"type": "string", "format": "date-time"}})
    form = SettingsForm(schema, value={"when": "2030-01-01T20:00:00Z"})
    assert 'value="2030-01-01T20:00"' in html(form, "when")
    assert field(form, "when").help_text == "In UTC."
    assert post(schema, {"when": "2030-06-01T08:15"})[1] == {"when": "2030-06-01T08:15:00Z"}
    assert settings_errors(schema, {"when": "2030-06-01T08:15:00Z"}) == {}


@pytest.mark.parametrize(
    ("pattern", "attribute"),
    [
        ("^[A-Za-z0-9_-]{1,32}$", r"^[A-Za-z0-9_\-]{1,32}$"),  # the quiz's ids: v-flag safe
        ("^[-a-z]+$", r"^[\-a-z]+$"),
        ("^a|b$", ".*(?:^a|b$).*"),  # alternation: anchored by the wrapper
        ("abc", ".*(?:abc).*"),  # JSON Schema matches anywhere; the attribute matches whole
        (r"^\d{3}\-\d{4}$", r"^\d{3}-\d{4}$"),  # an escape JavaScript refuses outside a class
        ("^[(){}/|]+$", r"^[\(\)\{\}\/\|]+$"),
        ("^[a%%b]$", r"^[a\%\%b]$"),  # a double punctuator is reserved in a v-flag class
        ("^(?:ab)+$", "^(?:ab)+$"),
        ("^(?=a)a$", "^(?=a)a$"),
        (r"^\u00e9$", r"^\u00e9$"),
    ],
)
def test_patterns_become_browser_patterns(pattern, attribute):
    assert browser_pattern(pattern) == attribute


@pytest.mark.parametrize(
    "pattern",
    ["(?P<x>a)", "(?i)abc", r"\Aabc\Z", "[", "[]a]", r"\u12", "", 5, None, "a" * 1001],
)
def test_patterns_the_browser_cant_say_are_left_to_the_server(pattern):
    assert browser_pattern(pattern) is None
    form = SettingsForm(obj({"x": {"type": "string", "pattern": pattern}}))
    assert "pattern=" not in html(form, "x")


# --- numbers ----------------------------------------------------------------------------------


def test_an_integer_is_a_number_input_with_its_bounds():
    form = SettingsForm(LOTTERY)
    tag = html(form, "ticket_count")
    assert 'type="number"' in tag
    assert 'min="1"' in tag and 'max="10000"' in tag and 'step="1"' in tag


def test_exclusive_bounds_of_an_integer_and_multiple_of():
    form = SettingsForm(
        obj(
            {
                "n": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
                "m": {"type": "integer", "minimum": 3, "exclusiveMinimum": 1},
                "x": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": 0},
                "y": {"type": "number"},
            }
        )
    )
    assert 'min="1"' in html(form, "n") and 'max="9"' in html(form, "n")
    assert 'min="3"' in html(form, "m")
    assert 'step="0.5"' in html(form, "x") and "min=" not in html(form, "x")
    assert 'step="any"' in html(form, "y")


def test_numbers_are_read_as_numbers_or_passed_on_as_typed():
    schema = obj({"i": {"type": "integer"}, "f": {"type": "number"}, "j": {"type": "integer"}})
    _, value = post(schema, {"i": "12", "f": "1.5", "j": "2.0"})
    assert value == {"i": 12, "f": 1.5, "j": 2}
    _, value = post(schema, {"i": "twelve", "f": "nan", "j": ""})
    assert value == {"i": "twelve", "f": "nan"}  # j blank: left out
    assert settings_errors(schema, value) == {
        "settings.f": ["'nan' is not of type 'number'"],
        "settings.i": ["'twelve' is not of type 'integer'"],
    }


# --- booleans and enums -----------------------------------------------------------------------


def test_a_boolean_with_a_default_or_required_is_a_checkbox():
    form = SettingsForm(LOTTERY)
    assert 'type="checkbox"' in html(form, "allow_multiple_wins")
    assert post(LOTTERY, {})[1]["allow_multiple_wins"] is False
    assert post(LOTTERY, {"allow_multiple_wins": "on"})[1]["allow_multiple_wins"] is True
    required = obj({"ok": {"type": "boolean"}}, required=["ok"])
    assert 'type="checkbox"' in html(SettingsForm(required), "ok")
    # A checkbox never carries required: unticked is an answer (false).
    assert "required" not in html(SettingsForm(required), "ok")


def test_an_optional_boolean_without_default_can_stay_unset():
    schema = obj({"loud": {"type": "boolean"}})
    tag = html(SettingsForm(schema), "loud")
    assert "<select" in tag and "Not set" in tag
    assert post(schema, {"loud": ""})[1] == {}
    assert post(schema, {"loud": "true"})[1] == {"loud": True}
    assert post(schema, {"loud": "false"})[1] == {"loud": False}
    assert 'value="false" selected' in html(SettingsForm(schema, value={"loud": False}), "loud")


def test_an_enum_is_a_select_of_its_json_values():
    schema = obj({"colour": {"enum": ["red", "blue"]}, "size": {"type": "integer", "enum": [1, 2]}})
    form = SettingsForm(schema, value={"size": 2})
    assert '<option value="red">red</option>' in html(form, "colour")
    assert '<option value="2" selected>2</option>' in html(form, "size")
    assert post(schema, {"colour": "blue", "size": "1"})[1] == {"colour": "blue", "size": 1}
    assert post(schema, {"colour": "", "size": ""})[1] == {}


def test_an_array_of_unique_enum_items_is_checkboxes():
    schema = obj(
        {"days": {"type": "array", "uniqueItems": True, "items": {"enum": ["fri", "sat", 7]}}}
    )
    form = SettingsForm(schema, value={"days": ["sat"]})
    tag = html(form, "days")
    assert tag.count('type="checkbox"') == 3
    assert re.search(r'value="sat"[^>]*checked', tag) and tag.count("checked") == 1
    posted = QueryDict(mutable=True)
    posted.setlist("settings-days", ["7", "fri"])
    form = SettingsForm(schema, data=posted)
    assert form.is_valid()
    assert form.settings() == {"days": ["fri", 7]}  # in the enum's order


# --- labels, help, defaults, required ---------------------------------------------------------


def test_title_is_the_label_description_the_help_default_the_initial_value():
    schema = obj(
        {
            "ticket_count": {"type": "integer", "default": 100},
            "theme": {"type": "string", "title": "Theme", "description": "Shown on the page."},
        },
        required=["theme"],
    )
    form = SettingsForm(schema)
    assert field(form, "ticket_count").label == "Ticket count"  # no title: from the name
    theme = field(form, "theme")
    assert theme.label == "Theme" and theme.help_text == "Shown on the page."
    assert 'value="100"' in html(form, "ticket_count")
    assert "required" in html(form, "theme")
    assert "required" not in html(form, "ticket_count")
    # An existing room shows its own value, not the default; a missing one stays empty.
    assert 'value="7"' in html(SettingsForm(schema, value={"ticket_count": 7}), "ticket_count")
    assert "value=" not in html(SettingsForm(schema, value={}), "ticket_count")


def test_required_properties_come_first_in_their_order_then_inputs_checkboxes_fieldsets():
    names = [n.name for n in SettingsForm(LOTTERY).inputs()]
    assert names == ["draw_date", "theme", "ticket_count", "allow_multiple_wins"]
    item = [n.name for n in SettingsForm(QUIZ).root.children[0].children[0].fields()]
    assert item[:2] == ["questions.0.id", "questions.0.text"]
    assert item[2:8] == [f"questions.0.options.{i}" for i in range(6)]
    assert item[8:] == ["questions.0.correct_index", "questions.0.time_limit_s"]


# --- objects and arrays -----------------------------------------------------------------------


def test_an_object_is_a_fieldset_of_its_properties():
    schema = obj({"venue": obj({"name": {"type": "string"}, "seats": {"type": "integer"}})})
    form = SettingsForm(schema, value={"venue": {"name": "Blue Door", "seats": 200, "x": 1}})
    group = form.root.children[0]
    assert isinstance(group, GroupNode) and group.label == "Venue"
    assert [n.name for n in group.fields()] == ["venue.name", "venue.seats"]
    form = SettingsForm(
        schema,
        value={"venue": {"name": "Blue Door", "seats": 200, "x": 1}},
        data={"settings-venue.name": "Green Room", "settings-venue.seats": ""},
    )
    assert form.is_valid()
    # What the schema does not draw (x) is kept; a cleared property goes.
    assert form.settings() == {"venue": {"name": "Green Room", "x": 1}}
    # An optional object left blank is left out.
    assert post(schema, {"venue.name": "", "venue.seats": ""})[1] == {}


def test_a_short_array_of_scalars_is_one_input_per_item_the_blank_ones_dropped():
    form = SettingsForm(QUIZ)
    options = form.root.children[0].children[0].children[2]
    assert isinstance(options, GroupNode) and options.array and options.label == "Options"
    assert [n.label for n in options.children] == [f"Option {i}" for i in range(1, 7)]
    # minItems 2 of a required array: the first two inputs are required.
    assert ["required" in html(form, n.name) for n in options.children] == [True, True] + [
        False
    ] * 4
    data = {
        "questions.__count": "1",
        "questions.0.id": "q1",
        "questions.0.text": "2 + 2?",
        "questions.0.options.0": "3",
        "questions.0.options.2": "4",
        "questions.0.correct_index": "1",
        "questions.0.time_limit_s": "30",
    }
    form, value = post(QUIZ, data)
    assert value == {
        "questions": [
            {
                "id": "q1",
                "text": "2 + 2?",
                "options": ["3", "4"],
                "correct_index": 1,
                "time_limit_s": 30,
            }
        ]
    }
    # An error about the second option is shown at the input that gave it (the third).
    form.apply_errors({"settings.questions[0].options[1]": ["'4' is wrong"]})
    assert form.errors["questions.0.options.2"] == ["'4' is wrong"]


def test_a_long_array_of_scalars_is_one_item_per_line():
    schema = obj(
        {
            "tags": {"type": "array", "items": {"type": "string"}},
            "scores": {"type": "array", "items": {"type": "integer"}, "maxItems": 50},
        }
    )
    form = SettingsForm(schema, value={"tags": ["a", "b"]})
    assert "<textarea" in html(form, "tags") and "a\nb" in html(form, "tags")
    assert field(form, "tags").help_text == "One per line."
    _, value = post(schema, {"tags": "x\n\n y \n", "scores": "1\n2\nten"})
    assert value == {"tags": ["x", "y"], "scores": [1, 2, "ten"]}
    assert post(schema, {"tags": "", "scores": ""})[1] == {}


def test_an_array_of_objects_is_a_fieldset_per_item_with_add_and_remove():
    form = SettingsForm(QUIZ)
    questions = form.root.children[0]
    assert isinstance(questions, ListNode)
    assert [g.label for g in questions.children] == ["Question 1"]  # one to fill in
    assert questions.add_label == "Add another question" and questions.can_add
    assert 'value="30"' in html(form, "questions.0.time_limit_s")  # the item's default
    value = {"questions": [{"id": "a", "text": "A?", "options": ["1", "2"], "correct_index": 0}]}
    # "Add another": a bound form with one more fieldset, at its defaults.
    data = {
        "settings-questions.__count": "1",
        "settings-questions.0.id": "a",
        "settings-questions.0.text": "A?",
        ADD: "questions",
    }
    more = SettingsForm(QUIZ, value=value, data=data, add="questions")
    assert [g.label for g in more.root.children[0].children] == ["Question 1", "Question 2"]
    assert 'value="2"' in html(more, "questions.__count")
    assert 'value="30"' in html(more, "questions.1.time_limit_s")
    assert 'value="a"' in html(more, "questions.0.id")
    # Removed and untouched fieldsets are dropped; the others keep their order.
    data = {
        "questions.__count": "3",
        "questions.0.id": "a",
        "questions.0.text": "A?",
        "questions.0.__remove": "on",
        "questions.1.id": "b",
        "questions.1.text": "B?",
        "questions.1.time_limit_s": "30",
        "questions.2.time_limit_s": "30",  # only the default: untouched
    }
    form, value = post(QUIZ, data)
    assert value == {"questions": [{"id": "b", "text": "B?", "time_limit_s": 30}]}
    errors = settings_errors(QUIZ, value)
    form.apply_errors(errors)
    # The errors of the kept item (index 0) stand in its fieldset (the form's second).
    assert form.errors["questions.1.correct_index"] == ["This field is required."]
    options = form.root.children[0].children[1].children[2]
    assert options.errors == ["This field is required."]


def test_maxitems_caps_the_fieldsets_and_a_posted_count_is_clamped():
    schema = obj(
        {"rows": {"type": "array", "maxItems": 2, "items": obj({"a": {"type": "string"}})}}
    )
    form = SettingsForm(schema, data={"settings-rows.__count": "9999"})
    assert len(form.root.children[0].children) == 2
    assert not form.root.children[0].can_add
    form = SettingsForm(schema, data={"settings-rows.__count": "-3"})
    assert form.root.children[0].children == []


# --- what can't be drawn ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sub",
    [
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": ["string", "null"]},
        {},
        {"$ref": "https://example.com/schema.json"},
        {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
        {"type": "object"},
    ],
)
def test_what_the_form_cant_draw_is_a_json_textarea(sub):
    form = SettingsForm(obj({"x": sub}), value={"x": {"a": [1, 2]}})
    node = field(form, "x")
    assert isinstance(node.field, JsonSetting) and node.help_text == "As JSON."
    assert "&quot;a&quot;" in html(form, "x")
    _, value = post(obj({"x": sub}), {"x": '{"b": true}'})
    assert value == {"x": {"b": True}}
    bad = SettingsForm(obj({"x": sub}), data={"settings-x": "{nope"})
    assert not bad.is_valid() and bad.errors["x"][0].startswith("Not valid JSON")


def test_local_refs_are_followed():
    schema = obj(
        {"who": {"$ref": "#/definitions/person"}},
        definitions={"person": obj({"name": {"type": "string", "title": "Name"}})},
    )
    form = SettingsForm(schema)
    assert [n.label for n in form.inputs()] == ["Name"]


def test_nesting_deeper_than_the_limit_is_json():
    deep = {"type": "string"}
    for level in range(6):
        deep = obj({f"l{level}": deep})
    form = SettingsForm(deep)
    assert any(isinstance(n.field, JsonSetting) for n in form.inputs())


def test_a_schema_that_is_not_an_object_of_properties_is_one_json_textarea():
    form = SettingsForm({"type": "object"}, value={"a": 1})
    (node,) = list(form.inputs())
    assert node.label == "Settings (JSON)" and isinstance(node.field, JsonSetting)
    form = SettingsForm({"type": "object"}, data={"settings-__root": '{"b": 2}'})
    assert form.is_valid() and form.settings() == {"b": 2}
    form.apply_errors({"settings": ["{'b': 2} is bad"]})
    assert form.errors["__root"] == ["{'b': 2} is bad"]


def test_odd_property_names_get_safe_input_names():
    form = SettingsForm(obj({"a b": {"type": "string"}, "__x": {"type": "string"}}))
    names = [n.name for n in form.inputs()]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", name) for name in names)
    assert len(set(names)) == 2 and "__x" not in names
    (spaced,) = [n.name for n in SettingsForm(obj({"a b": {"type": "string"}})).inputs()]
    form = SettingsForm(obj({"a b": {"type": "string"}}), data={f"settings-{spaced}": "ok"})
    assert form.is_valid() and form.settings() == {"a b": "ok"}


# --- only some properties, errors, merge patches ----------------------------------------------


def test_only_draws_the_properties_asked_and_keeps_the_others():
    schema = obj({"a": {"type": "string"}, "b": {"type": "string"}}, required=["a", "b"])
    form = SettingsForm(schema, value={"a": "x", "c": 3}, data={"settings-b": "y"}, only=["b"])
    assert [n.name for n in form.inputs()] == ["b"]
    assert form.is_valid() and form.settings() == {"a": "x", "b": "y", "c": 3}


def test_service_errors_go_next_to_the_nearest_input_or_fieldset():
    form, value = post(QUIZ, {"questions.__count": "1", "questions.0.id": "x y"})
    errors = settings_errors(QUIZ, value)
    form.apply_errors(
        {
            **errors,
            "settings.questions[0].options[5]": ["too far"],  # no such input: its fieldset
            "settings.colour": ["Unknown setting."],  # not drawn: above the form
            "name": ["not a settings path"],  # ignored: the room form's business
        }
    )
    assert form.errors["questions.0.id"] == ["'x y' does not match '^[A-Za-z0-9_-]{1,32}$'"]
    assert 'aria-invalid="true"' in html(form, "questions.0.id")
    options = form.root.children[0].children[0].children[2]
    assert options.errors == ["This field is required.", "[5]: too far"]
    assert form.non_field_errors() == ["colour: Unknown setting."]
    summary = form.summary()
    assert summary[0] == ("id_settings-questions.0.id", "Settings", "colour: Unknown setting.")
    assert (
        "id_settings-questions.0.options.0",
        "Questions / Question 1 / Options",
        "This field is required.",
    ) in summary
    form.describe()
    tag = html(form, "questions.0.id")
    assert 'aria-describedby="id_settings-questions.0.id_error"' in tag


def test_errors_can_be_placed_on_an_unbound_form():
    form = SettingsForm(QUIZ, value={"questions": [{"id": "q1", "options": ["a"]}]})
    # An existing item shows what it has (no default fills its time limit).
    assert form.settings() == {"questions": [{"id": "q1", "options": ["a"]}]}
    form.apply_errors({"settings.questions[0].options": ["['a'] is too short"]})
    options = form.root.children[0].children[0].children[2]
    assert options.errors == ["['a'] is too short"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5}}),
        ({"a": [1, 2]}, {"a": [2]}),
        ({}, {"x": {"y": 1}}),
        ({"a": 1}, {}),
        ({"a": {"b": 1}}, {"a": 7}),
    ],
)
def test_merge_patch_for_gives_back_the_new_settings(old, new):
    assert merge_patch(old, merge_patch_for(old, new)) == new


def test_merge_patch_for_sends_only_what_changed():
    assert merge_patch_for({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": 3, "c": 4}
    assert merge_patch_for({"a": 1, "b": 2}, {"a": 1}) == {"b": None}

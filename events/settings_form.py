"""A room's settings as an HTML form, generated from the ``settings`` JSON Schema of an app's
manifest (SPEC-events §3: "the room settings form on the page is generated from the JSON
Schema"; docs/rooms.md "Pages").

What becomes what:

- ``string`` → a text input (a textarea when ``maxLength`` is over 300); ``minLength`` /
  ``maxLength`` → ``minlength`` / ``maxlength``; ``pattern`` → ``pattern`` (rewritten for the
  browser, :func:`browser_pattern`); ``format`` ``date-time`` → a ``datetime-local`` input read
  as UTC, ``date`` → ``date``, ``email`` → ``email``, ``uri`` → ``url``;
- ``integer`` / ``number`` → a number input; ``minimum`` / ``maximum`` → ``min`` / ``max``
  (``exclusiveMinimum`` / ``exclusiveMaximum`` too for integers), ``multipleOf`` → ``step``;
- ``boolean`` → a checkbox; an optional one without a ``default`` → a select (not set, Yes, No),
  so "not set" stays expressible;
- ``enum`` (any JSON values) → a select; an array of ``enum`` items with ``uniqueItems`` →
  checkboxes;
- ``object`` with ``properties`` → a fieldset of its properties;
- an array of strings or numbers with ``maxItems`` up to 10 → one input per item (the quiz's
  options); a longer one → a textarea, one item per line;
- an array of objects → a fieldset per item, with "Add another" and "Remove" buttons that work
  without JavaScript (the quiz's questions);
- ``title`` → the label, ``description`` → the help text, ``default`` → the initial value,
  ``required`` → the ``required`` attribute;
- anything else (no ``type`` or several, ``$ref``, ``oneOf`` / ``anyOf`` / ``allOf``, tuples,
  nesting deeper than :data:`MAX_DEPTH`) → a JSON textarea for that part.

The form validates nothing but what it must read (JSON in a JSON textarea): a number that does
not parse is passed on as typed. The service validates the whole document with ``jsonschema``
and its errors, keyed by settings path (``settings.questions[0].options``), come back next to
the field or fieldset they name (:meth:`SettingsForm.apply_errors`). Properties the schema does
not describe are kept as they were.
"""

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.http import QueryDict

from events.services.rooms import settings_path

PREFIX = "settings"
MAX_DEPTH = 4  # levels of fieldsets below the settings themselves
INPUTS_UP_TO = 10  # an array of scalars with at most this many items: one input per item
TEXTAREA_OVER = 300  # a string allowed longer than this gets a textarea
MAX_ITEMS = 200  # fieldsets of one array shown at most
ADD = f"{PREFIX}-add"  # the "Add another" buttons' name (their value: the array's key)
COUNT = "__count"
REMOVE = "__remove"
SCALARS = ("string", "integer", "number", "boolean")

Path = tuple[str | int, ...]


def humanize(name: str) -> str:
    text = re.sub(r"[_-]+", " ", name).strip()
    return text[:1].upper() + text[1:] if text else name


def singular(label: str) -> str:
    """ "Questions" → "Question" (a fieldset per item is named after one of them)."""
    if label.endswith("ies") and len(label) > 4:
        return label[:-3] + "y"
    if label.endswith("s") and not label.endswith("ss") and len(label) > 2:
        return label[:-1]
    return label


def _safe(part: str | int) -> str:
    text = str(part)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text) and not text.startswith("__"):
        return text
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:10]


def _key(path: Path) -> str:
    return ".".join(_safe(part) for part in path) or "__root"


# --- the pattern keyword in a browser ---------------------------------------------------------

_CLASS_SPECIALS = "()[{}/|"
_DOUBLE_PUNCTUATORS = "&!#%,:;<=>@`~"
_ESCAPES_OUTSIDE = set("dDwWsSbBnrtfv0123456789") | set("^$\\.*+?()[]{}|/")
_ESCAPES_INSIDE = set("dDwWsSnrtfvb") | set("^$\\.*+?()[]{}|/-")


def browser_pattern(pattern: Any) -> str | None:
    """A JSON Schema ``pattern`` as an HTML ``pattern`` attribute, or ``None`` when it can't be
    said safely (the server checks it anyway).

    Two differences matter: the attribute must match the *whole* value (JSON Schema's pattern
    may match anywhere), and browsers compile it with the ``v`` flag, which wants ``-``, ``(``,
    ``)``, ``{``, ``}``, ``/`` and ``|`` escaped inside a character class (``[A-Za-z0-9_-]``
    is a syntax error there). Python-only syntax (``(?P<…>``, ``(?i)``, ``\\Z``…) gives None.
    """
    if not isinstance(pattern, str) or not pattern or len(pattern) > 1000:
        return None
    try:
        re.compile(pattern)
    except re.error:
        return None
    out: list[str] = []
    in_class = False
    first_in_class = False
    depth = 0  # groups open
    alternation = False  # a | outside every group and class
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                return None
            nxt = pattern[i + 1]
            if nxt in "ux":
                size = 4 if nxt == "u" else 2
                digits = pattern[i + 2 : i + 2 + size]
                if len(digits) != size or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                    return None
                out.append(pattern[i : i + 2 + size])
                i += 2 + size
                first_in_class = False
                continue
            allowed = _ESCAPES_INSIDE if in_class else _ESCAPES_OUTSIDE
            if nxt in allowed:
                out.append(char + nxt)
            elif not nxt.isalnum() and not in_class and nxt != "-":
                out.append(nxt)  # an escape JavaScript refuses of a character that needs none
            elif nxt == "-":
                out.append("-")  # outside a class a hyphen is literal anyway
            else:
                return None
            i += 2
            first_in_class = False
            continue
        if in_class:
            if char == "]" and not first_in_class:
                in_class = False
                out.append(char)
            elif char == "]":
                return None  # "[]…]": a literal ] in Python, an empty class in JavaScript
            elif char == "-" and (first_in_class or pattern[i + 1 : i + 2] == "]"):
                out.append("\\-")
            elif char in _CLASS_SPECIALS:
                out.append("\\" + char)
            elif char in _DOUBLE_PUNCTUATORS and pattern[i + 1 : i + 2] == char:
                out.append(f"\\{char}\\{char}")
                i += 1
            else:
                out.append(char)
            first_in_class = False
            i += 1
            continue
        if char == "[":
            in_class = True
            first_in_class = True
            out.append(char)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            i += 1
            continue
        if char == "(" and pattern[i + 1 : i + 2] == "?":
            rest = pattern[i + 2 : i + 4]
            if not (rest[:1] in (":", "=", "!") or rest in ("<=", "<!")):
                return None
        depth += {"(": 1, ")": -1}.get(char, 0)
        alternation = alternation or (char == "|" and depth == 0)
        out.append(char)
        i += 1
    if in_class:
        return None
    text = "".join(out)
    anchored = text.startswith("^") and text.endswith("$") and not text.endswith("\\$")
    if anchored and not alternation:
        return text
    return f".*(?:{text}).*"


# --- reading values ---------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _number(text: str, kind: str) -> Any:
    """``"12"`` → 12, ``"1.5"`` → 1.5; anything else as typed (the service says what's wrong)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    if kind == "integer" and number.is_integer():
        return int(number)
    return number


_LOCAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def datetime_shown(value: Any) -> str:
    """A ``date-time`` setting as a ``datetime-local`` input shows it: in UTC, no zone."""
    if not isinstance(value, str):
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    shown = moment.strftime("%Y-%m-%dT%H:%M")
    return shown + (moment.strftime(":%S") if moment.second or moment.microsecond else "")


def datetime_read(text: str, original: Any) -> Any:
    """What a ``datetime-local`` input sent, as RFC 3339 in UTC; the original setting when the
    input still shows it (the same instant keeps its own spelling)."""
    if isinstance(original, str) and datetime_shown(original) == text:
        return original
    if _LOCAL_DATETIME.fullmatch(text):
        return text + (":00" if len(text) == 16 else "") + "Z"
    return text


def _jsonable_label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# --- the form's fields ------------------------------------------------------------------------


class SettingField(forms.Field):
    """What every generated field knows: its schema and how to turn what was posted into JSON.
    ``read`` answers ``(present, value)``; absent means "leave the property out"."""

    schema: dict[str, Any]
    original: Any
    default_shown: Any

    def read(self, cleaned: Any) -> tuple[bool, Any]:
        raise NotImplementedError

    def shown(self, value: Any) -> Any:
        """A JSON value as the widget shows it."""
        return "" if value is None else value


class TextSetting(SettingField, forms.CharField):
    def read(self, cleaned: Any) -> tuple[bool, Any]:
        if _blank(cleaned):
            return False, None
        if self.schema.get("format") == "date-time":
            return True, datetime_read(cleaned, self.original)
        return True, cleaned

    def shown(self, value: Any) -> Any:
        if self.schema.get("format") == "date-time":
            return datetime_shown(value)
        return "" if value is None else value if isinstance(value, str) else json.dumps(value)


class NumberSetting(SettingField, forms.CharField):
    def read(self, cleaned: Any) -> tuple[bool, Any]:
        if _blank(cleaned):
            return False, None
        return True, _number(cleaned, self.schema.get("type", "number"))

    def shown(self, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return value


class CheckboxSetting(SettingField, forms.BooleanField):
    def read(self, cleaned: Any) -> tuple[bool, Any]:
        return True, bool(cleaned)

    def shown(self, value: Any) -> Any:
        return value is True


class TriStateSetting(SettingField, forms.ChoiceField):
    def read(self, cleaned: Any) -> tuple[bool, Any]:
        if cleaned == "true":
            return True, True
        if cleaned == "false":
            return True, False
        return False, None

    def shown(self, value: Any) -> Any:
        return {True: "true", False: "false"}.get(value, "") if isinstance(value, bool) else ""


class EnumSetting(SettingField, forms.ChoiceField):
    """A select of the enum's values; each option's value is the JSON text of a non-string."""

    def read(self, cleaned: Any) -> tuple[bool, Any]:
        if cleaned == "":
            return False, None
        for option in self.schema.get("enum") or []:
            if _encode(option) == cleaned:
                return True, option
        return True, cleaned

    def shown(self, value: Any) -> Any:
        return "" if value is None else _encode(value)


class MultiEnumSetting(SettingField, forms.MultipleChoiceField):
    def read(self, cleaned: Any) -> tuple[bool, Any]:
        options = (self.schema.get("items") or {}).get("enum") or []
        chosen = [option for option in options if _encode(option) in (cleaned or [])]
        if not chosen and self.original is None:
            return False, None
        return True, chosen

    def shown(self, value: Any) -> Any:
        return [_encode(item) for item in value] if isinstance(value, list) else []


class LinesSetting(SettingField, forms.CharField):
    """An array of strings or numbers, one item per line."""

    def read(self, cleaned: Any) -> tuple[bool, Any]:
        lines = [line.strip() for line in str(cleaned or "").splitlines() if line.strip()]
        if not lines and self.original is None:
            return False, None
        kind = (self.schema.get("items") or {}).get("type")
        if kind in ("integer", "number"):
            return True, [_number(line, kind) for line in lines]
        return True, lines

    def shown(self, value: Any) -> Any:
        if not isinstance(value, list):
            return ""
        return "\n".join(_jsonable_label(item) for item in value)


class JsonSetting(SettingField, forms.CharField):
    """A part of the settings the form can't draw: its JSON, as text."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return {"json": json.loads(str(text))}
        except (json.JSONDecodeError, RecursionError) as error:
            message = getattr(error, "msg", "too deeply nested")
            raise forms.ValidationError(f"Not valid JSON: {message}.") from error

    def read(self, cleaned: Any) -> tuple[bool, Any]:
        if cleaned is None:
            return False, None
        return True, cleaned["json"]

    def shown(self, value: Any) -> Any:
        return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)


def _encode(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --- the tree the template draws --------------------------------------------------------------


class Node:
    """A part of the form: ``field`` (one input), ``group`` (a fieldset: an object's properties,
    or an array's inputs when ``array``), ``list`` (a fieldset per item of an array of
    objects). Fieldsets carry their own ``errors`` (a problem of the whole object or array)."""

    kind = ""

    def __init__(
        self, *, path: Path, label: str, help_text: str = "", required: bool = False
    ) -> None:
        self.path = path
        self.key = _key(path)
        self.label = label
        self.help_text = help_text
        self.required = required
        self.errors: list[str] = []
        self.children: list[Node] = []

    @property
    def dom_id(self) -> str:
        return f"id_{PREFIX}-{self.key}-part"

    @property
    def described_by(self) -> str:
        """The ids of this fieldset's error and help text (``aria-describedby``)."""
        ids = [f"{self.dom_id}_error"] if self.errors else []
        if self.help_text:
            ids.append(f"{self.dom_id}_helptext")
        return " ".join(ids)

    def fields(self) -> Iterator["FieldNode"]:
        """The inputs inside, in order (not the "Remove" checkboxes)."""
        for child in self.children:
            yield from child.fields()

    def first_input_id(self) -> str:
        for node in self.fields():
            return node.dom_id
        return self.dom_id


class FieldNode(Node):
    kind = "field"

    def __init__(self, *, name: str, field: SettingField, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.field = field
        self.bound: forms.BoundField | None = None

    def fields(self) -> Iterator["FieldNode"]:
        yield self

    @property
    def dom_id(self) -> str:
        return str(self.bound.auto_id) if self.bound is not None else ""

    @property
    def described_by(self) -> str:
        """The ids of this input's error and help text (``aria-describedby``)."""
        ids = [f"{self.dom_id}_error"] if self.bound is not None and self.bound.errors else []
        if self.help_text:
            ids.append(f"{self.dom_id}_helptext")
        return " ".join(ids)


class GroupNode(Node):
    kind = "group"

    def __init__(
        self, *, array: bool = False, remove: FieldNode | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.array = array  # an array of scalars, one input per item
        self.remove = remove  # an item of a list: its "Remove" checkbox


class ListNode(Node):
    kind = "list"

    def __init__(self, *, count_name: str, add_label: str, can_add: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count_name = count_name
        self.add_label = add_label
        self.can_add = can_add
        self.add_name = ADD


# --- schema helpers ---------------------------------------------------------------------------

_COMBINATORS = ("oneOf", "anyOf", "allOf", "if", "not", "$ref")


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    """A local ``$ref`` (``#/definitions/x``) resolved; anything else as it is."""
    for _ in range(8):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            return schema
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return schema
            target = target[part]
        schema = target
    return schema


def _drawable_object(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and isinstance(schema.get("properties"), dict)
        and not any(keyword in schema for keyword in _COMBINATORS)
    )


def _scalar(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and (schema.get("type") in SCALARS or isinstance(schema.get("enum"), list))
        and not any(keyword in schema for keyword in _COMBINATORS)
    )


def _ordered(schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """The order properties are drawn in. PostgreSQL's ``jsonb`` does not keep the order of an
    object's keys (the stored manifest lists them shortest first), so the form does not rely
    on it: the ``required`` properties first, in the order ``required`` lists them, then the
    others by name — inputs, then checkboxes, then fieldsets."""
    properties = schema["properties"]
    required = [name for name in schema.get("required") or [] if name in properties]
    required = list(dict.fromkeys(required))

    def rank(name: str) -> tuple[int, str]:
        sub = _resolve(properties[name], root)
        kind = sub.get("type") if isinstance(sub, dict) else None
        if kind in ("object", "array") or not _scalar(sub):
            return (2, name)
        return (1 if kind == "boolean" and "enum" not in sub else 0, name)

    others = sorted((name for name in properties if name not in required), key=rank)
    return required + others


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _number_attrs(schema: dict[str, Any]) -> dict[str, Any]:
    integer = schema.get("type") == "integer"
    attrs: dict[str, Any] = {"step": "1" if integer else "any"}

    def number(keyword: str) -> Any:
        value = schema.get(keyword)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    if number("minimum") is not None:
        attrs["min"] = number("minimum")
    if number("maximum") is not None:
        attrs["max"] = number("maximum")
    if integer and number("exclusiveMinimum") is not None:
        bound = math.floor(number("exclusiveMinimum")) + 1
        attrs["min"] = max(bound, attrs.get("min", bound))
    if integer and number("exclusiveMaximum") is not None:
        bound = math.ceil(number("exclusiveMaximum")) - 1
        attrs["max"] = min(bound, attrs.get("max", bound))
    if number("multipleOf") is not None and number("multipleOf") > 0:
        attrs["step"] = number("multipleOf")
    return attrs


def _text_widget(schema: dict[str, Any]) -> forms.Widget:
    fmt = schema.get("format")
    if fmt == "date-time":
        return forms.DateTimeInput(attrs={"type": "datetime-local"})
    if fmt == "date":
        return forms.DateInput(attrs={"type": "date"})
    if fmt == "email":
        return forms.EmailInput()
    if fmt in ("uri", "url"):
        return forms.URLInput()
    longest = schema.get("maxLength")
    if isinstance(longest, int) and longest > TEXTAREA_OVER:
        return forms.Textarea(attrs={"rows": 3})
    return forms.TextInput()


def _text_attrs(schema: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for keyword, attr in (("minLength", "minlength"), ("maxLength", "maxlength")):
        value = schema.get(keyword)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            attrs[attr] = value
    pattern = browser_pattern(schema.get("pattern"))
    if pattern is not None:
        attrs["pattern"] = pattern
    return attrs


def _helped(*parts: str) -> str:
    return " ".join(part for part in parts if part)


# --- the form ---------------------------------------------------------------------------------


class SettingsForm(forms.Form):
    """The form of one settings schema.

    ``value``: the settings shown (the room's); ``None`` when creating a room: the schema's
    defaults. ``only``: the top-level properties to draw (the assisted upgrade asks for exactly
    those with problems); the others are kept as they are. ``add``: the key of the array that
    gets one more fieldset (its "Add another" button was pressed)."""

    def __init__(
        self,
        schema: dict[str, Any] | None,
        *,
        value: Any = None,
        data: QueryDict | dict[str, Any] | None = None,
        only: Iterable[str] | None = None,
        add: str | None = None,
    ) -> None:
        super().__init__(data=data, prefix=PREFIX)
        self.schema = schema if isinstance(schema, dict) else {"type": "object"}
        self.value = value
        self.only = set(only) if only is not None else None
        self.add = add
        self.locations: dict[str, Node] = {}  # settings path -> where its errors are shown
        self._new_fields: list[FieldNode] = []  # the fieldset "Add another" made
        self._counts: dict[str, int] = {}  # each list's count field -> fieldsets drawn
        self.root = self._root()
        for node in self.inputs():
            node.bound = self[node.name]
        if self.is_bound:
            self._start_new_fields()

    # -- building ----------------------------------------------------------------------------

    def _root(self) -> GroupNode:
        root = GroupNode(path=(), label="Settings", required=True)
        if not _drawable_object(self.schema):
            root.children.append(
                self._field(self.schema, (), "Settings (JSON)", self.value, True, as_json=True)
            )
            return root
        current = self.value if isinstance(self.value, dict) else None
        root.children = self._properties(
            self.schema, (), current, depth=0, fresh=self.value is None
        )
        return root

    def _properties(
        self,
        schema: dict[str, Any],
        path: Path,
        current: dict[str, Any] | None,
        *,
        depth: int,
        fresh: bool,
    ) -> list[Node]:
        required = set(schema.get("required") or [])
        nodes: list[Node] = []
        for name in _ordered(schema, self.schema):
            if not path and self.only is not None and name not in self.only:
                continue
            sub = _resolve(schema["properties"][name], self.schema)
            sub = sub if isinstance(sub, dict) else {}
            value = current.get(name) if isinstance(current, dict) else None
            if value is None and fresh and "default" in sub:
                value = sub["default"]
            label = str(sub.get("title") or humanize(str(name)))
            node = self._node(sub, (*path, name), label, value, name in required, depth, fresh)
            nodes.append(node)
        return nodes

    def _node(
        self,
        schema: dict[str, Any],
        path: Path,
        label: str,
        value: Any,
        required: bool,
        depth: int,
        fresh: bool,
    ) -> Node:
        if depth < MAX_DEPTH and _drawable_object(schema):
            group = GroupNode(
                path=path,
                label=label,
                help_text=str(schema.get("description") or ""),
                required=required,
            )
            current = value if isinstance(value, dict) else None
            group.children = self._properties(schema, path, current, depth=depth + 1, fresh=fresh)
            return group
        if schema.get("type") == "array" and depth < MAX_DEPTH and not _combined(schema):
            items = _resolve(schema.get("items"), self.schema)
            if _drawable_object(items):
                return self._list(schema, items, path, label, value, required, depth)
            if _scalar(items) and (items.get("type") != "boolean" or "enum" in items):
                return self._scalar_array(schema, items, path, label, value, required)
        return self._field(schema, path, label, value, required)

    def _list(
        self,
        schema: dict[str, Any],
        items: dict[str, Any],
        path: Path,
        label: str,
        value: Any,
        required: bool,
        depth: int,
    ) -> ListNode:
        current = value if isinstance(value, list) else []
        key = _key(path)
        count_name = f"{key}.{COUNT}"
        cap = max(0, min(_int(schema.get("maxItems"), MAX_ITEMS), MAX_ITEMS))
        if self.is_bound:
            count = _int(self.data.get(f"{PREFIX}-{count_name}"), len(current))
            if self.add == key:
                count += 1
        else:
            count = max(len(current), _int(schema.get("minItems"), 0), 1)
        count = max(0, min(count, cap))
        self._counts[count_name] = count
        one = singular(str(items.get("title") or label))
        node = ListNode(
            path=path,
            label=label,
            help_text=str(schema.get("description") or ""),
            required=required,
            count_name=count_name,
            add_label=f"Add another {one.lower()}",
            can_add=count < cap,
        )
        self.fields[count_name] = forms.IntegerField(
            widget=forms.HiddenInput, initial=count, required=False
        )
        for index in range(count):
            item = current[index] if index < len(current) else None
            item_path: Path = (*path, index)
            remove_label = f"Remove {one.lower()} {index + 1}"
            remove_field = CheckboxSetting(required=False, label=remove_label)
            remove_field.schema, remove_field.original, remove_field.default_shown = {}, None, None
            remove = FieldNode(
                path=item_path,
                name=f"{_key(item_path)}.{REMOVE}",
                field=remove_field,
                label=remove_label,
            )
            self.fields[remove.name] = remove_field
            group = GroupNode(path=item_path, label=f"{one} {index + 1}", remove=remove)
            group.children = self._properties(
                items,
                item_path,
                item if isinstance(item, dict) else None,
                depth=depth + 1,
                fresh=item is None,  # a new fieldset starts at the defaults
            )
            if self.add == key and index == count - 1 and item is None:
                self._new_fields = list(group.fields())
            node.children.append(group)
        return node

    def _scalar_array(
        self,
        schema: dict[str, Any],
        items: dict[str, Any],
        path: Path,
        label: str,
        value: Any,
        required: bool,
    ) -> Node:
        current = value if isinstance(value, list) else None
        help_text = str(schema.get("description") or "")
        if isinstance(items.get("enum"), list) and schema.get("uniqueItems") is True:
            choices = [(_encode(option), _jsonable_label(option)) for option in items["enum"]]
            field: SettingField = MultiEnumSetting(
                required=False, choices=choices, widget=forms.CheckboxSelectMultiple
            )
            return self._setting(field, schema, path, label, current, required, help_text)
        most = _int(schema.get("maxItems"), 0)
        if 0 < most <= INPUTS_UP_TO and "enum" not in items:
            group = GroupNode(
                path=path, label=label, help_text=help_text, required=required, array=True
            )
            one = singular(label)
            least = _int(schema.get("minItems"), 0)
            for index in range(most):
                item = current[index] if current is not None and index < len(current) else None
                group.children.append(
                    self._field(
                        items,
                        (*path, index),
                        f"{one} {index + 1}",
                        item,
                        required and index < least,
                    )
                )
            return group
        field = LinesSetting(required=False, widget=forms.Textarea(attrs={"rows": 4}))
        return self._setting(
            field, schema, path, label, current, required, _helped(help_text, "One per line.")
        )

    def _field(
        self,
        schema: dict[str, Any],
        path: Path,
        label: str,
        value: Any,
        required: bool,
        *,
        as_json: bool = False,
    ) -> FieldNode:
        kind = schema.get("type")
        help_text = str(schema.get("description") or "")
        attrs: dict[str, Any] = {}
        field: SettingField
        if as_json or not _scalar(schema):
            field = JsonSetting(
                required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})
            )
            help_text = _helped(help_text, "As JSON.")
        elif isinstance(schema.get("enum"), list):
            choices = [(_encode(option), _jsonable_label(option)) for option in schema["enum"]]
            field = EnumSetting(required=False, choices=[("", "—"), *choices])
        elif kind == "boolean":
            if required or "default" in schema:
                field = CheckboxSetting(required=False)
            else:
                field = TriStateSetting(
                    required=False, choices=[("", "Not set"), ("true", "Yes"), ("false", "No")]
                )
        elif kind in ("integer", "number"):
            field = NumberSetting(required=False, widget=forms.NumberInput)
            attrs = _number_attrs(schema)
        else:
            field = TextSetting(required=False, strip=True, widget=_text_widget(schema))
            attrs = _text_attrs(schema)
            if schema.get("format") == "date-time":
                help_text = _helped(help_text, "In UTC.")
        return self._setting(field, schema, path, label, value, required, help_text, attrs)

    def _setting(
        self,
        field: SettingField,
        schema: dict[str, Any],
        path: Path,
        label: str,
        value: Any,
        required: bool,
        help_text: str,
        attrs: dict[str, Any] | None = None,
    ) -> FieldNode:
        field.schema = schema
        field.original = value
        field.default_shown = field.shown(schema["default"]) if "default" in schema else None
        field.label = label
        field.initial = field.shown(value)
        field.widget.attrs.update(attrs or {})
        if required and not isinstance(field, CheckboxSetting | MultiEnumSetting):
            field.widget.attrs["required"] = True
        node = FieldNode(
            path=path,
            name=_key(path),
            field=field,
            label=label,
            help_text=help_text,
            required=required,
        )
        self.fields[node.name] = field  # type: ignore[assignment]
        return node

    def _start_new_fields(self) -> None:
        """The fieldset "Add another" made starts at its defaults, though the form is bound;
        each list's hidden count says how many fieldsets are drawn now."""
        data: Any = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        for count_name, count in self._counts.items():
            data[f"{PREFIX}-{count_name}"] = str(count)
        for node in self._new_fields:
            name = f"{PREFIX}-{node.name}"
            if name in data or node.field.initial in (None, "", False, []):
                continue
            data[name] = (
                "on" if isinstance(node.field, CheckboxSetting) else str(node.field.initial)
            )
        self.data = data

    def inputs(self, node: Node | None = None) -> Iterator[FieldNode]:
        """Every input, the "Remove" checkboxes included."""
        node = self.root if node is None else node
        if isinstance(node, GroupNode) and node.remove is not None:
            yield node.remove
        if isinstance(node, FieldNode):
            yield node
        for child in node.children:
            yield from self.inputs(child)

    # -- reading -----------------------------------------------------------------------------

    def settings(self) -> Any:
        """The settings the form says (bound: after ``is_valid()``; unbound: what it shows):
        the drawn properties from their inputs, the others as they were. Records where each
        settings path is shown, for :meth:`apply_errors`."""
        self.locations = {}
        only = self.root.children[0] if len(self.root.children) == 1 else None
        if isinstance(only, FieldNode) and not only.path:  # the whole settings as JSON
            self.locations[settings_path(())] = only
            present, value = only.field.read(self._cleaned(only))
            return value if present else {}
        present, value = self._read(self.root, (), self.value)
        return value if present else {}

    def _read(self, node: Node, at: Path, original: Any) -> tuple[bool, Any]:
        self.locations[settings_path(at)] = node
        if isinstance(node, FieldNode):
            return node.field.read(self._cleaned(node))
        if isinstance(node, ListNode):
            old = original if isinstance(original, list) else []
            items: list[Any] = []
            for index, group in enumerate(node.children):
                removed = (
                    isinstance(group, GroupNode)
                    and group.remove is not None
                    and self._cleaned(group.remove)
                )
                if removed or self._blank(group):
                    continue
                _, item = self._read(
                    group, (*at, len(items)), old[index] if index < len(old) else None
                )
                items.append(item)
            if not items and original is None and not node.required:
                return False, None
            return True, items
        if isinstance(node, GroupNode) and node.array:
            values: list[Any] = []  # the filled inputs, in order
            for child in node.children:
                present, value = self._read(child, (*at, len(values)), None)
                if present:
                    values.append(value)
            if not values and original is None:
                return False, None
            return True, values
        # An object: its drawn properties, the ones the schema does not draw as they were.
        result = dict(original) if isinstance(original, dict) else {}
        for child in node.children:
            name = str(child.path[-1])
            old_value = result.pop(name, None)
            present, value = self._read(child, (*at, name), old_value)
            if present:
                result[name] = value
        if not result and original is None and not node.required:
            return False, None
        return True, result

    def _cleaned(self, node: FieldNode) -> Any:
        """The field's value: what was posted, or (an unbound form) what it shows."""
        if self.is_bound:
            return self.cleaned_data.get(node.name)
        initial = node.field.initial
        try:
            return node.field.to_python(
                initial if isinstance(initial, list | bool) or initial is None else str(initial)
            )
        except forms.ValidationError:
            return None

    def _blank(self, group: Node) -> bool:
        """Nothing typed in the fieldset (a field at its default counts as untouched)."""
        for node in group.fields():
            value = self._cleaned(node)
            if _blank(value) or value is False:
                continue
            if node.field.default_shown is not None and str(value) == str(node.field.default_shown):
                continue
            return False
        return True

    # -- errors ------------------------------------------------------------------------------

    def add_error(self, field: str | None, error: Any) -> None:
        """Django's, also on an unbound form (the assisted upgrade shows the service's errors
        on a form drawn from the room's settings, before anything was posted)."""
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        if getattr(self, "_errors", None) is None:
            self.full_clean()
        super().add_error(field, error)

    def apply_errors(self, details: dict[str, Any]) -> None:
        """Put the service's settings errors (``{"settings.x[0].y": [messages]}``) next to the
        input or fieldset each path names (the nearest one drawn, saying what lies below it),
        else above the form. Call after :meth:`settings`."""
        for path, messages in details.items():
            path = str(path)
            if path != PREFIX and not path.startswith((f"{PREFIX}.", f"{PREFIX}[")):
                continue
            texts = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            node, below = self._nearest(path)
            for text in texts:
                message = f"{below}: {text}" if below else text
                if node is None or node is self.root:
                    self.add_error(None, f"{path.removeprefix(PREFIX + '.')}: {text}")
                elif isinstance(node, FieldNode):
                    self.add_error(node.name, message)
                else:
                    node.errors.append(message)
        for node in self.inputs():
            if node.name in self.errors:
                node.field.widget.attrs["aria-invalid"] = "true"

    def _nearest(self, path: str) -> tuple[Node | None, str]:
        """The node shown for ``path`` or its nearest parent, and what of ``path`` is below it."""
        at = path
        while True:
            if at in self.locations:
                return self.locations[at], path[len(at) :].lstrip(".")
            cut = max(at.rfind("."), at.rfind("["))
            if cut <= 0:
                return None, ""
            at = at[:cut]

    # -- drawing -----------------------------------------------------------------------------

    def describe(self) -> None:
        """Point each input at its error and help text (``aria-describedby``)."""
        for node in self.inputs():
            if node.described_by:
                node.field.widget.attrs["aria-describedby"] = node.described_by

    def summary(self) -> list[tuple[str, str, str]]:
        """Every problem as ``(the id to jump to, what it is about, message)``, in form order."""
        found: list[tuple[str, str, str]] = [
            (self.root.first_input_id(), "Settings", str(message))
            for message in self.non_field_errors()
        ]

        def walk(node: Node, trail: tuple[str, ...]) -> None:
            if isinstance(node, FieldNode):
                for message in self.errors.get(node.name, []):
                    found.append((node.dom_id, " / ".join((*trail, node.label)), str(message)))
                return
            here = (*trail, node.label) if node is not self.root else trail
            for message in node.errors:
                found.append((node.first_input_id(), " / ".join(here), message))
            for child in node.children:
                walk(child, here)

        walk(self.root, ())
        return found


def _combined(schema: dict[str, Any]) -> bool:
    return any(keyword in schema for keyword in _COMBINATORS)


def merge_patch_for(old: Any, new: Any) -> Any:
    """The JSON merge patch (RFC 7386) that turns ``old`` into ``new``: objects key by key,
    ``null`` for what ``new`` leaves out, anything else replaced whole."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return new
    patch: dict[str, Any] = {}
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif old[key] != value:
            patch[key] = merge_patch_for(old[key], value)
    for key in old:
        if key not in new:
            patch[key] = None
    return patch

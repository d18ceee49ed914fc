"""umbrella.api.QuerySerializer: fields built once per class and shared, each instance's
validation its own (data, errors, defaults), also from threads at once."""

from concurrent.futures import ThreadPoolExecutor

from django.http import QueryDict
from rest_framework import serializers

from umbrella.api import QuerySerializer


class Query(QuerySerializer):
    size = serializers.IntegerField(required=False, min_value=1, max_value=50)
    public = serializers.BooleanField(required=False, allow_null=True, default=None)
    word = serializers.CharField(required=False, max_length=5)


class Other(Query):
    extra = serializers.IntegerField(required=False)


def _check(text):
    query = Query(data=QueryDict(text))
    return query.is_valid(), dict(query.validated_data), dict(query.errors)


def test_the_fields_are_built_once_per_class():
    first, second = Query(data={}), Query(data={})
    assert first.fields is second.fields
    assert Other(data={}).fields is not first.fields
    assert set(Other(data={}).fields) == {"size", "public", "word", "extra"}


def test_each_instance_validates_its_own_data():
    assert _check("size=3&public=true") == (True, {"size": 3, "public": True}, {})
    assert _check("word=toolong&size=0") == (
        False,
        {},
        {
            "size": ["Ensure this value is greater than or equal to 1."],
            "word": ["Ensure this field has no more than 5 characters."],
        },
    )
    assert _check("") == (True, {"public": None}, {})  # the default, not the last request's


def test_threads_at_once_get_their_own_answers():
    texts = [f"size={n % 60}&word={'x' * (n % 7)}" for n in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(_check, texts))
    assert answers == [_check(text) for text in texts]
    assert {ok for ok, _data, _errors in answers} == {True, False}

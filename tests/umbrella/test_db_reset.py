"""The end of a transactional test (tests/db_reset.py) leaves what Django's ``flush`` leaves."""

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from tests.artists.factories import ArtistProfileFactory
from tests.db_reset import reset_database
from tests.marketplace.factories import GigFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def state() -> dict[str, list[Any]]:
    """Every table's rows; content types and permissions by their natural keys (their ids
    change each time ``flush`` writes them again)."""
    rows: dict[str, list[Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model is ContentType:
            rows["contenttypes"] = sorted(ContentType.objects.values_list("app_label", "model"))
        elif model is Permission:
            rows["permissions"] = sorted(
                Permission.objects.values_list(
                    "content_type__app_label", "content_type__model", "codename", "name"
                )
            )
        else:
            rows[model._meta.label] = list(model.objects.values())
    return rows


def fill() -> None:
    ArtistProfileFactory(stage_name="Nova Reyes")  # a trigger writes the stage-name words
    GigFactory()


def test_the_reset_leaves_what_flush_leaves():
    fill()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    flushed = state()
    assert flushed["contenttypes"] and flushed["permissions"]
    assert all(not rows for label, rows in flushed.items() if "." in label)

    fill()
    reset_database()  # written again by post_migrate (they were written by flush)
    assert state() == flushed

    fill()
    reset_database()  # kept: the same rows as the last reset left
    assert state() == flushed

    fill()
    Permission.objects.filter(codename="add_track").update(name="Renamed")
    ContentType.objects.filter(app_label="artists", model="mediafile").delete()
    reset_database()  # changed: deleted and written again
    assert state() == flushed

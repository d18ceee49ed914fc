"""marketplace.hooks: higher apps hear of an accepted booking after the commit, never of one
that rolled back, and a failing callback never undoes the booking."""

import pytest
from django.db import transaction

from marketplace import hooks
from marketplace.models import Booking
from tests.marketplace.bookings import book


@pytest.fixture
def heard(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(hooks, "_accepted", [calls.append])
    return calls


def test_a_callback_runs_with_the_booking_after_the_commit(
    gig, artist, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        booking = book(gig, artist)
    assert heard == []  # not before the commit
    for callback in waiting:
        callback()
    assert heard == [booking.pk]


def test_no_callback_for_a_booking_that_rolled_back(
    gig, artist, heard, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        book(gig, artist)
        raise Undo
    assert heard == [] and not Booking.objects.exists()


def test_a_failing_callback_does_not_stop_the_others_or_the_booking(
    gig, artist, monkeypatch, django_capture_on_commit_callbacks
):
    calls: list[int] = []

    def broken(booking_id: int) -> None:
        raise RuntimeError("messaging is down")

    monkeypatch.setattr(hooks, "_accepted", [broken, calls.append])
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(gig, artist)
    assert calls == [booking.pk] and Booking.objects.filter(pk=booking.pk).exists()


def test_registering_twice_keeps_one(monkeypatch):
    monkeypatch.setattr(hooks, "_accepted", [])

    def hook(booking_id: int) -> None:
        pass

    hooks.on_booking_accepted(hook)
    hooks.on_booking_accepted(hook)
    assert hooks._accepted == [hook]

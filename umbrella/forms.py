"""Form helpers shared by every app's pages."""

from django import forms

from umbrella.errors import ApplicationError


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's error on the form: next to the fields its details name, else next to
    the field it is about (``error.field``), else above the form."""
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for field, problems in details.items():
        if field in form.fields and isinstance(problems, list):
            for problem in problems:
                form.add_error(field, str(problem))
            placed = True
    if not placed:
        form.add_error(error.field if error.field in form.fields else None, error.message)

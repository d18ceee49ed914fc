"""``python -m bench.seed``: make the bench user able to sign in (run by ``bench.database``).

Reads ``BENCH_EMAIL`` and ``BENCH_PASSWORD``; the password is reset on every run.
"""

import os

import django


def main() -> None:
    django.setup()
    from allauth.account.models import EmailAddress

    from accounts.models import Role, User

    email = os.environ["BENCH_EMAIL"]
    user = User.objects.filter(email=email).first() or User(email=email)
    user.display_name = "Bench"
    user.role = Role.FAN
    user.onboarding_complete = True  # onboarding would not block GETs, but keep the user typical
    user.is_active = True
    user.set_password(os.environ["BENCH_PASSWORD"])
    user.save()
    # ACCOUNT_EMAIL_VERIFICATION is mandatory: an unverified address cannot sign in.
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )


if __name__ == "__main__":
    main()

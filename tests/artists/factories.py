import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from artists.demo import tone_wav
from artists.models import ArtistProfile, MediaQuota, owner_is_public
from tests.accounts.factories import UserFactory


class ArtistUserFactory(UserFactory):
    role = Role.ARTIST


class ArtistProfileFactory(factory.django.DjangoModelFactory):
    """An onboarded artist (all five steps done) with a quota row."""

    class Meta:
        model = ArtistProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(ArtistUserFactory)
    slug = factory.Sequence(lambda n: f"artist-{n}")
    stage_name = factory.Sequence(lambda n: f"Artist {n}")
    onboarding_step = 5
    location_city = "Austin"
    location_country = "US"
    tagline = "Songs for late nights."
    bio = "A touring act with a loyal following and a tight live show."
    primary_genre = "indie"
    performance_types = ["solo"]
    years_performing = 5
    # As services.onboarding_save_step sets it: listed when the owner is public.
    listed = factory.LazyAttribute(lambda profile: owner_is_public(profile.user))

    @factory.post_generation
    def quota(self, create, extracted, **kwargs):
        if create:
            MediaQuota.objects.get_or_create(artist=self)


def wav_upload(name: str = "song.wav", seconds: float = 2.0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tone_wav(seconds=seconds), content_type="audio/wav")


PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_1PX, content_type="image/png")

"""Starting an upload with a body the client should never send: a 400 that says what is
wrong, never a 500, and no upload is begun."""

import pytest
from django.urls import reverse

from creators.models import Upload

pytestmark = pytest.mark.django_db

SIZE = "The size must be the file's length in bytes, a whole number."


def create(uploading, episode, body: bytes):
    uploading.client.raise_request_exception = False
    return uploading.client.post(
        reverse("creators:upload_create", args=[uploading.studio.slug, episode.ref]),
        data=body, content_type="application/json")


@pytest.mark.parametrize("body, reason", [
    (b"[]", "The request must be a JSON object."),
    (b'"video"', "The request must be a JSON object."),
    (b"null", "The request must be a JSON object."),
    (b"[" * 100_000, "Malformed request."),
    (b'{"kind": "video", "filename": "a.mp4", "size": 1e400}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4", "size": NaN}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4", "size": 2.5}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4", "size": "1000"}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4", "size": true}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4", "size": -5}', SIZE),
    (b'{"kind": "video", "filename": "a.mp4"}', SIZE),
    (b'{"kind": "video", "filename": {"name": "a.mp4"}, "size": 1000}',
     "The filename must be text."),
], ids=["array", "string", "null", "nested-too-deep", "infinite-size", "nan-size",
        "fractional-size", "size-as-text", "size-true", "negative-size", "no-size",
        "filename-object"])
def test_a_malformed_create_request_is_a_400_with_its_reason(uploading, episode, body,
                                                              reason):
    response = create(uploading, episode, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"] == reason
    assert not Upload.objects.exists()

"""Event share images: uploads checked and prepared with Pillow (EXIF orientation applied,
metadata stripped, 1200x630), bad files refused with nothing stored, the generated card,
and the versioned public URL."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from webapp.audit import AuditEntry
from webapp.db import begin_write
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.images.models import EventImage

ORIENTATION = 0x0112
GPS_INFO = 0x8825


def image_bytes(fmt: str, size=(1600, 900), color="red", exif=None, mode="RGB") -> bytes:
    """An image in `fmt`; left half `color`, right half blue (to see rotations)."""
    image = Image.new(mode, size, "blue")
    image.paste(Image.new(mode, (size[0] // 2, size[1]), color), (0, 0))
    out = io.BytesIO()
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload(client, event_id: int, data: bytes, filename: str):
    return client.post(
        f"/organiser/events/{event_id}/image",
        data={"image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app, event_id: int) -> EventImage | None:
    with app.app_context():
        image = db.session.get(EventImage, event_id)
        if image is not None:
            db.session.expunge(image)
        return image


def audit_entries(app) -> list[AuditEntry]:
    """The audit entries about events (signing in has its own)."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.action.like("event.%"))
                .order_by(AuditEntry.id)
            )
        )


@pytest.fixture
def event(make_event, signed_in_organiser):
    return make_event(owner_id=signed_in_organiser, title="Cluster summit")


def share_url(client, event) -> str:
    html = client.get(f"/events/{event.slug}").text
    start = html.index('<meta property="og:image" content="') + len(
        '<meta property="og:image" content="'
    )
    url = html[start : html.index('"', start)]
    assert url.startswith("https://convene.test/")
    return url.removeprefix("https://convene.test")


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "card.png"), ("WEBP", "pic.webp")]
)
def test_an_upload_is_stored_as_a_1200_by_630_jpeg(app, client, event, fmt, name):
    response = upload(client, event.id, image_bytes(fmt), name)
    assert response.status_code == 302
    image = stored(app, event.id)
    prepared = Image.open(io.BytesIO(image.data))
    assert (prepared.format, prepared.size) == ("JPEG", (1200, 630))
    assert image.content_type == "image/jpeg"
    (entry,) = audit_entries(app)
    assert entry.action == "event.image_changed" and entry.event_id == event.id
    assert json.loads(entry.details) == {"bytes": len(image.data), "change": "uploaded"}
    url = share_url(client, event)
    with client.get(url) as served:
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.data == image.data
        assert "max-age=31536000" in served.headers["Cache-Control"]


def test_exif_orientation_is_applied_then_every_tag_stripped(app, client, event):
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored sideways: turn 90° clockwise to show
    exif[GPS_INFO] = {1: "N"}
    # Portrait-shaped once turned: 900 wide, 1600 high; red is on the left as stored.
    data = image_bytes("JPEG", size=(1600, 900), exif=exif)
    assert upload(client, event.id, data, "phone.jpeg").status_code == 302
    prepared = Image.open(io.BytesIO(stored(app, event.id).data))
    assert prepared.size == (1200, 630)
    assert dict(prepared.getexif()) == {}
    assert "exif" not in prepared.info
    # Turned upright, the stored left half (red) is now on top: the centre crop is the
    # boundary; the top row is red and the bottom row blue.
    top, bottom = prepared.getpixel((600, 5)), prepared.getpixel((600, 624))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_transparent_png_is_flattened_on_white(app, client, event):
    data = image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))
    assert upload(client, event.id, data, "logo.png").status_code == 302
    prepared = Image.open(io.BytesIO(stored(app, event.id).data))
    assert prepared.getpixel((10, 10))[0] > 240


def test_a_new_upload_replaces_the_old_one_and_changes_the_url(app, client, event):
    upload(client, event.id, image_bytes("PNG", color="red"), "one.png")
    first = share_url(client, event)
    upload(client, event.id, image_bytes("PNG", color="green"), "two.png")
    second = share_url(client, event)
    assert first != second
    assert client.get(first).status_code == 302
    assert client.get(first).headers["Location"].endswith(second)


BAD_UPLOADS = [
    ("not an image", b"%PDF-1.4 hello", "doc.png", "not an image we can read"),
    ("text as jpeg", b"just some words", "words.jpg", "not an image we can read"),
    ("truncated", image_bytes("PNG")[:400], "cut.png", "not an image we can read"),
    ("truncated jpeg", image_bytes("JPEG")[:600], "cut.jpg", "not an image we can read"),
    (
        "svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "evil.svg",
        "Choose a JPEG, PNG or WebP image.",
    ),
    ("svg named png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "evil.png", "not an image"),
    ("gif", image_bytes("GIF"), "anim.gif", "Choose a JPEG, PNG or WebP image."),
    ("gif named png", image_bytes("GIF"), "anim.png", "not an image we can read"),
    ("png named jpg", image_bytes("PNG"), "photo.jpg", "ends in .jpg, but it holds a PNG image"),
    ("jpeg named webp", image_bytes("JPEG"), "photo.webp", "holds a JPEG image"),
    ("no extension", image_bytes("PNG"), "photo", "Choose a JPEG, PNG or WebP image."),
    ("tiny", image_bytes("PNG", size=(300, 200)), "small.png", "too small"),
]


@pytest.mark.parametrize(
    ("data", "name", "message"), [b[1:] for b in BAD_UPLOADS], ids=[b[0] for b in BAD_UPLOADS]
)
def test_bad_uploads_are_refused_and_nothing_is_stored(app, client, event, data, name, message):
    response = upload(client, event.id, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert stored(app, event.id) is None
    assert audit_entries(app) == []


def test_a_missing_file_is_refused(app, client, event):
    response = client.post(
        f"/organiser/events/{event.id}/image", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose an image file." in response.text


def test_too_many_pixels_are_refused_before_decoding(app, client, event):
    app.config["EVENT_IMAGE_MAX_PIXELS"] = 1_000_000
    response = upload(client, event.id, image_bytes("PNG", size=(1600, 900)), "big.png")
    assert response.status_code == 422
    assert "too large: at most 1 million pixels" in response.text
    assert stored(app, event.id) is None


def test_a_decompression_bomb_is_refused(app, client, event):
    # A PNG whose header claims 30000x30000 pixels (900 megapixels) in a few kilobytes.
    bomb = Image.new("1", (30000, 30000))
    out = io.BytesIO()
    bomb.save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 300_000
    response = upload(client, event.id, out.getvalue(), "bomb.png")
    assert response.status_code == 422
    assert "too large" in response.text
    assert stored(app, event.id) is None


def test_a_file_over_the_byte_limit_is_refused(app, client, event):
    app.config["EVENT_IMAGE_MAX_BYTES"] = 50_000
    data = image_bytes("PNG") + b"\0" * 60_000  # trailing bytes: too large whatever it holds
    response = upload(client, event.id, data, "large.png")
    assert response.status_code == 413
    assert stored(app, event.id) is None


def test_other_forms_keep_the_small_body_limit(app, client, event):
    response = client.post(
        "/organiser/sign-in",
        data={"email": "x" * (300 * 1024)},
    )
    assert response.status_code == 413


def test_only_signed_in_organisers_may_send_a_large_body(app, client, event):
    data = image_bytes("PNG") + b"\0" * (400 * 1024)  # over the site's limit, under the image's
    client.post("/organiser/sign-out")
    assert upload(client, event.id, data, "large.png").status_code == 413
    assert stored(app, event.id) is None


def test_removing_the_image_brings_back_the_card(app, client, event):
    upload(client, event.id, image_bytes("PNG"), "one.png")
    response = client.post(f"/organiser/events/{event.id}/image/remove")
    assert response.status_code == 302
    assert stored(app, event.id) is None
    assert [e.action for e in audit_entries(app)] == ["event.image_changed"] * 2
    assert json.loads(audit_entries(app)[1].details) == {"change": "removed"}
    with client.get(share_url(client, event)) as served:
        assert served.mimetype == "image/png"


def test_the_generated_card_is_a_1200_by_630_png_that_follows_the_title(app, client, event):
    first = share_url(client, event)
    with client.get(first) as served:
        card = Image.open(io.BytesIO(served.data))
        assert (card.format, card.size) == ("PNG", (1200, 630))
        before = served.data
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).title = "A very different and much longer title " * 4
        db.session.commit()
    second = share_url(client, event)
    assert second != first
    with client.get(second) as served:
        assert Image.open(io.BytesIO(served.data)).size == (1200, 630)
        assert served.data != before


def test_the_card_speaks_the_pages_language(client, event):
    english = share_url(client, event)
    html = client.get(f"/da/events/{event.slug}").text
    assert f"https://convene.test/da/events/{event.slug}/share/" in html
    assert english.split("/share/")[1] not in html


def test_draft_events_share_nothing_and_others_cannot_upload(app, client, make_event, event):
    draft = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{draft.slug}/share/whatever").status_code == 404
    # Someone else's event does not exist for this organiser.
    assert upload(client, draft.id, image_bytes("PNG"), "x.png").status_code == 404
    assert client.get(f"/organiser/events/{draft.id}/image").status_code == 404


def test_signed_out_visitors_cannot_upload(app, make_event):
    event = make_event()
    anonymous = app.test_client()
    response = upload(anonymous, event.id, image_bytes("PNG"), "x.png")
    assert response.status_code == 302
    assert stored(app, event.id) is None


def test_the_organiser_page_shows_the_image_and_the_form(client, event):
    page = client.get(f"/organiser/events/{event.id}/image")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert f"/events/{event.slug}/share/" in page.text


def _other_modes() -> list[tuple[str, bytes, str]]:
    cmyk, gray16, palette, mpo = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
    Image.new("CMYK", (1300, 700), (0, 255, 255, 0)).save(cmyk, "JPEG")
    Image.new("I;16", (1300, 700), 40000).save(gray16, "PNG")
    Image.new("P", (1300, 700), 3).save(palette, "PNG", transparency=3)
    first, second = Image.new("RGB", (1300, 700), "red"), Image.new("RGB", (1300, 700), "blue")
    first.save(mpo, "MPO", save_all=True, append_images=[second])
    return [
        ("cmyk", cmyk.getvalue(), "print.jpg"),
        ("16-bit grey", gray16.getvalue(), "scan.png"),
        ("palette with transparency", palette.getvalue(), "logo.png"),
        ("multi-picture jpeg", mpo.getvalue(), "phone.jpg"),
    ]


@pytest.mark.parametrize(
    ("data", "name"), [m[1:] for m in _other_modes()], ids=[m[0] for m in _other_modes()]
)
def test_other_pixel_formats_become_the_same_rgb_jpeg(app, client, event, data, name):
    assert upload(client, event.id, data, name).status_code == 302
    prepared = Image.open(io.BytesIO(stored(app, event.id).data))
    assert (prepared.format, prepared.mode, prepared.size) == ("JPEG", "RGB", (1200, 630))

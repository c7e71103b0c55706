"""The logo on the annual report's cover, replaced and reset in the organisation settings."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.org import services

DEFAULT_LOGO_COLOUR = (0, 0, 255)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 32), **save: object) -> bytes:
    """An image of ``size`` in ``fmt``, red (with an alpha channel for PNG)."""
    mode = "RGBA" if fmt == "PNG" else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, (255, 0, 0, 128) if mode == "RGBA" else (255, 0, 0)).save(
        out, format=fmt, **save
    )
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A tiny PNG that declares ``width`` × ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture
def default_logo(app, tmp_path: Path) -> bytes:
    """A default logo of our own in a temporary assets folder."""
    out = io.BytesIO()
    Image.new("RGB", (40, 20), DEFAULT_LOGO_COLOUR).save(out, format="PNG")
    (tmp_path / "logo.png").write_bytes(out.getvalue())
    app.config["REPORT_ASSETS_DIR"] = str(tmp_path)
    return out.getvalue()


@pytest.fixture
def editor(client, create_user, login):
    login(client, create_user(roles=(Role.ems,)))
    return client


def upload(client, data: bytes, filename: str = "logo.png"):
    # encoded here, in memory: the test client spools large bodies to a file it leaves open
    boundary, body = encode_multipart(
        {"logo": FileStorage(io.BytesIO(data), filename), "csrf_token": client.csrf_token()}
    )
    return client.post(
        "/org/logo", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def logo_entries() -> list[AuditEntry]:
    stmt = sa.select(AuditEntry).where(AuditEntry.action.startswith("org.logo"))
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


@pytest.mark.parametrize(("fmt", "filename"), [("PNG", "logo.png"), ("JPEG", "logo.jpg")])
def test_an_uploaded_logo_is_stored_as_png_and_shown(editor, default_logo, fmt, filename):
    assert upload(editor, image_bytes(fmt), filename).headers["Location"] == "/org/"
    stored = services.logo_png()
    assert stored is not None
    image = opened(stored)
    assert (image.format, image.size) == ("PNG", (64, 32))
    assert image.mode == ("RGBA" if fmt == "PNG" else "RGB")
    page = editor.get("/org/").get_data(as_text=True)
    assert 'src="/org/logo.png"' in page
    assert "Use the default logo" in page
    response = editor.get("/org/logo.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == stored


def test_metadata_is_stripped(app):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    services.set_logo(actor=None, data=image_bytes("JPEG", exif=exif.tobytes()))
    db.session.commit()
    stored = services.logo_png()
    assert stored is not None
    assert b"secret description" not in stored
    assert "exif" not in opened(stored).info


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"just some text, not an image\n" * 10, "notes.png", "must be a PNG or JPEG image"),
        (image_bytes("GIF"), "logo.png", "must be a PNG or JPEG image"),
        (image_bytes("PNG")[:60], "cut.png", "damaged"),
        (image_bytes("PNG") + b"\0" * (1024 * 1024), "big.png", "at most 1 MB"),
        (huge_png_header(100_000, 100_000), "bomb.png", "at most 4000 × 4000 pixels"),
        (huge_png_header(4001, 16), "wide.png", "at most 4000 × 4000 pixels"),
        (image_bytes("PNG", (8, 8)), "tiny.png", "at least 16 × 16 pixels"),
        (b"GIF89a", "logo.gif", "must be a PNG or JPEG image"),
    ],
)
def test_a_bad_file_is_refused_on_the_page(editor, default_logo, data, filename, message):
    response = upload(editor, data, filename)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text
    assert 'id="logo-errors"' in text  # shown on the logo field
    assert services.logo_png() is None
    assert logo_entries() == []


def test_pillow_decompression_bomb_limit_is_a_validation_error(app, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    for size in ((20, 20), (16, 16)):  # above twice the limit (an error), above it (a warning)
        with pytest.raises(ValidationFailed) as caught:
            services.set_logo(actor=None, data=image_bytes("PNG", size))
        assert "pixels" in caught.value.errors["logo"]
    assert services.logo_png() is None


def test_removing_the_logo_goes_back_to_the_default(editor, default_logo):
    upload(editor, image_bytes("PNG"))
    response = editor.post("/org/logo/remove")
    assert response.headers["Location"] == "/org/"
    assert services.logo_png() is None
    assert editor.get("/org/logo.png").data == default_logo
    page = editor.get("/org/").get_data(as_text=True)
    assert "shows the default logo" in page
    assert "Use the default logo" not in page


def test_the_default_logo_is_served_until_one_is_uploaded(app, client, create_user, login):
    login(client, create_user(roles=(Role.management,)))
    default = Path(app.config["REPORT_ASSETS_DIR"]) / "logo.png"
    response = client.get("/org/logo.png")
    if default.is_file():
        assert response.data == default.read_bytes()
    else:
        assert response.status_code == 404
    page = client.get("/org/").get_data(as_text=True)
    assert 'src="/org/logo.png"' in page
    assert "/org/logo/remove" not in page
    assert 'action="/org/logo"' not in page  # management reads, does not upload


def test_travel_staff_cannot_replace_the_logo(client, create_user, login):
    login(client, create_user(roles=(Role.travel,)))
    assert upload(client, image_bytes("PNG")).status_code == 403
    assert client.post("/org/logo/remove").status_code == 403
    assert services.logo_png() is None


def test_only_the_working_group_sets_the_logo(app, create_user):
    with pytest.raises(PermissionDenied):
        services.set_logo(actor=create_user(roles=(Role.travel,)), data=image_bytes("PNG"))


def test_replacing_and_removing_are_audited_without_the_image(app, create_user):
    editor = create_user(roles=(Role.ems,))
    services.set_logo(actor=editor, data=image_bytes("PNG"))
    db.session.commit()
    stored = services.logo_png()
    assert stored is not None
    digest = hashlib.sha256(stored).hexdigest()
    services.set_logo(actor=editor, data=image_bytes("PNG"))  # the same image: no change
    services.set_logo(actor=editor, data=None)
    db.session.commit()
    replaced, removed = logo_entries()
    assert replaced.action == "org.logo.replaced"
    assert replaced.actor_label == editor.email
    assert replaced.changes == {
        "logo_bytes": {"before": None, "after": len(stored)},
        "logo_sha256": {"before": None, "after": digest},
    }
    assert removed.action == "org.logo.removed"
    assert removed.changes == {
        "logo_bytes": {"before": len(stored), "after": None},
        "logo_sha256": {"before": digest, "after": None},
    }


def test_settings_saved_after_the_logo_keep_it(app):
    services.set_logo(actor=None, data=image_bytes("PNG"))
    db.session.commit()
    organisation = services.get_organisation()
    services.update_organisation(
        actor=None,
        name="Agency",
        reporting_currency="CHF",
        baseline_year=2010,
        target_year=2030,
        target_reduction_pct=45,
        expected_version=organisation.version_id,
    )
    db.session.commit()
    assert services.logo_png() is not None
    assert services.get_organisation().name == "Agency"


def test_a_large_logo_is_scaled_down_to_fit_the_stored_square(app):
    services.set_logo(actor=None, data=image_bytes("PNG", size=(2400, 1200)))
    stored = services.logo_png()
    assert stored is not None
    assert opened(stored).size == (services.LOGO_STORED_PX, services.LOGO_STORED_PX // 2)

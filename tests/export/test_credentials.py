"""Content Credentials: files signed after labelling validate with c2pa-python's reader, label and recipe intact."""

from __future__ import annotations

import csv
import io

import pytest

from studio.export.aigc import verify_label
from studio.export.credentials import (
    AIGC_ASSERTION,
    CREATED_TYPE_AI,
    CREATED_TYPE_PLAIN,
    load_credential,
    make_local_credential,
    read_credentials,
    sign_file,
)
from studio.export.files import read_recipe_from_file, read_xmp, write_poster_file
from studio.export.xmp import parse_xmp
from studio.presets import get_platform
from studio.settings import Settings
from tests.conftest import make_bottle_cutout

c2pa = pytest.importorskip("c2pa")


@pytest.fixture(scope="module")
def credential(tmp_path_factory):
    return load_credential(None, None, tmp_path_factory.mktemp("studio-data"))


def _actions(manifest: dict) -> list[dict]:
    return next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_signed_files_validate_with_label_and_recipe_intact(fmt, credential, make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt)
    path = tmp_path / out.file
    label = parse_xmp(read_xmp(path)).aigc
    size = sign_file(path, credential, ai_generated=True, aigc=label, product=make_bottle_cutout().rgba)
    assert size == path.stat().st_size > out.bytes
    report = read_credentials(path)
    assert report["state"] == "Valid"
    assert {s["code"] for s in report["validation_status"]} <= {"signingCredential.untrusted"}, "only: not a public CA"
    manifest = report["manifest"]
    created, placed = _actions(manifest)
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == CREATED_TYPE_AI
    assert placed["action"] == "c2pa.placed"
    assert [i["title"] for i in manifest["ingredients"]] == ["product photo (cut out)"]
    assert next(a for a in manifest["assertions"] if a["label"] == AIGC_ASSERTION)["data"] == label
    # What was in the file before signing is still there and still holds.
    assert parse_xmp(read_xmp(path)).aigc == label
    assert verify_label(path, label)[0], "signing changes no pixel"
    assert read_recipe_from_file(path).scene.seed == 1234


def test_a_changed_byte_breaks_the_signature(credential, make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    out = write_poster_file(make_poster(platform)[0], platform, tmp_path, recipe=recipe, file_format="png")
    path = tmp_path / out.file
    sign_file(path, credential, ai_generated=True, aigc=parse_xmp(read_xmp(path)).aigc)
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF  # inside the last IDAT: the pixels change
    path.write_bytes(bytes(data))
    report = read_credentials(path)
    assert report["state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in {s["code"] for s in report["validation_status"]}


def test_local_credential_is_made_once_and_the_sellers_own_is_used(tmp_path):
    first = load_credential(None, None, tmp_path / "data")
    assert (tmp_path / "data" / "c2pa-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert load_credential(None, None, tmp_path / "data") == first
    own = make_local_credential("Rose Shop signer")
    (tmp_path / "cert.pem").write_bytes(own.chain_pem)
    (tmp_path / "key.pem").write_bytes(own.key_pem)
    assert load_credential(tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "data") == own


def test_export_with_c2pa_setting_signs_every_file(tmp_path):
    from studio.models import ModelManager
    from studio.pipeline import make_posters
    from studio.recipe import ExportSettings, Recipe

    models = ModelManager(
        Settings(
            profile="none", open_browser=False, c2pa=True, cache_dir=tmp_path / "cache", content_producer="玫瑰小铺"
        )
    )
    recipe = Recipe(export=ExportSettings(platforms=["taobao_main", "amazon_main"], sku="c2pa"))
    result = make_posters(models, make_bottle_cutout(), [recipe], tmp_path / "out")
    assert (tmp_path / "cache" / "c2pa" / "c2pa-signing-chain.pem").is_file()
    rows = list(csv.DictReader(io.StringIO((result.out_dir / "manifest.csv").read_text(encoding="utf-8-sig"))))
    for output, row in zip(result.recipes[0].outputs, rows):
        path = result.out_dir / output.file
        assert output.bytes == path.stat().st_size == int(row["bytes"])
        report = read_credentials(path)
        assert report["state"] == "Valid"
        created = _actions(report["manifest"])[0]
        assert created["digitalSourceType"] == CREATED_TYPE_PLAIN, "procedural: no trained model claimed"
        assert all(a["label"] != AIGC_ASSERTION for a in report["manifest"]["assertions"])
        assert row["compliant"] == "yes"  # the tiny test bottle is blown up 3.5× on 2000 px: a warning, not a failure

"""`python -m studio`: the contract scripts rely on (files, manifest, recipes, exit codes)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main
from studio.presets import get_platform

MANIFEST_COLUMNS = ["file", "variant", "platform", "width", "height", "bytes", "seed", "scene", "styles", "headline"]


@pytest.fixture
def photo_path(tmp_path, product_photo) -> Path:
    path = tmp_path / "cup.jpg"
    product_photo.save(path, quality=92)
    return path


def test_presets_json_lists_every_kind(capsys):
    assert main(["presets", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"scenes", "layouts", "platforms"}
    assert {"taobao_main", "amazon_main", "douyin_9x16"} <= set(data["platforms"])
    assert len(data["scenes"]) >= 6 and data["layouts"]


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["poster", "--product", "{photo}", "--scene", "moon_base", "--platform", "taobao_main", "--out", "{out}"],
            "Unknown scene",
        ),
        (
            ["poster", "--product", "{photo}", "--scene", "double11", "--platform", "ebay", "--out", "{out}"],
            "Unknown platform",
        ),
        (
            ["poster", "--product", "{missing}", "--scene", "double11", "--platform", "taobao_main", "--out", "{out}"],
            "",
        ),
        (
            ["poster", "--product", "{notimage}", "--scene", "double11", "--platform", "taobao_main", "--out", "{out}"],
            "",
        ),
        (["cutout", "{notimage}", "--out", "{out}"], ""),
        (["poster", "--product", "{photo}", "--platform", "taobao_main", "--sku", "bad/sku", "--out", "{out}"], "sku"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, expected, tmp_path, photo_path, capsys):
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("this is not a photo")
    fill = {
        "photo": str(photo_path),
        "out": str(tmp_path / "out"),
        "missing": str(tmp_path / "nope.jpg"),
        "notimage": str(not_image),
    }
    assert main([a.format(**fill) for a in args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert expected in err[0]
    assert not (tmp_path / "out" / "posters.zip").exists()


def test_mistake_has_no_traceback_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio",
            "poster",
            "--product",
            str(tmp_path / "missing.png"),
            "--platform",
            "taobao_main",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")


def _check_package(out: Path, platforms: list[str], variants: list[str]) -> None:
    zip_path = out / "posters.zip"
    assert zip_path.is_file()
    with (out / "manifest.csv").open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[: len(MANIFEST_COLUMNS)] == MANIFEST_COLUMNS
        rows = list(reader)
    assert len(rows) == len(platforms) * len(variants)
    names = set(zipfile.ZipFile(zip_path).namelist())
    for row in rows:
        platform = get_platform(row["platform"])
        with Image.open(out / row["file"]) as im:
            assert im.size == platform.size, row["file"]
        assert int(row["width"]) == platform.width and int(row["height"]) == platform.height
        assert int(row["bytes"]) == (out / row["file"]).stat().st_size
        assert row["file"] in names
    assert "manifest.csv" in names
    for v in variants:
        recipe = json.loads((out / "recipes" / f"{v}.json").read_text(encoding="utf-8"))
        assert f"recipes/{v}.json" in names
        files = {o["platform"]: o for o in recipe["outputs"]}
        assert set(files) == set(platforms)
        for o in files.values():
            x0, y0, x1, y1 = o["product_box"]
            assert 0 <= x0 < x1 <= o["width"] and 0 <= y0 < y1 <= o["height"]
            for box in o["text_boxes"].values():
                assert 0 <= box[0] < box[2] <= o["width"] and 0 <= box[1] < box[3] <= o["height"]


@pytest.mark.slow
def test_poster_none_profile_writes_exact_package(tmp_path, photo_path, capsys):
    out = tmp_path / "out"
    platforms = ["taobao_main", "douyin_9x16", "amazon_main"]
    args = [
        "poster",
        "--product",
        str(photo_path),
        "--scene",
        "double11",
        "--headline",
        "双11 狂欢价",
        "--subline",
        "保温一整天",
        "--price",
        "¥99",
        "--badge",
        "限时特惠",
        "--variants",
        "2",
        "--profile",
        "none",
        "--sku",
        "cup01",
        "--out",
        str(out),
    ]
    for p in platforms:
        args += ["--platform", p]
    assert main(args) == 0, capsys.readouterr().err
    _check_package(out, platforms, ["A", "B"])
    # Amazon's main image: no text boxes at all.
    recipe = json.loads((out / "recipes" / "A.json").read_text(encoding="utf-8"))
    amazon = next(o for o in recipe["outputs"] if o["platform"] == "amazon_main")
    assert amazon["text_boxes"] == {}
    taobao = next(o for o in recipe["outputs"] if o["platform"] == "taobao_main")
    assert "headline" in taobao["text_boxes"]


@pytest.mark.slow
def test_recipe_flag_makes_the_same_poster_again(tmp_path, photo_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert (
        main(
            [
                "poster",
                "--product",
                str(photo_path),
                "--scene",
                "pastel_podium",
                "--headline",
                "New in",
                "--platform",
                "taobao_main",
                "--profile",
                "none",
                "--format",
                "png",
                "--out",
                str(first),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "poster",
                "--product",
                str(photo_path),
                "--recipe",
                str(first / "recipes" / "A.json"),
                "--profile",
                "none",
                "--out",
                str(second),
            ]
        )
        == 0
    )
    a = next(first.glob("*.png"))
    b = second / a.name
    with Image.open(a) as ia, Image.open(b) as ib:
        assert ia.convert("RGB").tobytes() == ib.convert("RGB").tobytes()


@pytest.mark.slow
def test_poster_tiny_profile_with_a_style(tmp_path, photo_path, monkeypatch, capsys):
    """The diffusion path from the CLI: tiny models, one LoRA style, exact files."""
    from diffusers import UNet2DConditionModel

    from studio.models.tiny import ensure_tiny_models, tiny_sources
    from studio.settings import Settings
    from tests.styles.lora_files import write_diffusers_lora

    base_dir, _ = tiny_sources(ensure_tiny_models(Settings.from_env().cache_dir))
    lora_dir = tmp_path / "loras"
    lora_dir.mkdir()
    unet = UNet2DConditionModel.from_pretrained(base_dir / "unet")
    write_diffusers_lora(lora_dir / "inkwash.safetensors", unet, seed=5)
    out = tmp_path / "out"
    code = main(
        [
            "poster",
            "--product",
            str(photo_path),
            "--scene",
            "kitchen",
            "--headline",
            "Fresh brew",
            "--lora",
            "inkwash:0.7",
            "--steps",
            "3",
            "--platform",
            "taobao_main",
            "--platform",
            "xiaohongshu_3x4",
            "--profile",
            "tiny",
            "--lora-dir",
            str(lora_dir),
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    _check_package(out, ["taobao_main", "xiaohongshu_3x4"], ["A"])
    recipe = json.loads((out / "recipes" / "A.json").read_text(encoding="utf-8"))
    assert recipe["styles"] == [{"name": "inkwash", "weight": 0.7}]
    assert recipe["models"]["profile"] == "tiny"
    with (out / "manifest.csv").open(encoding="utf-8-sig") as fh:
        assert all(row["styles"].startswith("inkwash") for row in csv.DictReader(fh))


def test_unknown_style_is_a_clear_error(tmp_path, photo_path, capsys):
    code = main(
        [
            "poster",
            "--product",
            str(photo_path),
            "--lora",
            "nosuchstyle",
            "--platform",
            "taobao_main",
            "--profile",
            "tiny",
            "--lora-dir",
            str(tmp_path),
            "--steps",
            "2",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "nosuchstyle" in capsys.readouterr().err


@pytest.mark.slow
def test_a_poster_file_is_a_recipe(tmp_path, photo_path, capsys):
    """Opening an exported poster makes the same poster again (its recipe rides inside the file)."""
    first, second = tmp_path / "first", tmp_path / "second"
    assert (
        main(
            [
                "poster",
                "--product",
                str(photo_path),
                "--scene",
                "wooden_table",
                "--headline",
                "手冲咖啡杯",
                "--platform",
                "jd_main",
                "--profile",
                "none",
                "--out",
                str(first),
            ]
        )
        == 0
    )
    poster = next(first.glob("*.jpg"))
    assert (
        main(
            [
                "poster",
                "--product",
                str(photo_path),
                "--recipe",
                str(poster),
                "--profile",
                "none",
                "--format",
                "png",
                "--out",
                str(second),
            ]
        )
        == 0
    )
    again = next(second.glob("*.png"))
    with Image.open(poster) as a, Image.open(again) as b:
        import numpy as np

        diff = np.abs(np.asarray(a.convert("RGB"), np.int16) - np.asarray(b.convert("RGB"), np.int16))
        assert diff.mean() < 1.5  # the same poster; only the first file's JPEG compression differs


@pytest.mark.slow
def test_logo_and_copy_flags_reach_the_poster(tmp_path, photo_path, capsys):
    logo = tmp_path / "logo.png"
    mark = Image.new("RGBA", (240, 120), (0, 0, 0, 0))
    from PIL import ImageDraw

    ImageDraw.Draw(mark).ellipse((10, 10, 230, 110), fill=(20, 90, 200, 255))
    mark.save(logo)
    out = tmp_path / "out"
    assert (
        main(
            [
                "poster",
                "--product",
                str(photo_path),
                "--scene",
                "studio_white",
                "--headline",
                "Morning Cup",
                "--price",
                "29",
                "--currency",
                "$",
                "--logo",
                str(logo),
                "--platform",
                "taobao_main",
                "--profile",
                "none",
                "--out",
                str(out),
            ]
        )
        == 0
    ), capsys.readouterr().err
    recipe = json.loads((out / "recipes" / "A.json").read_text(encoding="utf-8"))
    assert recipe["copy_text"]["currency"] == "$"
    boxes = recipe["outputs"][0]["text_boxes"]
    assert "logo" in boxes and "price" in boxes


def test_no_output_byte_names_the_server_path_of_a_logo(tmp_path, photo_path):
    """The CLI poster with --logo: every written byte (images, metadata, manifest, recipes) greps clean."""
    logo = tmp_path / "brand-logo-folder" / "logo.png"
    logo.parent.mkdir()
    Image.new("RGBA", (60, 30), (10, 40, 160, 255)).save(logo)
    out = tmp_path / "out"
    code = main(["poster", "--product", str(photo_path), "--profile", "none", "--platform", "jd_main", "--headline", "Hi",
                 "--logo", str(logo), "--out", str(out)])  # fmt: skip
    assert code == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".zip":
            import zipfile

            with zipfile.ZipFile(path) as z:
                data += b"".join(z.read(n) for n in z.namelist())
        for needle in (str(tmp_path), "brand-logo-folder"):
            assert needle.encode() not in data, (path, needle)


def test_a_recipe_whose_variant_climbs_out_of_the_folder_is_refused(tmp_path, photo_path, capsys):
    evil = tmp_path / "evil.json"
    evil.write_text(
        json.dumps({"variant": "../../escaped", "export": {"platforms": ["taobao_main"]}}), encoding="utf-8"
    )
    out = tmp_path / "deep" / "out"
    assert (
        main(["poster", "--product", str(photo_path), "--recipe", str(evil), "--profile", "none", "--out", str(out)])
        == 2
    )
    assert "variant" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*escaped*"))  # nothing written anywhere under its name

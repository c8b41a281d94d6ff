"""The bad-input corpus through the core loader, every file-taking endpoint of the app, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.errors import StudioError
from studio.imageio import load_image
from tests.security.corpus import HANDLED, REFUSED, bad_files, write_corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = bad_files()
NAMES = [name for name, _, _ in CORPUS]


@pytest.mark.parametrize("name,data,expect", CORPUS, ids=NAMES)
def test_loader_refuses_or_normalizes(tmp_path, name, data, expect):
    path = tmp_path / name
    path.write_bytes(data)
    if expect == REFUSED:
        with pytest.raises(StudioError) as err:
            load_image(path)
        assert "Traceback" not in str(err.value) and len(str(err.value)) < 400
        assert any(w in str(err.value) for w in ("photo", "empty", "large")), str(err.value)
    else:
        loaded = load_image(path)
        assert loaded.image.mode in ("RGB", "RGBA") and loaded.image.size == (96, 128)


def test_sixteen_bit_keeps_its_tones(tmp_path):
    """A 16-bit ramp is scaled to 8 bits, not clipped to white."""
    import numpy as np

    name, data, _ = next(item for item in CORPUS if item[0] == "sixteen_bit.png")
    (tmp_path / name).write_bytes(data)
    grey = np.asarray(load_image(tmp_path / name).image.convert("L"), dtype=np.float32)
    assert grey.min() < 10 and grey.max() > 245 and 60 < grey.mean() < 155


def test_animated_gif_uses_the_first_frame(tmp_path):
    name, data, _ = next(item for item in CORPUS if item[0] == "animated.gif")
    (tmp_path / name).write_bytes(data)
    assert load_image(tmp_path / name).frames > 1  # animated: only the first frame is used (pages are not counted)


def test_a_folder_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(StudioError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(StudioError, match="not found"):
        load_image(tmp_path / "nope.jpg")


def test_pillow_limit_follows_settings():
    from PIL import Image

    from studio.limits import apply_pillow_limits
    from studio.settings import Settings

    before = Image.MAX_IMAGE_PIXELS
    try:
        apply_pillow_limits(Settings(max_image_pixels=1234567))
        assert Image.MAX_IMAGE_PIXELS == 1234567
    finally:
        Image.MAX_IMAGE_PIXELS = before


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STUDIO_PROFILE": "none"}
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_cli_refuses_every_bad_photo_in_one_line(tmp_path):
    # one of each family (each CLI run starts Python afresh); the loader test above covers them all
    wanted = ("empty.jpg", "text_named.jpg", "truncated.jpg", "bomb.png", "postscript.eps")
    refused = [p for p, expect in write_corpus(tmp_path / "in") if expect == REFUSED and p.name in wanted]
    for path in refused:
        result = _cli("cutout", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode != 0, path.name
        assert "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, (path.name, result.stderr)
    poster = _cli("poster", "--product", str(refused[0]), "--out", str(tmp_path / "p"))
    assert poster.returncode != 0 and "Traceback" not in poster.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02\xff\xfe" * 50,
        b"variant,impressions\nA,10\n",
        b"variant,impressions,clicks\nA,-5,99\nB,x,1\n",
    ],
    ids=["empty", "binary", "missing-column", "bad-numbers"],
)
def test_cli_ab_stats_refuses_bad_csv(tmp_path, content):
    path = tmp_path / "results.csv"
    path.write_bytes(content)
    result = _cli("ab-stats", str(path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip() and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\x02\xff\xfe" * 50, b"variant,impressions\nA,10\n"], ids=["empty", "binary", "short"]
)
def test_results_csv_reader_refuses_bad_files(tmp_path, content):
    from studio.export.abtest import read_results_csv

    path = tmp_path / "r.csv"
    path.write_bytes(content)
    with pytest.raises(StudioError):
        read_results_csv(path)


def test_fake_lora_and_font_are_refused(tmp_path):
    from studio.styles import add_style_file
    from studio.text.fonts import validate_font_file

    fake_lora = tmp_path / "style.safetensors"
    fake_lora.write_bytes(b"PK\x03\x04 this is a zip, not safetensors")
    with pytest.raises(StudioError):
        add_style_file(tmp_path / "loras", fake_lora)
    pickle_lora = tmp_path / "style.ckpt"
    pickle_lora.write_bytes(b"\x80\x04\x95 pickle")
    with pytest.raises(StudioError):
        add_style_file(tmp_path / "loras", pickle_lora)
    fake_font = tmp_path / "font.ttf"
    fake_font.write_bytes(b"<html>not a font</html>")
    with pytest.raises(StudioError):
        validate_font_file(fake_font)
    assert not any((tmp_path / "loras").glob("*.safetensors"))


@pytest.mark.slow
class TestThroughTheApp:
    """Each refused file gets the seller's message from the app, which keeps answering."""

    @pytest.fixture(scope="class")
    def client(self, studio_url):
        from gradio_client import Client

        return Client(studio_url, verbose=False)

    @pytest.fixture(scope="class")
    def corpus(self, tmp_path_factory):
        return write_corpus(tmp_path_factory.mktemp("corpus"))

    def test_remove_background(self, client, corpus):
        from gradio_client import handle_file

        for path, expect in corpus:
            args = (handle_file(str(path)), "u2netp", 0, 0, True, False, True, False, "checker")
            if expect == HANDLED:  # odd but real photos: a cutout, or at worst a seller's message about the content
                try:
                    *_, status, _editor = client.predict(*args, api_name="/ui_remove_background")
                    assert "✅" in status, (path.name, status)
                except Exception as exc:
                    assert "No product" in str(exc), (path.name, str(exc))
                continue
            with pytest.raises(Exception) as err:
                client.predict(*args, api_name="/ui_remove_background")
            message = str(err.value)
            assert "photo" in message or "large" in message or "pixels in one image" in message, (path.name, message)
            assert "went wrong on our side" not in message, (path.name, message)

    def test_cutout_batch(self, client, corpus):
        from gradio_client import handle_file

        refused = [handle_file(str(p)) for p, expect in corpus if expect == REFUSED and p.stat().st_size]
        with pytest.raises(Exception) as err:
            client.predict(refused[:3], "u2netp", 0, 0, True, False, True, False, api_name="/cutout_batch")
        assert "went wrong on our side" not in str(err.value) and str(err.value).strip()

    def test_open_project(self, client, corpus, tmp_path):
        from gradio_client import handle_file

        fake_project = tmp_path / "broken.poster"
        fake_project.write_bytes(b"PK\x03\x04 broken zip")
        recipe = tmp_path / "recipe.json"
        recipe.write_text('{"export": {"sku": "../../etc/passwd"}, "scene": 5}')
        for path in [fake_project, recipe, *(p for p, expect in corpus if expect == REFUSED)][:6]:
            try:
                message = client.predict(handle_file(str(path)), api_name="/open_project")
            except Exception as exc:  # refused with a message: fine
                message = str(exc)
                assert "went wrong on our side" not in message, (path.name, message)
            assert message, path.name

    def test_ab_stats_with_nonsense_table(self, client):
        table = {
            "headers": ["variant", "impressions", "clicks", "orders"],
            "data": [["A", "lots", -3, None], ["B", 1e30, "x", "y"]],
        }
        with pytest.raises(Exception) as err:
            client.predict(table, 20, "split", api_name="/ui_ab_stats")
        assert "went wrong on our side" not in str(err.value)

    def test_public_api_gives_a_code_for_every_bad_file(self, client, corpus):
        """make_posters and remove_background: a refused file gets image_unreadable (or no_product), never a crash."""
        from gradio_client import handle_file

        for path, expect in corpus:
            if expect == HANDLED:
                continue
            for name, kwargs in (("/remove_background", {"photo": handle_file(str(path))}),
                                 ("/make_posters", {"product": handle_file(str(path)), "recipe": {}})):  # fmt: skip
                with pytest.raises(Exception) as err:
                    client.predict(**kwargs, api_name=name)
                message = str(err.value)
                # a bomb is refused from its header by the pixel budget, before the loader sees it
                codes = ("[image_unreadable]", "[no_product]", "[over_budget]")
                assert message.startswith(codes), (path.name, name, message)

    def test_public_api_recipes_that_try_to_escape(self, client, tmp_path):
        """A recipe naming paths outside the export, or nonsense types, is refused with recipe_invalid."""
        from gradio_client import handle_file

        photo = handle_file(str(ROOT / "examples" / "coffee_cup.jpg"))
        for recipe in ({"export": {"sku": "../../etc/passwd"}}, {"scene": 5}, {"styles": [{"name": ""}]},
                       {"copy_text": {"headline": "x" * 500}}, {"outputs": "nope"}):  # fmt: skip
            with pytest.raises(Exception) as err:
                client.predict(product=photo, recipe=recipe, api_name="/make_posters")
            assert str(err.value).startswith("[recipe_invalid]"), (recipe, str(err.value))

    def test_still_answers_afterwards(self, client):
        from gradio_client import handle_file

        *_, status, _ = client.predict(
            handle_file(str(ROOT / "examples" / "coffee_cup.jpg")),
            "u2netp",
            0,
            0,
            True,
            False,
            True,
            False,
            "checker",
            api_name="/ui_remove_background",
        )
        assert "✅" in status


def test_an_old_recipe_logo_path_is_dropped_with_a_note_and_never_opened(tmp_path, monkeypatch):
    """A recipe naming a server file as its logo: nothing is read, the logo is left out, one zh/en note."""
    import builtins

    from PIL import Image

    from studio.recipe import Recipe

    secret = tmp_path / "secret.png"
    Image.new("RGBA", (40, 40), (255, 0, 0, 255)).save(secret)
    opened: list[str] = []
    real_open = builtins.open
    real_image_open = Image.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k))
    monkeypatch.setattr(Image, "open", lambda f, *a, **k: opened.append(str(f)) or real_image_open(f, *a, **k))
    recipe = Recipe.from_dict({"copy_text": {"headline": "Hi", "logo": str(secret)}})
    assert recipe.copy_text.logo == "" and str(secret) not in recipe.to_json()
    (note,) = recipe.load_notes()
    assert note.code == "logo_path" and "标志" in note.message and "logo" in note.message
    assert not any(str(secret) in f for f in opened)
    with pytest.raises(ValueError):  # and a path can never be set on a recipe afterwards
        recipe.copy_text.logo = str(secret)


def test_a_project_carries_its_logo_bytes_and_an_old_recipe_says_its_logo_was_dropped(tmp_path):
    import io
    import json

    from PIL import Image

    from studio.export.project import open_project, save_project
    from studio.recipe import Recipe
    from studio.text import logo_store
    from studio.ui.reopen import reopen
    from studio.ui.session import StudioSession
    from tests.conftest import make_bottle_cutout

    buf = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 90, 200, 255)).save(buf, "PNG")
    ref = logo_store.remember_logo(buf.getvalue())
    recipe = Recipe.from_dict({"copy_text": {"headline": "Hi", "logo": ref}})
    project = save_project(tmp_path / "p.poster", cutouts={"水杯.jpg": make_bottle_cutout().rgba}, recipes=[recipe])
    logo_store._logos.clear()  # another process (or a restart) opens it
    opened = open_project(project)
    assert opened.recipes[0].copy_text.logo == ref and logo_store.logo_bytes(ref) == buf.getvalue()

    old = tmp_path / "old.json"
    old.write_text(json.dumps({"copy_text": {"headline": "Hi", "logo": "/etc/brand/logo.png"}}), "utf-8")
    for lang, word in (("zh", "标志"), ("en", "logo")):
        session, message = reopen(old, StudioSession(), lang)
        assert session.recipe.copy_text.logo == "" and word in message.split("\n\n")[-1]


def test_a_font_path_is_refused_and_an_old_recipe_falls_back_to_the_bundled_font(tmp_path):
    from studio.recipe import CopyText, Recipe
    from studio.text.fonts import bundled_font_path, keep_font_file, resolve_font

    server_font = str(bundled_font_path())  # a real font file on the server: still never named by path
    with pytest.raises(StudioError) as err:
        resolve_font(server_font)
    assert "path" in str(err.value) and "路径" in str(err.value)
    old = Recipe.from_dict({"copy_text": {"headline": "Hi", "font": server_font}})
    assert old.copy_text.font == "noto_sans_sc" and [n.code for n in old.load_notes()] == ["font_path"]
    with pytest.raises(ValueError):
        CopyText(font="/usr/share/fonts/x.ttf")
    family, ref = keep_font_file(bundled_font_path())  # an upload: kept by content, named by its hash
    assert (
        ref.startswith("upload:")
        and "/" not in ref
        and resolve_font(ref).read_bytes()[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    )
    assert Recipe.from_dict({"copy_text": {"font": ref}}).copy_text.font == ref


def test_a_recipe_style_name_never_probes_a_file_outside_the_lora_folder(tmp_path):
    """The scene cache key stats the style's file: only inside the LoRA folder, never `../` (existence oracle)."""
    from studio.pipeline import _style_version

    loras = tmp_path / "loras"
    loras.mkdir()
    (tmp_path / "secret.safetensors").write_bytes(b"x" * 10)
    (loras / "watercolor.safetensors").write_bytes(b"y" * 7)
    assert _style_version(loras, "../secret") == "-"
    assert _style_version(loras, str(tmp_path / "secret")) == "-"
    assert _style_version(loras, "watercolor").startswith("7-")
    assert _style_version(loras, "missing") == "-"

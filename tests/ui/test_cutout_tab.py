"""Tab ① through the launched app (gradio_client): every control moves the cutout the way it says,
the brush adds, erases and undoes, the white-background file passes its own check, batch zips,
and the CLI cuts out exactly what the tab does.

Photos are synthetic (known shapes) or scikit-image's coffee cup; the real u2netp model runs.
Positional inputs of /remove_background: photo, model, edge shift, feather, keep main,
fill holes, decontaminate, alpha matting, preview background.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SIZE = 384
GREEN = (20, 200, 40)
DEFAULTS = {"shift": 0, "feather": 0.0, "keep": True, "fill": False, "decon": True, "matting": False}


@pytest.fixture(scope="module")
def client(request):
    from gradio_client import Client

    # STUDIO_TEST_URL: drive an app you already started (handy while working on the tab)
    url = os.environ.get("STUDIO_TEST_URL") or request.getfixturevalue("studio_url")
    return Client(url, verbose=False)


def cut(client, photo: Path, **changes) -> tuple[np.ndarray, str]:
    """The tab's cutout (RGBA array) and status line for `photo` with `changes` to the defaults."""
    from gradio_client import handle_file

    s = {**DEFAULTS, **changes}
    cutout, _preview, status, _editor = client.predict(
        handle_file(str(photo)),
        "u2netp",
        s["shift"],
        s["feather"],
        s["keep"],
        s["fill"],
        s["decon"],
        s["matting"],
        "checker",
        api_name="/ui_remove_background",
    )
    with Image.open(cutout) as im:
        assert im.mode == "RGBA"
        return np.asarray(im), status


def _soft(mask: Image.Image, radius: float = 1.5) -> Image.Image:
    return mask.filter(ImageFilter.GaussianBlur(radius))


def _on(alpha: Image.Image, colour: tuple[int, int, int], background: tuple[int, int, int]) -> Image.Image:
    return Image.composite(Image.new("RGB", alpha.size, colour), Image.new("RGB", alpha.size, background), alpha)


@pytest.fixture(scope="module")
def photos(tmp_path_factory, artifacts_dir_module) -> dict[str, Path]:
    """The synthetic photos, written once and copied to the artifacts folder to look at."""
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    made: dict[str, Image.Image] = {}

    # A product and a separate smaller object: keep-main must drop the second one.
    m = Image.new("L", (SIZE, SIZE), 0)
    d = ImageDraw.Draw(m)
    d.ellipse([40, 60, 230, 330], fill=255)
    d.ellipse([280, 150, 370, 240], fill=255)
    made["speck.png"] = _on(_soft(m), (30, 60, 170), (240, 240, 240))

    # An orange product on a green screen with a soft (mixed) edge: decontaminate must pull the green out.
    m = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(m).rounded_rectangle([110, 50, 274, 340], radius=50, fill=255)
    made["green.png"] = _on(_soft(m, 3.0), (210, 120, 60), GREEN)

    # A ring. u2netp paints a ring's hole in as product (seen on every ring tried), so this one
    # is an already-transparent PNG: the tab uses the photo's own outline, then refines it.
    m = Image.new("L", (SIZE, SIZE), 0)
    d = ImageDraw.Draw(m)
    d.ellipse([62, 62, 322, 322], fill=255)
    d.ellipse([142, 142, 242, 242], fill=0)
    ring = Image.new("RGBA", (SIZE, SIZE), (200, 90, 30, 255))
    ring.putalpha(_soft(m))
    made["ring.png"] = ring

    made["coffee.jpg"] = Image.fromarray(data.coffee()).convert("RGB").resize((300, 200), Image.Resampling.LANCZOS)
    paths = {}
    for name, image in made.items():
        paths[name.split(".")[0]] = folder / name
        if name.endswith(".jpg"):
            image.save(folder / name, quality=92)
        else:
            image.save(folder / name)
        image.save(artifacts_dir_module / name.replace(".jpg", ".png"))
    return paths


@pytest.fixture(scope="module")
def artifacts_dir_module() -> Path:
    folder = ROOT / "tests" / "_artifacts" / "test_cutout_tab"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def alpha_area(rgba: np.ndarray) -> float:
    return float(rgba[..., 3].sum()) / 255.0


def test_edge_shift_shrinks_and_grows_the_product(client, photos):
    areas = {shift: alpha_area(cut(client, photos["coffee"], shift=shift)[0]) for shift in (-3, 0, 3)}
    assert areas[-3] < areas[0] < areas[3], areas
    assert areas[0] - areas[-3] > 100  # by whole rows of pixels around the outline, not by noise


def test_feather_softens_the_edge(client, photos):
    sharp, _ = cut(client, photos["coffee"])
    soft, _ = cut(client, photos["coffee"], feather=4)

    def mixed(rgba: np.ndarray) -> int:
        a = rgba[..., 3]
        return int(((a > 0) & (a < 255)).sum())

    def steepest(rgba: np.ndarray) -> int:
        a = rgba[..., 3].astype(int)
        return int(max(np.abs(np.diff(a, axis=0)).max(), np.abs(np.diff(a, axis=1)).max()))

    assert mixed(soft) > 1.5 * mixed(sharp)
    assert steepest(soft) < steepest(sharp)


def test_keep_main_drops_a_separate_object(client, photos):
    from scipy import ndimage

    def parts(rgba: np.ndarray) -> int:
        return ndimage.label(rgba[..., 3] > 128)[1]

    kept_all, _ = cut(client, photos["speck"], keep=False)
    main_only, _ = cut(client, photos["speck"], keep=True)
    assert parts(kept_all) == 2 and parts(main_only) == 1
    assert main_only.shape[1] < kept_all.shape[1]  # the crop no longer reaches over to the second object


def test_fill_holes_closes_the_ring(client, photos):
    from scipy import ndimage

    def hole_pixels(rgba: np.ndarray) -> int:
        solid = rgba[..., 3] > 128
        return int((ndimage.binary_fill_holes(solid) & ~solid).sum())

    open_ring, status = cut(client, photos["ring"], fill=False)
    closed, _ = cut(client, photos["ring"], fill=True)
    assert "✅" in status
    assert hole_pixels(open_ring) > 5000  # the 100 px hole is a real hole, kept by default
    assert hole_pixels(closed) == 0


def test_decontaminate_takes_the_green_out_of_the_edge(client, photos, artifacts_dir_module):
    from studio.cutout.metrics import colour_cast

    raw, _ = cut(client, photos["green"], decon=False)
    clean, _ = cut(client, photos["green"], decon=True)
    Image.fromarray(raw).save(artifacts_dir_module / "green_decontaminate_off.png")
    Image.fromarray(clean).save(artifacts_dir_module / "green_decontaminate_on.png")
    assert np.array_equal(raw[..., 3], clean[..., 3])  # same outline: only the edge colour changes
    cast_raw = colour_cast(Image.fromarray(raw), GREEN)
    cast_clean = colour_cast(Image.fromarray(clean), GREEN)
    assert cast_raw > 10 and cast_clean < cast_raw - 10, (cast_raw, cast_clean)


def _stroke(path: Path, size: tuple[int, int], box: tuple[int, int, int, int]) -> Path:
    """A brush layer as the ImageEditor sends it: transparent, the painted box opaque pink."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(box, fill=(255, 51, 102, 255))
    layer.save(path)
    return path


def _offset_in_view(view: np.ndarray, cutout: np.ndarray) -> tuple[int, int]:
    """Where the cut-out's top-left lies in the whole-photo brush view: its opaque pixels show there
    at full strength (the editor's image is lossy, so the best match, not an exact one)."""
    h, w = cutout.shape[:2]
    vh, vw = view.shape[:2]
    opaque = np.argwhere(cutout[..., 3] == 255)
    cost = np.zeros((vh - h + 1, vw - w + 1))
    for y, x in opaque[:: max(1, len(opaque) // 40)][:40]:
        diff = np.abs(view.astype(int) - cutout[y, x, :3].astype(int)).sum(axis=2)
        cost += diff[y : y + vh - h + 1, x : x + vw - w + 1]
    oy, ox = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return int(ox), int(oy)


def test_brush_adds_erases_and_undo_restores(client, photos, tmp_path, artifacts_dir_module):
    from gradio_client import handle_file

    original, _ = cut(client, photos["coffee"])
    h, w = original.shape[:2]
    a = original[..., 3]
    with Image.open(client.predict("checker", api_name="/undo_touch_up")[3]["background"]) as im:
        view = np.asarray(im.convert("RGB"))  # the brush paints on the whole photo, not just the crop
    vh, vw = view.shape[:2]
    ox, oy = _offset_in_view(view, original)
    assert (vw, vh) != (w, h)  # the photo reaches past the crop
    ys, xs = np.nonzero(a == 255)
    cy, cx = int(np.median(ys)), int(np.median(xs))  # inside the product
    erase_box = (ox + cx - 6, oy + cy - 6, ox + cx + 6, oy + cy + 6)
    add_box = (ox, oy, ox + 5, oy + 5)  # the crop margin's corner, transparent after the cutout
    assert a[cy, cx] == 255 and a[:6, :6].max() == 0
    # a part outside the crop, beside it in the photo
    out_box = (ox - 12, oy + cy, ox - 8, oy + cy + 4) if ox >= 12 else (ox + w + 8, oy + cy, ox + w + 12, oy + cy + 4)
    assert 0 <= out_box[0] and out_box[2] < vw

    background = tmp_path / "view.png"
    Image.new("RGB", (vw, vh), "white").save(background)

    def brush(mode: str, box: tuple[int, int, int, int], name: str) -> tuple[np.ndarray, str]:
        layer = _stroke(tmp_path / f"{name}.png", (vw, vh), box)
        value = {
            "background": handle_file(str(background)),
            "layers": [handle_file(str(layer))],
            "composite": handle_file(str(background)),
            "id": None,
        }
        cutout, _p, _s, _editor, message = client.predict(value, mode, "checker", api_name="/touch_up")
        return np.asarray(Image.open(cutout)), message

    erased, message = brush("erase", erase_box, "erase")
    assert erased[cy, cx, 3] == 0 and "1" in message
    added, message = brush("add", add_box, "add")
    assert added[2, 2, 3] == 255 and added[cy, cx, 3] == 0 and "2" in message
    assert added.shape == original.shape  # painting inside the crop keeps it
    assert (added[2, 2, :3] == original[2, 2, :3]).all()  # adding brings back the photo's own pixels
    grown, message = brush("add", out_box, "outside")
    assert grown.shape[1] > original.shape[1] and "3" in message  # the crop grew to hold the painted part
    Image.fromarray(grown).save(artifacts_dir_module / "brushed.png")

    undone, _p, _s, editor, message = client.predict("checker", api_name="/undo_touch_up")
    assert np.array_equal(np.asarray(Image.open(undone)), added)
    once, _p, _s, editor, message = client.predict("checker", api_name="/undo_touch_up")
    assert np.array_equal(np.asarray(Image.open(once)), erased)
    twice, _p, _s, editor, message = client.predict("checker", api_name="/undo_touch_up")
    assert np.array_equal(np.asarray(Image.open(twice))[..., 3], a)  # back to the cutout as made
    again, _p, _s, editor, message = client.predict("checker", api_name="/undo_touch_up")
    assert np.array_equal(np.asarray(Image.open(again))[..., 3], a)  # nothing left to undo: unchanged
    with Image.open(editor["background"]) as shown:  # the editor shows the whole photo to paint on
        assert shown.size == (vw, vh)
        shown.convert("RGB").save(artifacts_dir_module / "brush_view.png")


def test_white_background_file_is_2000_square_and_passes(client, photos, artifacts_dir_module):
    from studio.cutout import check_white_background

    cut(client, photos["coffee"])
    path, report = client.predict(api_name="/white_background")
    with Image.open(path) as im:
        im.save(artifacts_dir_module / "white_main.png")
        assert im.size == (2000, 2000)
        assert check_white_background(im)["passes"]
    assert "✅" in report and "❌" not in report


def test_batch_zips_one_png_per_photo(client, photos):
    from gradio_client import handle_file

    files = [handle_file(str(photos["coffee"])), handle_file(str(photos["speck"]))]
    zip_path = client.predict(files, "u2netp", 0, 0, True, False, True, False, api_name="/cutout_batch")
    with zipfile.ZipFile(zip_path) as z:
        names = sorted(z.namelist())
        assert names == ["coffee.png", "speck.png"]
        for name in names:
            with z.open(name) as f, Image.open(f) as im:
                assert im.mode == "RGBA" and im.getchannel("A").getextrema() == (0, 255)


@pytest.mark.parametrize(
    "changes,flags",
    [({}, []), ({"shift": -2, "feather": 2.0, "fill": True}, ["--edge-shift", "-2", "--feather", "2", "--fill-holes"])],
    ids=["defaults", "shift-feather-fill"],
)
def test_cli_cuts_out_exactly_what_the_tab_does(client, photos, tmp_path, changes, flags):
    tab, _ = cut(client, photos["coffee"], **changes)
    out = tmp_path / "cli"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "studio", "cutout", str(photos["coffee"]), "--out", str(out), *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-800:]
    cli = np.asarray(Image.open(out / "coffee.png"))
    assert cli.shape == tab.shape
    assert np.array_equal(cli[..., 3], tab[..., 3])
    visible = cli[..., 3] > 0
    assert np.array_equal(cli[..., :3][visible], tab[..., :3][visible])

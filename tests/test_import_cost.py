"""Importing the studio does no heavy work: no torch, diffusers, rembg or gradio until a step needs them."""

import subprocess
import sys

HEAVY = ("torch", "diffusers", "transformers", "rembg", "controlnet_aux", "onnxruntime", "cv2")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return {m.split(".")[0] for m in out}


def test_core_imports_are_light():
    loaded = _loaded_after(
        "import studio, studio.cli, studio.pipeline, studio.recipe, studio.models, studio.presets, "
        "studio.cutout, studio.scene, studio.text, studio.export, studio.styles"
    )
    heavy = loaded & set(HEAVY)
    assert not heavy, f"importing the core pulled in {heavy}"
    assert "gradio" not in loaded, "core modules must not import gradio"


def test_ui_modules_never_import_torch():
    loaded = _loaded_after(
        "import studio.ui.app, studio.ui.cutout_tab, studio.ui.scene_tab, studio.ui.style_tab, "
        "studio.ui.copy_tab, studio.ui.export_tab"
    )
    assert "torch" not in loaded and "diffusers" not in loaded

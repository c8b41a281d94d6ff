"""The style tab builds, keeps its API names, shows the catalog, and hides upload on a shared link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from studio.settings import Settings
from tests.ui.tab_harness import block_by_id, build_tab_alone


def _lora(path: Path) -> None:
    key = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k"
    save_file(
        {
            f"{key}.lora_down.weight": np.zeros((4, 32), np.float32),
            f"{key}.lora_up.weight": np.zeros((32, 4), np.float32),
        },
        str(path),
        metadata={"ss_tag_frequency": '{"1_x": {"glowy": 3}}'},
    )


def _build(settings: Settings):
    from studio.ui.style_tab import build_style_tab

    return build_tab_alone(build_style_tab, settings, "en")


_by_id = block_by_id


@pytest.mark.parametrize("share, allow, visible", [(False, False, True), (True, False, False), (True, True, True)])
def test_upload_follows_the_share_rule(tmp_path: Path, share: bool, allow: bool, visible: bool) -> None:
    settings = Settings(
        profile="none",
        lora_dir=tmp_path,
        share=share,
        allow_uploads_on_share=allow,
        open_browser=False,
        cache_dir=tmp_path / "cache",
    )
    demo = _build(settings)
    assert _by_id(demo, "style-upload").visible is visible
    api = {fn.api_name for fn in demo.fns.values()}
    assert {"apply_styles", "clear_styles"} <= api


def test_gallery_lists_local_and_builtin_styles(tmp_path: Path, artifacts_dir: Path) -> None:
    _lora(tmp_path / "glow.safetensors")
    demo = _build(Settings(profile="none", lora_dir=tmp_path, open_browser=False, cache_dir=tmp_path / "c"))
    gallery = _by_id(demo, "style-gallery")
    captions = [item.get("caption") or "" for item in gallery.value]
    assert captions and captions[0].startswith("glow") and "glowy" in captions[0]
    assert any("Fast draft" in c for c in captions)

    from studio.styles import list_styles
    from studio.ui.style_tab import _thumb

    _thumb(list_styles(tmp_path)[0]).save(artifacts_dir / "swatch.png")

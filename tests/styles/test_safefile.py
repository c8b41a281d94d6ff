"""A LoRA file is checked before anything trusts it; pickles never run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from studio.errors import StudioError
from studio.styles.safefile import load_lora_tensors, read_lora_header
from tests.styles.lora_files import write_pickle_bomb, write_raw_safetensors


def _valid(path: Path, **meta: str) -> Path:
    save_file(
        {
            "lora_unet_down_blocks_1_attentions_0_proj_in.lora_down.weight": np.ones((4, 32), np.float32),
            "lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight": np.ones((32, 4), np.float16),
            "lora_unet_down_blocks_1_attentions_0_proj_in.alpha": np.array(4.0, np.float32),
        },
        str(path),
        metadata=meta or None,
    )
    return path


def test_valid_kohya_file_reads_header_and_metadata(tmp_path: Path) -> None:
    header = read_lora_header(_valid(tmp_path / "ok.safetensors", ss_base_model_version="sd_v1"))
    assert header.key_format == "kohya"
    assert header.metadata["ss_base_model_version"] == "sd_v1"
    assert header.tensors["lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight"].shape == (32, 4)
    _, tensors = load_lora_tensors(tmp_path / "ok.safetensors")
    assert float(tensors["lora_unet_down_blocks_1_attentions_0_proj_in.alpha"]) == 4.0


@pytest.mark.parametrize("name", ["evil.safetensors", "evil.ckpt", "evil.pt", "evil.bin", "evil.pth"])
def test_pickle_payload_never_runs(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "PWNED"
    bomb = write_pickle_bomb(tmp_path / name, marker)
    with pytest.raises(StudioError) as err:
        load_lora_tensors(bomb)
    assert not marker.exists()
    assert "safetensors" in str(err.value)
    # and the bomb is real: unpickling it would have created the marker
    import pickle

    pickle.loads(bomb.read_bytes())
    assert marker.exists()


def test_ckpt_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    missing = tmp_path / "never_created.ckpt"  # does not exist: refusal must not need to open it
    with pytest.raises(StudioError, match="never opens"):
        read_lora_header(missing)


def test_other_suffix_names_the_supported_formats(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="kohya"):
        read_lora_header(tmp_path / "style.onnx")


OK_ENTRY = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}


@pytest.mark.parametrize(
    "header, data, length, why",
    [
        ({"lora_a.lora_down.weight": OK_ENTRY}, b"\0" * 16, 10**12, "header"),
        ({"lora_a.lora_down.weight": OK_ENTRY}, b"\0" * 16, 3, "JSON"),
        ({"lora_a.lora_down.weight": {**OK_ENTRY, "dtype": "U8"}}, b"\0" * 16, None, "data type"),
        ({"lora_a.lora_down.weight": {**OK_ENTRY, "dtype": "BOOL"}}, b"\0" * 16, None, "data type"),
        ({"lora_a.lora_down.weight": {**OK_ENTRY, "data_offsets": [0, 999]}}, b"\0" * 16, None, "outside"),
        ({"lora_a.lora_down.weight": {**OK_ENTRY, "shape": [3, 2]}}, b"\0" * 16, None, "size"),
        ({"lora_a.lora_down.weight": {**OK_ENTRY, "shape": [-1, 2]}}, b"\0" * 16, None, "shape"),
        ({"lora_a.lora_down.weight": OK_ENTRY, "lora_a.lora_up.weight": OK_ENTRY}, b"\0" * 16, None, "overlaps"),
        ({"lora_a.lora_down.weight": OK_ENTRY}, b"\0" * 24, None, "after its last"),
        ({"__metadata__": {"a": 1}, "lora_a.lora_down.weight": OK_ENTRY}, b"\0" * 16, None, "metadata"),
        ({"model.diffusion_model.input.weight": OK_ENTRY}, b"\0" * 16, None, "full model"),
        ({"lora_unet_x.hada_w1_a": OK_ENTRY}, b"\0" * 16, None, r"this LoRA type \(LoHa\) is not supported yet"),
        ({"emb_params": OK_ENTRY}, b"\0" * 16, None, "embedding"),
        ({"conv_in.weight": OK_ENTRY}, b"\0" * 16, None, "not LoRA layers"),
    ],
)
def test_malformed_headers_are_refused(tmp_path: Path, header, data, length, why) -> None:
    path = write_raw_safetensors(tmp_path / "bad.safetensors", header, data, length=length)
    with pytest.raises(StudioError, match=why):
        read_lora_header(path)


def test_duplicate_keys_in_header_are_refused(tmp_path: Path) -> None:
    raw = (
        b'{"lora_a.lora_down.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
        b'"lora_a.lora_down.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}'
    )
    path = tmp_path / "dup.safetensors"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"\0" * 4)
    with pytest.raises(StudioError, match="duplicate"):
        read_lora_header(path)


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.safetensors"
    path.write_bytes(b"\x10\x00")
    with pytest.raises(StudioError, match="too short"):
        read_lora_header(path)

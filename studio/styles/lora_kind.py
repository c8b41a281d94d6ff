"""Which kind of LoRA-family file a safetensors header holds, from its tensor names alone.

Plain LoRA (kohya `lora_down`/`lora_up`, diffusers/PEFT `lora_A`/`lora_B`) is what the
studio loads. The others are told apart so a refusal names the real reason, never "made
for another base model":
- DoRA: LoRA plus a magnitude per output channel (kohya `dora_scale`, PEFT
  `lora_magnitude_vector`). diffusers' loader for SD1.5/SDXL drops kohya magnitudes with
  only a log warning, which silently changes the style, so DoRA is refused until it can
  be loaded whole.
- LyCORIS LoHa (`hada_w1_a`…), LoKr (`lokr_w1`…), OFT/BOFT (`oft_blocks`, `oft_diag`),
  GLoRA (`a1.weight`… with `glora`), (IA)³ (`.weight` scalers named `ia3`): other
  decompositions, not loaded.
- LoCon with Tucker decomposition (`lora_mid` for conv layers) and files trained with
  `train_norm` (`w_norm` / `b_norm` for normalisation layers): LyCORIS extras diffusers
  does not convert.
"""

from __future__ import annotations

from collections.abc import Iterable

PLAIN = "LoRA"
_MARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("LoHa", ("hada_w1_", "hada_w2_", "hada_t1", "hada_t2")),
    ("LoKr", ("lokr_w1", "lokr_w2", "lokr_t2")),
    ("OFT", ("oft_blocks", "oft_diag", ".oft_r", ".oft_")),
    ("GLoRA", ("glora_", ".a1.weight", ".b1.weight")),
    ("(IA)³", (".ia3", "ia3_")),
    ("DoRA", ("dora_scale", "lora_magnitude_vector")),
    ("LoCon (Tucker)", ("lora_mid",)),
    ("train_norm", (".w_norm", ".b_norm")),
)
NOT_SUPPORTED_YET = {kind for kind, _ in _MARKS}


def lora_kind(keys: Iterable[str]) -> str:
    """The first non-plain kind whose marks appear in any key, else PLAIN."""
    lowered = [k.lower() for k in keys]
    for kind, marks in _MARKS:
        if any(mark in key for key in lowered for mark in marks):
            return kind
    return PLAIN

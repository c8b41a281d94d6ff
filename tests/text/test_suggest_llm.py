"""Copy suggestions from a local language model: a tiny random GPT-2 built offline, saved and loaded back."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.recipe import CopyText
from studio.text.suggest import LLM_LIMITS, copy_choice_names, parse_llm_copy, suggest_copy, suggest_copy_llm

LINES = [
    "夏日清爽 水润一整天",
    "温和配方 敏感肌适用",
    "深层补水|轻薄易吸收|清爽不黏腻",
    "立即抢购",
    "Fresh all day",
    "Shop now",
]


def _tiny_lm(folder: Path, *, only_eos: bool = False) -> Path:
    """A char-level tokenizer and a 2-layer GPT-2 with random weights, written like a hub model."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    chars = sorted({ch for line in LINES for ch in line} | set("\n|：:"))
    vocab = {"<unk>": 0, "<pad>": 1, "<|endoftext|>": 2, **{ch: i + 3 for i, ch in enumerate(chars)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<|endoftext|>"
    )
    fast.save_pretrained(folder)
    config = transformers.GPT2Config(
        vocab_size=len(vocab),
        n_layer=2,
        n_embd=32,
        n_head=2,
        n_positions=512,
        bos_token_id=2,
        eos_token_id=2,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config)
    if only_eos:
        with torch.no_grad():  # a model that ends every reply at once: nothing usable
            model.lm_head.weight.zero_()
            model.lm_head.weight[2] = 50.0 * model.transformer.wte.weight.new_ones(32)
            model.transformer.ln_f.bias.fill_(1.0)
            model.transformer.ln_f.weight.zero_()
    model.save_pretrained(folder)
    return folder


def _within_limits(copy: CopyText, lang: str) -> None:
    i = 0 if lang == "zh" else 1
    assert len(copy.headline) <= LLM_LIMITS["headline"][i]
    assert len(copy.subline) <= max(LLM_LIMITS["subline"][i], 120)
    assert all(len(p) <= max(LLM_LIMITS["point"][i], 40) for p in copy.selling_points)


@pytest.mark.slow
def test_tiny_model_runs_offline_and_its_copy_fits(tmp_path: Path) -> None:
    folder = _tiny_lm(tmp_path / "lm")
    for seed in (0, 1):
        copy, warnings = suggest_copy_llm("beauty", "618", "zh", model_id=str(folder), seed=seed, max_new_tokens=60)
        _within_limits(copy, "zh")
        assert copy.headline
        assert not any("could not run" in w for w in warnings), warnings
    again, _ = suggest_copy_llm("beauty", "618", "zh", model_id=str(folder), seed=1, max_new_tokens=60)
    assert again == copy  # a seed gives the same suggestion


@pytest.mark.slow
def test_a_model_that_says_nothing_falls_back_to_the_templates(tmp_path: Path) -> None:
    folder = _tiny_lm(tmp_path / "mute", only_eos=True)
    copy, warnings = suggest_copy_llm("food", "double11", "zh", model_id=str(folder), seed=3)
    assert copy == suggest_copy("food", "double11", "zh", seed=3)
    assert any("not usable" in w for w in warnings)


def test_missing_model_falls_back_with_a_warning(tmp_path: Path) -> None:
    copy, warnings = suggest_copy_llm("food", "618", "en", model_id=str(tmp_path / "nowhere"))
    assert copy == suggest_copy("food", "618", "en")
    assert warnings and "template copy" in warnings[0]
    copy, warnings = suggest_copy_llm("food", "618", "en", model_id="")
    assert "No copy model" in warnings[0]


def test_parsing_cuts_each_layer_to_its_limit() -> None:
    base = suggest_copy("beauty", "618", "zh")
    reply = (
        "标题：夏日清爽水润一整天温和配方敏感肌适用清爽不黏腻持久保湿\n"
        "副标题：" + "温和配方" * 20 + "\n"
        "卖点：深层补水持久保湿二十四小时|轻薄易吸收|%%%|清爽不黏腻\n"
        "按钮文字：立即抢购限时优惠快来"
    )
    copy = parse_llm_copy(reply, base, "zh")
    assert copy is not None
    _within_limits(copy, "zh")
    assert copy.headline.startswith("夏日清爽") and "标题" not in copy.headline
    assert len(copy.subline) <= LLM_LIMITS["subline"][0]
    assert copy.selling_points[1] == "轻薄易吸收" and "%%%" not in copy.selling_points
    assert len(copy.cta) <= LLM_LIMITS["cta"][0]
    en = parse_llm_copy(
        "Headline: Glow from within every single day of summer\nGentle\nA|B\nShop",
        suggest_copy("beauty", "618", "en"),
        "en",
    )
    assert en is not None and len(en.headline) <= LLM_LIMITS["headline"][1] and not en.headline.endswith(" ")
    assert en.headline.split()[-1] in "Glow from within every single day of summer".split()  # no half word
    assert parse_llm_copy("", base) is None
    assert parse_llm_copy("!!! ### ...\n", base) is None


def test_choice_names_are_bilingual() -> None:
    cats = copy_choice_names("categories")
    assert cats["beauty"] == {"zh": "美妆护肤", "en": "Beauty & skincare"}
    assert all(v["zh"] and v["en"] for v in copy_choice_names("occasions").values())

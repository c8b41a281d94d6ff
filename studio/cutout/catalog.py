"""The background-removal models the studio offers, with what a seller must know about each.

Hashes and URLs are the ones rembg 2.0.86 pins in its session classes
(tests/cutout/test_model_files.py checks they still match), so a file placed
in U2NET_HOME under `<name>.onnx` is used by rembg without a download.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import StudioError

_RELEASES = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/"


@dataclass(frozen=True)
class ModelInfo:
    name: str  # rembg session name, also the file stem in U2NET_HOME
    label: str  # what the UI shows
    licence: str
    commercial_use: bool  # False: posters made with it must not be sold or used in shops
    size_mb: float  # download size, about
    note: str
    url: str
    file_hash: str  # pooch style: "md5:..." or "sha256:..."
    note_zh: str = ""  # the note in Chinese, for the tab

    @property
    def file_name(self) -> str:
        return f"{self.name}.onnx"

    def choice_label(self) -> str:
        """One line for a dropdown: name, licence, size, and a warning when not for shops."""
        flag = "" if self.commercial_use else " ⚠ NOT for commercial use"
        return f"{self.label} · {self.licence} · {self.size_mb:g} MB{flag}"


MODELS: dict[str, ModelInfo] = {
    info.name: info
    for info in (
        ModelInfo(
            "u2netp",
            "U²-Net small (built in)",
            "Apache-2.0",
            True,
            4.7,
            "Small and fast; works offline. Good on plain product shots, rough on fine detail.",
            _RELEASES + "u2netp.onnx",
            "md5:8e83ca70e441ab06c318d82300c84806",
            "小而快，离线可用。适合背景干净的商品照，细节边缘较粗。",
        ),
        ModelInfo(
            "u2net",
            "U²-Net",
            "Apache-2.0",
            True,
            176,
            "The classic general model; cleaner edges than u2netp.",
            _RELEASES + "u2net.onnx",
            "md5:60024c5c889badc19c04ad937298a77b",
            "经典通用模型，边缘比 u2netp 干净。",
        ),
        ModelInfo(
            "isnet-general-use",
            "IS-Net general",
            "Apache-2.0",
            True,
            179,
            "Sharper outlines than U²-Net on objects.",
            _RELEASES + "isnet-general-use.onnx",
            "md5:fc16ebd8b0c10d971d3513d564d01e29",
            "物体轮廓比 U²-Net 更锐利。",
        ),
        ModelInfo(
            "birefnet-general",
            "BiRefNet general",
            "MIT",
            True,
            973,
            "Best quality here; slow on a CPU, fast on a GPU.",
            _RELEASES + "BiRefNet-general-epoch_244.onnx",
            "md5:7a35a0141cbbc80de11d9c9a28f52697",
            "本列表中质量最好；CPU 上慢，GPU 上快。",
        ),
        ModelInfo(
            "birefnet-general-lite",
            "BiRefNet general lite",
            "MIT",
            True,
            224,
            "Most of BiRefNet's quality at a quarter of the size.",
            _RELEASES + "BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx",
            "md5:4fab47adc4ff364be1713e97b7e66334",
            "以四分之一的体积保留 BiRefNet 大部分质量。",
        ),
        ModelInfo(
            "bria-rmbg",
            "BRIA RMBG 2.0",
            "CC BY-NC 4.0",
            False,
            977,
            "Excellent quality, but licensed for non-commercial use only: shop posters need a "
            "commercial agreement with BRIA.",
            _RELEASES + "bria-rmbg-2.0.onnx",
            "sha256:5b486f08200f513f460da46dd701db5fbb47d79b4be4b708a19444bcd4e79958",
            "效果很好，但许可证仅限非商业用途：用于店铺海报需与 BRIA 签订商业协议。",
        ),
    )
}

DEFAULT_MODEL = "u2netp"


def model_info(name: str) -> ModelInfo:
    """The catalog entry for `name`, or a StudioError that lists the valid choices."""
    info = MODELS.get(name)
    if info is None:
        raise StudioError(
            f"Unknown background-removal model '{name}'.",
            hint=f"Choose one of: {', '.join(MODELS)}.",
        )
    return info


def licence_note(model_name: str) -> str:
    """Both languages: licence, size, whether it is already here, and the non-commercial warning."""
    from studio.cutout.model_files import model_home

    info = model_info(model_name or "u2netp")
    here = (model_home() / info.file_name).is_file()
    zh_file = "已在本机" if here else f"首次使用需下载 {info.size_mb:g} MB"
    en_file = "on this computer" if here else f"downloads {info.size_mb:g} MB on first use"
    lines = [
        f"**{info.label}** · 许可证 licence **{info.licence}** · {zh_file} / {en_file}",
        f"{info.note_zh or info.note}  \n{info.note}",
    ]
    if not info.commercial_use:
        lines.insert(
            0,
            "> ⚠️ **仅限非商业用途：用它做的图不能用于店铺销售。**  \n"
            "> ⚠️ **NOT for commercial use: images made with it must not be used to sell in a shop.**",
        )
    return "\n\n".join(lines)

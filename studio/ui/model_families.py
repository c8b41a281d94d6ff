"""The scene-model table under the profile line: each family's licence, VRAM need and status here.

Like the cut-out tab's licence note, so a seller sees what may be used in a shop
before choosing; the rows come from presets/model_families.json (studio.models.families).
"""

from __future__ import annotations

from studio.models import ModelManager
from studio.ui.texts import TEXTS


def register_families_text(models: ModelManager) -> None:
    """Fill the `model_families` text (zh, en) for this process's profile and card."""
    from studio.models.families import families_markdown

    probe = models.card_probe()
    TEXTS["model_families"] = (
        families_markdown(models.profile, probe, "zh"),
        families_markdown(models.profile, probe, "en"),
    )

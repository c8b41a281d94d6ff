"""Chinese and English for the interface, with a switch.

Static labels are registered as they are built (`tr.label(...)`); switching the
language — from the header switch, or on load from the browser's language —
returns one update per registered component. Messages from handlers use
`tr.text(key, lang)` with the session's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.ui.texts import TEXTS

LANGS = ("zh", "en")


def pick_lang(browser_language: object) -> str:
    """zh for any Chinese browser locale (zh-CN, zh-TW, zh-Hans…), en otherwise."""
    if isinstance(browser_language, (list, tuple)):  # some front ends hand js results over as a list
        browser_language = browser_language[0] if browser_language else ""
    return "zh" if str(browser_language or "").lower().startswith("zh") else "en"


@dataclass
class Translator:
    default: str = "zh"
    # (component, key, property): property is "label", "value", "info" or "placeholder"
    bound: list[tuple[Any, str, str]] = field(default_factory=list)

    def text(self, key: str, lang: str | None = None, **fmt: Any) -> str:
        entry = TEXTS.get(key)
        if entry is None:
            return key
        zh, en = entry
        s = zh if (lang or self.default) == "zh" else en
        return s.format(**fmt) if fmt else s

    def bind(self, component: Any, key: str, prop: str = "label") -> Any:
        self.bound.append((component, key, prop))
        return component

    def components(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for comp, _, _ in self.bound:
            seen.setdefault(id(comp), comp)
        return list(seen.values())

    def updates(self, lang: str) -> list[Any]:
        """One gr.update per component (in `components()` order) in `lang`."""
        import gradio as gr

        props: dict[int, dict[str, str]] = {}
        for comp, key, prop in self.bound:
            props.setdefault(id(comp), {})[prop] = self.text(key, lang)
        return [gr.update(**props[id(c)]) for c in self.components()]

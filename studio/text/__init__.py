"""Copy text: fonts, CJK typesetting, layout clear of the product, contrast, ad-law check.

The lead's entry points:
- `layout_copy(copy, background, product_box, ...)` → `TextLayout` (text layers + warnings)
- `list_layouts()`, `check_ad_words(text)`, `check_copy(copy)`
- `suggest_copy(category, occasion, lang)`, `copy_categories()`, `copy_occasions()`
Fonts live in `studio.text.fonts`.
"""

from studio.text.adwords import AdWordFlag, check_ad_words, check_copy
from studio.text.layout import LayerInfo, TextLayout, layout_copy, list_layouts
from studio.text.suggest import copy_categories, copy_occasions, suggest_copy

__all__ = [
    "AdWordFlag",
    "LayerInfo",
    "TextLayout",
    "check_ad_words",
    "check_copy",
    "copy_categories",
    "copy_occasions",
    "layout_copy",
    "list_layouts",
    "suggest_copy",
]

"""The XMP packet every export carries: the TC260 implicit AIGC label, IPTC source type, our own notes.

GB 45438-2025 puts the implicit label for images in XMP, namespace
http://www.tc260.org.cn/ns/AIGC/1.0/ (prefix TC260), property AIGC whose value
is a JSON object of string fields. We write that, plus the IPTC
DigitalSourceType hint that non-Chinese tools read, and read both back with
the standard library's XML parser (no libxmp needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
STUDIO_NS = "http://ns.poster-studio.org/export/1.0/"

# Which IPTC Digital Source Type a poster is (http://cv.iptc.org/newscodes/digitalsourcetype/):
# - a model-painted scene around the seller's real product photo is what IPTC added
#   compositeWithTrainedAlgorithmicMedia for: a composite made with a generative model's
#   inpainting/outpainting (IPTC NewsCodes, 2023). trainedAlgorithmicMedia would claim the
#   whole picture, product included, was generated, which is false and misleads a buyer.
# - a procedural or white backdrop (drawn by formula, no trained model) with the real photo is
#   compositeSynthetic: a composite of captured and synthetic elements, with no AI claim.
_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
DIGITAL_SOURCE_TYPE = _IPTC + "compositeWithTrainedAlgorithmicMedia"
TRAINED_ALGORITHMIC_MEDIA = _IPTC + "trainedAlgorithmicMedia"
COMPOSITE_SYNTHETIC = _IPTC + "compositeSynthetic"

AIGC_KEYS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)


def source_type_for(ai_generated: bool) -> str:
    return DIGITAL_SOURCE_TYPE if ai_generated else COMPOSITE_SYNTHETIC


def build_xmp(
    aigc: dict[str, str] | None,
    *,
    creator_tool: str = "PosterStudio",
    source_type: str | None = None,
    studio_fields: dict[str, str] | None = None,
) -> str:
    """A complete XMP packet (with xpacket wrapper) as text.

    source_type None: the composite term that matches whether there is an AIGC label.
    """
    # aigc None: nothing in the image came from a model (a procedural or white backdrop),
    # so it is not labelled AI-generated.
    labels = ""
    if aigc is not None:
        aigc_json = json.dumps({k: str(aigc.get(k, "")) for k in AIGC_KEYS}, ensure_ascii=False, separators=(",", ":"))
        labels = f"   <TC260:AIGC>{escape(aigc_json)}</TC260:AIGC>\n"
    kind = source_type or source_type_for(aigc is not None)
    labels += f"   <Iptc4xmpExt:DigitalSourceType>{escape(kind)}</Iptc4xmpExt:DigitalSourceType>\n"
    extra = "".join(
        f"\n   <PosterStudio:{name}>{escape(value)}</PosterStudio:{name}>"
        for name, value in (studio_fields or {}).items()
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{RDF_NS}">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:TC260="{TC260_NS}"\n'
        f'    xmlns:Iptc4xmpExt="{IPTC_EXT_NS}"\n'
        f'    xmlns:xmp="{XMP_NS}"\n'
        f'    xmlns:PosterStudio="{STUDIO_NS}">\n'
        f"{labels}"
        f"   <xmp:CreatorTool>{escape(creator_tool)}</xmp:CreatorTool>"
        f"{extra}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


@dataclass
class XmpInfo:
    """What we read back from a packet; properties keyed '{namespace}name'."""

    properties: dict[str, str] = field(default_factory=dict)

    @property
    def aigc(self) -> dict[str, str] | None:
        raw = self.properties.get(f"{{{TC260_NS}}}AIGC")
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None

    @property
    def source_type(self) -> str:
        return self.properties.get(f"{{{IPTC_EXT_NS}}}DigitalSourceType", "")

    def studio(self, name: str) -> str:
        return self.properties.get(f"{{{STUDIO_NS}}}{name}", "")


def parse_xmp(packet: str | bytes) -> XmpInfo:
    """Parse a packet with xml.etree; simple properties in element or attribute form.

    Raises ValueError when the packet is not well-formed XML.
    """
    text = packet.decode("utf-8", "replace") if isinstance(packet, bytes) else packet
    text = text.strip("\x00").strip()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"XMP is not well-formed: {exc}") from None
    info = XmpInfo()
    for desc in root.iter(f"{{{RDF_NS}}}Description"):
        for name, value in desc.attrib.items():
            if not name.startswith(f"{{{RDF_NS}}}"):
                info.properties[name] = value
        for child in desc:
            if len(child) == 0:
                info.properties[child.tag] = child.text or ""
    return info

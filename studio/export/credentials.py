"""Content Credentials (C2PA): sign a finished poster file with c2pa-python, optional.

Signing is the last step: the AIGC label, IPTC type, parameters and recipe are already in
the file, and the manifest binds a hash of the whole file, so any later re-encode drops
the signature (the TC260 label inside stays readable either way).

What the manifest says:
- c2pa.actions: `c2pa.created` by PosterStudio with IPTC digitalSourceType
  trainedAlgorithmicMedia (a model painted the scene; algorithmicMedia for a procedural
  backdrop), then `c2pa.placed` for the seller's product photo;
- the product (its cut-out, as the studio holds it) as a `componentOf` ingredient;
- `org.poster-studio.aigc`: the TC260 implicit label's fields, as in the XMP.

The certificate: the seller's own (PEM chain + key), or one the studio makes on first use
in its data folder: a local root and a signing certificate it issued (ES256). Readers then
report the manifest valid but the signer untrusted, which is what it is; public output
that should show as trusted needs a certificate from a CA on the C2PA trust list.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from studio.errors import StudioError

if TYPE_CHECKING:  # cryptography comes with c2pa-python, imported only when signing
    from cryptography import x509
from studio.export.atomic import write_bytes_atomic
from studio.export.xmp import _IPTC

CREATED_TYPE_AI = _IPTC + "trainedAlgorithmicMedia"
CREATED_TYPE_PLAIN = _IPTC + "algorithmicMedia"
AIGC_ASSERTION = "org.poster-studio.aigc"
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_PRODUCT_LABEL = "product_photo"
_CERT_NAME, _KEY_NAME = "c2pa-signing-chain.pem", "c2pa-signing-key.pem"


@dataclass(frozen=True)
class Credential:
    chain_pem: bytes  # signing certificate first, then its issuer
    key_pem: bytes


def _c2pa():
    try:
        import c2pa
    except ImportError:  # also a missing native library
        raise StudioError(
            "Content Credentials need the c2pa-python package, which is not installed.",
            hint="pip install c2pa-python, or export without --c2pa.",
        ) from None
    return c2pa


def load_credential(cert: Path | None, key: Path | None, data_dir: Path) -> Credential:
    """The seller's certificate and key, or the studio's own (made once in data_dir)."""
    if cert is not None and key is not None:
        try:
            return Credential(Path(cert).read_bytes(), Path(key).read_bytes())
        except OSError as exc:
            raise StudioError(f"Cannot read the signing certificate or key: {exc.strerror or exc}.") from None
    folder = Path(data_dir)
    chain, private = folder / _CERT_NAME, folder / _KEY_NAME
    if chain.is_file() and private.is_file():
        return Credential(chain.read_bytes(), private.read_bytes())
    made = make_local_credential()
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(private, made.key_pem)
    private.chmod(0o600)
    write_bytes_atomic(chain, made.chain_pem)
    return made


def _signing_key_usage(*, certifies: bool) -> x509.KeyUsage:
    """Signing only; the root may also certify keys and sign revocation lists."""
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=certifies,
        crl_sign=certifies,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def make_local_credential(name: str = "Poster Studio local signer") -> Credential:
    """A local root CA and an ES256 signing certificate it issued, shaped as C2PA's certificate profile asks."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} root"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Poster Studio (local)"),
        ]
    )
    leaf_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Poster Studio (local)"),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_signing_key_usage(certifies=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_key_usage(certifies=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + root.public_bytes(pem)
    key = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return Credential(chain, key)


def manifest_definition(
    title: str, *, ai_generated: bool, aigc: dict[str, str] | None, with_product: bool = True
) -> dict:
    """The manifest JSON c2pa-python's Builder takes (the product ingredient is added separately)."""
    actions = [
        {
            "action": "c2pa.created",
            "softwareAgent": {"name": "PosterStudio"},
            "digitalSourceType": CREATED_TYPE_AI if ai_generated else CREATED_TYPE_PLAIN,
            "description": "scene painted by a diffusion model around the product"
            if ai_generated
            else "studio backdrop drawn without a model",
        },
    ]
    if with_product:
        actions.append(
            {
                "action": "c2pa.placed",
                "softwareAgent": {"name": "PosterStudio"},
                "parameters": {"ingredientIds": [_PRODUCT_LABEL]},
                "description": "the seller's real product photo, cut out and placed unchanged",
            }
        )
    assertions: list[dict] = [{"label": "c2pa.actions", "data": {"actions": actions}}]
    if aigc is not None:
        assertions.append({"label": AIGC_ASSERTION, "data": dict(aigc)})
    return {"claim_generator_info": [{"name": "PosterStudio"}], "title": title, "assertions": assertions}


def sign_file(
    path: Path,
    credential: Credential,
    *,
    ai_generated: bool,
    aigc: dict[str, str] | None,
    product: Image.Image | None = None,
) -> int:
    """Sign `path` in place (atomically); returns the new size in bytes."""
    c2pa = _c2pa()
    path = Path(path)
    with Image.open(path) as image:
        mime = _MIME.get(image.format or "")
    if mime is None:
        raise StudioError(f"Content Credentials cannot be added to {path.name}.", hint="Export JPEG, PNG or WebP.")
    definition = manifest_definition(path.name, ai_generated=ai_generated, aigc=aigc, with_product=product is not None)
    info = c2pa.C2paSignerInfo(
        alg=c2pa.C2paSigningAlg.ES256, sign_cert=credential.chain_pem, private_key=credential.key_pem, ta_url=None
    )
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})  # keep files small
    source = io.BytesIO(path.read_bytes())
    dest = io.BytesIO()
    try:
        with (
            c2pa.Context(settings) as ctx,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(json.dumps(definition), ctx) as builder,
        ):
            if product is not None:
                photo = io.BytesIO()
                product.save(photo, "PNG")
                photo.seek(0)
                builder.add_ingredient(
                    json.dumps(
                        {"title": "product photo (cut out)", "relationship": "componentOf", "label": _PRODUCT_LABEL}
                    ),
                    "image/png",
                    photo,
                )
            builder.sign(signer, mime, source, dest)
    except c2pa.C2paError as exc:
        raise StudioError(f"Signing {path.name} with Content Credentials failed.", hint=str(exc)) from None
    data = dest.getvalue()
    write_bytes_atomic(path, data)
    return len(data)


def read_credentials(path: Path) -> dict:
    """The active manifest and validation state, as c2pa-python's Reader reports them."""
    c2pa = _c2pa()
    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state()
    return {
        "state": state,
        "manifest": store["manifests"][store["active_manifest"]],
        "validation_status": store.get("validation_status", []),
    }


def credential_for(settings: object) -> Credential | None:
    """The signing credential when the studio's settings ask for Content Credentials, else None."""
    if not getattr(settings, "c2pa", False):
        return None
    _c2pa()  # a missing package fails before any poster is made
    data_dir = Path(settings.cache_dir) / "c2pa"  # type: ignore[attr-defined]
    return load_credential(getattr(settings, "c2pa_cert", None), getattr(settings, "c2pa_key", None), data_dir)


def sign_output(
    out_dir: Path, output, credential: Credential, *, ai_generated: bool, product: Image.Image | None = None
):
    """Sign one written poster; returns its OutputFile with the signed size.

    The recipe inside the file keeps the size from before signing: writing the new size
    would change the bytes the signature covers.
    """
    from studio.export.files import read_xmp
    from studio.export.xmp import parse_xmp

    path = Path(out_dir) / output.file
    try:
        aigc = parse_xmp(read_xmp(path)).aigc if ai_generated else None
    except ValueError:
        aigc = None
    size = sign_file(path, credential, ai_generated=ai_generated, aigc=aigc, product=product)
    return output.model_copy(update={"bytes": size})


def c2pa_available() -> bool:
    """True when c2pa-python (and its native library) can be imported: the UI offers signing only then."""
    try:
        _c2pa()
    except StudioError:
        return False
    return True

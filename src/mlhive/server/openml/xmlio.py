"""OpenML's XML on the wire: rendering response documents and reading uploaded descriptions.

Responses are built with :mod:`xml.etree.ElementTree` (which escapes text and attributes) and
rendered with the ``oml:`` prefix OpenML's clients expect. Uploaded XML is parsed with the
standard library's expat after two guards: a size limit and a refusal of any document type
declaration, so entity expansion ("billion laughs") and external entities cannot happen.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fastapi.responses import Response

from mlhive.server.domain.errors import InvalidInput

NAMESPACE = "http://openml.org/openml"
MEDIA_TYPE = "text/xml; charset=utf-8"
MAX_XML_BYTES = 16 * 1024 * 1024
# XML 1.0 cannot carry these characters at all, not even escaped.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

Value = str | int | float | bool | datetime | None


def text_of(value: Value) -> str:
    """OpenML's text for a value: booleans lower case, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return _INVALID_CHARS.sub("", str(value))


def root(name: str) -> ET.Element:
    """The root element ``oml:<name>`` with the OpenML namespace declared."""
    return ET.Element(f"oml:{name}", {"xmlns:oml": NAMESPACE})


def add(parent: ET.Element, tag: str, value: Value = None, /, **attributes: Value) -> ET.Element:
    """Append ``<oml:tag attr=…>value</oml:tag>`` to ``parent`` and return it."""
    child = ET.SubElement(
        parent, f"oml:{tag}", {key: text_of(val) for key, val in attributes.items()}
    )
    if value is not None:
        child.text = text_of(value)
    return child


def add_all(parent: ET.Element, name: str, values: Iterable[Value]) -> None:
    """Append one ``oml:name`` element per value."""
    for value in values:
        add(parent, name, value)


def add_optional(parent: ET.Element, name: str, value: Value) -> None:
    """Append the element only when the value is neither None nor empty."""
    if value is not None and value != "":
        add(parent, name, value)


def render(element: ET.Element) -> bytes:
    """The UTF-8 bytes of a document, with an XML declaration."""
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def pretty_document(element: ET.Element) -> Response:
    """An XML response laid out as openml-python writes XML (xmltodict's pretty print: one
    element a line, tab-indented, ``<a></a>`` for empty elements, no declaration), so that
    the client's re-serialisation of what it read is the very same text."""
    ET.indent(element, space="\t")
    body = ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return Response(body.encode("utf-8"), media_type=MEDIA_TYPE)


def document(element: ET.Element, status_code: int = 200) -> Response:
    """An XML response."""
    return Response(render(element), status_code=status_code, media_type=MEDIA_TYPE)


def id_document(name: str, entity_id: int, **extra: Value) -> Response:
    """The common ``<oml:name><oml:id>…</oml:id>…</oml:name>`` answer of writes."""
    element = root(name)
    add(element, "id", entity_id)
    for key, value in extra.items():
        add(element, key, value)
    return document(element)


@dataclass(frozen=True)
class Node:
    """A parsed element with the namespace prefixes dropped from tag names."""

    element: ET.Element

    @property
    def name(self) -> str:
        return _local(self.element.tag)

    def attribute(self, name: str) -> str | None:
        """An attribute's value, with or without a namespace."""
        for key, value in self.element.attrib.items():
            if _local(key) == name:
                return value
        return None

    def children(self, name: str | None = None) -> list[Node]:
        """Child elements, all or those called ``name``, in document order."""
        return [
            Node(child)
            for child in self.element
            if isinstance(child.tag, str) and (name is None or _local(child.tag) == name)
        ]

    def child(self, name: str) -> Node | None:
        """The first child called ``name``."""
        found = self.children(name)
        return found[0] if found else None

    def value(self, name: str) -> str | None:
        """The text of the first child called ``name`` (None when absent or empty)."""
        found = self.child(name)
        if found is None:
            return None
        return found.raw_text or None

    def values(self, name: str) -> list[str]:
        """The texts of every child called ``name`` (empty ones left out)."""
        return [child.raw_text for child in self.children(name) if child.raw_text]

    @property
    def raw_text(self) -> str:
        """The text with surrounding whitespace removed (as xmltodict does)."""
        return (self.element.text or "").strip()


def _local(tag: str) -> str:
    if tag.startswith("{"):
        return tag.split("}", 1)[1]
    return tag.split(":", 1)[-1]


def parse(data: bytes | str, what: str) -> Node:
    """Parse an uploaded XML document safely.

    Args:
        data: the document.
        what: the form field it came in, named in error messages.

    Returns:
        The root element.

    Raises:
        InvalidInput: the document is too big, declares a document type, or is not XML.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise InvalidInput(f"{what}: the XML document exceeds {MAX_XML_BYTES} bytes", field=what)
    if _DOCTYPE.search(raw):
        raise InvalidInput(f"{what}: document type declarations are not accepted", field=what)
    try:
        element = ET.fromstring(raw)  # noqa: S314 - no DTD can reach expat (checked above)
    except ET.ParseError as exc:
        raise InvalidInput(f"{what}: not well-formed XML ({exc})", field=what) from None
    return Node(element)

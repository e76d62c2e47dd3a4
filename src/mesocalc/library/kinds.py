"""The kinds of library document, in one place: the `kind:` a YAML document gives, the model object it
becomes, and the table of the Library that holds it by id.

Validation (validate.py: the keys and reader of each kind), loading (layers, overrides), the
validated-library cache (compiled.py: the classes it may rebuild) and the `library` JSON Schema's list
of kinds all read this registry; a new kind is added here first.
"""

from __future__ import annotations

from typing import NamedTuple

from mesocalc.core import model as m
from mesocalc.errors import Location


class DocumentKind(NamedTuple):
    name: str  # `kind: agent`
    model: type  # the model class a document of this kind becomes
    table: str  # the Library field that holds them by id


REGISTRY: tuple[DocumentKind, ...] = (
    DocumentKind("agent", m.Agent, "agents"),
    DocumentKind("cocktail", m.Cocktail, "cocktails"),
    DocumentKind("area", m.Area, "areas"),
    DocumentKind("patient", m.Patient, "patients"),
    DocumentKind("source", m.Source, "sources"),
    DocumentKind("beyond-use", m.BeyondUseTable, "beyond_use"),
    DocumentKind("measurability", m.Measurability, "measurability"),
    DocumentKind("condition", m.Condition, "conditions"),
    DocumentKind("region", m.Region, "regions"),
    DocumentKind("product", m.Product, "products"),
    DocumentKind("class-limit", m.ClassLimit, "class_limits"),
)

NAMES: tuple[str, ...] = tuple(kind.name for kind in REGISTRY)
MODELS: tuple[type, ...] = tuple(kind.model for kind in REGISTRY)
# The model classes a document's object is built from (the types of its fields, recursively; a quantity
# is a units.Q): with the kinds, the Library and the problems, what compiled.py may rebuild from the
# validated-library cache. tests/library/test_kinds.py checks it is exactly that closure.
PARTS: tuple[type, ...] = (
    Location, m.Interval, m.Limit, m.CourseRule, m.ConditionRule, m.Stock, m.Regulatory, m.Technique, m.Component,
    m.Diluent, m.Phase, m.BeyondUseRule, m.TechniqueRange, m.Reference, m.SiteCondition, m.ProductComponent,
)
_BY_MODEL = {kind.model: kind for kind in REGISTRY}


def kind_of(obj: object) -> DocumentKind:
    """The kind of a model object read from a library document."""
    return _BY_MODEL[type(obj)]

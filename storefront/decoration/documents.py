"""Page documents: {"schema_version", "sections": [{"id", "type", "settings", "disabled"}]}.

Pure functions: build, edit and validate documents. Stable section ids let analytics say which
block was clicked and let editors address a section."""

from __future__ import annotations

import copy
import uuid

from django.utils.translation import gettext as _

from core.errors import HallError
from storefront.decoration.blocks import MAX_SECTIONS, REGISTRY, BlockSettingsForm, settings_as_form_data

SCHEMA_VERSION = 1
THEME_SLUG = "theme"  # the page that holds the shop's theme tokens
HOME_SLUG = "home"


class DocumentError(HallError):
    """The document cannot be saved or published; `problems` is a list of messages."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def empty_page() -> dict:
    return {"schema_version": SCHEMA_VERSION, "sections": []}


def new_section(block_type: str, settings: dict | None = None) -> dict:
    if block_type not in REGISTRY:
        raise DocumentError([_("Unknown block type “%(type)s”.") % {"type": block_type}])
    return {
        "id": uuid.uuid4().hex,
        "type": block_type,
        "settings": copy.deepcopy(settings if settings is not None else REGISTRY[block_type].defaults),
        "disabled": False,
    }


def _find(document, section_id) -> int:
    for i, section in enumerate(document["sections"]):
        if section["id"] == section_id:
            return i
    raise DocumentError([_("That block is no longer on the page.")])


def add_section(document, block_type, settings=None) -> tuple[dict, str]:
    doc = copy.deepcopy(document)
    section = new_section(block_type, settings)
    doc["sections"].append(section)
    return doc, section["id"]


def move_section(document, section_id, delta) -> dict:
    doc = copy.deepcopy(document)
    i = _find(doc, section_id)
    j = max(0, min(len(doc["sections"]) - 1, i + delta))
    doc["sections"].insert(j, doc["sections"].pop(i))
    return doc


def delete_section(document, section_id) -> dict:
    doc = copy.deepcopy(document)
    doc["sections"].pop(_find(doc, section_id))
    return doc


def duplicate_section(document, section_id) -> dict:
    doc = copy.deepcopy(document)
    i = _find(doc, section_id)
    twin = copy.deepcopy(doc["sections"][i])
    twin["id"] = uuid.uuid4().hex
    doc["sections"].insert(i + 1, twin)
    return doc


def update_section(document, section_id, settings) -> dict:
    doc = copy.deepcopy(document)
    doc["sections"][_find(doc, section_id)]["settings"] = settings
    return doc


def toggle_section(document, section_id) -> dict:
    doc = copy.deepcopy(document)
    section = doc["sections"][_find(doc, section_id)]
    section["disabled"] = not section.get("disabled")
    return doc


def section_form(section, assets, data=None, bound=True) -> BlockSettingsForm:
    """The block's settings form: bound to `data` (a POST) or to its stored settings (to validate
    them), or unbound with them as initial values (to show them)."""
    block_type = REGISTRY[section["type"]]
    stored = settings_as_form_data(block_type, section["settings"])
    if not bound:
        return BlockSettingsForm(block_type, initial=stored, assets=assets)
    return BlockSettingsForm(block_type, data if data is not None else stored, assets=assets)


def validate_page(document, assets) -> list[str]:
    """Every problem with a page document: structure, block limits and each block's settings."""
    if not isinstance(document, dict) or not isinstance(document.get("sections"), list):
        return [_("The page document is damaged.")]
    problems, counts = [], {}
    sections = document["sections"]
    if len(sections) > MAX_SECTIONS:
        problems.append(_("A page holds at most %(n)d blocks.") % {"n": MAX_SECTIONS})
    for position, section in enumerate(sections, start=1):
        block_type = REGISTRY.get(section.get("type"))
        if block_type is None:
            problems.append(_("Block %(n)d has an unknown type.") % {"n": position})
            continue
        counts[block_type.code] = counts.get(block_type.code, 0) + 1
        if counts[block_type.code] == block_type.max_per_page + 1:
            problems.append(
                _("At most %(n)d “%(label)s” blocks on a page.")
                % {"n": block_type.max_per_page, "label": block_type.label}
            )
        form = section_form(section, assets)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    problems.append(
                        _("Block %(n)d (%(type)s) %(field)s: %(error)s")
                        % {"n": position, "type": block_type.label, "field": label or "", "error": error}
                    )
    return problems

"""Case-insensitive matching beyond ASCII (PRODUCT §5): `mode: insensitive` and the `name`
shorthands of `GET /api/integrations` and `GET /api/entities`. The cluster's ctype is C, whose
lower() and ilike fold ASCII only; the list engine folds with ICU (sql/migrations/0002)."""
import json

import pytest

from helpers import User, expect_ok, new_ws
import list_model as lm
from list_model import integration_row
from publish_helpers import create_entity

NAMES = {"aerger": "Ärger im Büro", "ecole": "ÉCOLE Numérique", "greek": "ΣΟΦΊΑ Λόγος",
         "cyrillic": "ДОМ Книга", "literal": "Ünder_50%", "literal_x": "ÜnderX50x", "ascii": "Slack"}


@pytest.fixture(scope="module")
def data(settings, db):
    ws = new_ws()
    rows = {k: integration_row(ws, name=n) for k, n in NAMES.items()}
    lm.load(db, rows.values())
    yield ws, User(settings, {ws: "viewer"}), {r["id"]: k for k, r in rows.items()}
    lm.purge_workspaces(db, [ws])


def found(api, data, **params):
    ws, user, key_of = data
    sent = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    sent.setdefault("workspace_id", ws)
    page = expect_ok(api.get("/api/integrations", user, params=sent))
    return sorted(key_of[r["id"]] for r in page["data"])


@pytest.mark.parametrize("op,operand,keys", [
    ("eq", "ärger im büro", ["aerger"]),
    ("eq", "école numérique", ["ecole"]),
    ("eq", "σοφία λόγος", ["greek"]),
    ("eq", "дом книга", ["cyrillic"]),
    ("startsWith", "ärger", ["aerger"]),
    ("startsWith", "ÄRGER IM B", ["aerger"]),
    ("contains", "NUMÉRIQUE", ["ecole"]),
    ("endsWith", "λΌΓΟΣ", ["greek"]),
    ("contains", "кни", ["cyrillic"]),
    ("in", ["ДОМ КНИГА", "école numérique", "nothing"], ["cyrillic", "ecole"]),
    ("notIn", ["ärger im büro", "slack", "ünder_50%", "ünderx50x"], ["cyrillic", "ecole", "greek"]),
    ("gte", "ünder", ["cyrillic", "greek", "literal", "literal_x"]),  # folded bytes, "C" order
    # % _ still match literally after folding
    ("startsWith", "ünder_50%", ["literal"]),
    ("contains", "R_5", ["literal"]),
])
def test_insensitive_operators_fold_unicode(api, data, op, operand, keys):
    assert found(api, data, filter={"name": {op: operand, "mode": "insensitive"}}) == keys


def test_without_mode_no_folding(api, data):
    assert found(api, data, filter={"name": {"eq": "ärger im büro"}}) == []
    assert found(api, data, filter={"name": {"eq": "Ärger im Büro"}}) == ["aerger"]


@pytest.mark.parametrize("name,keys", [
    ("ärger", ["aerger"]), ("ÄRGER", ["aerger"]), ("école", ["ecole"]), ("σοφία", ["greek"]),
    ("дом", ["cyrillic"]), ("büro", ["aerger"]), ("r_50%", ["literal"]), ("SLACK", ["ascii"]),
])
def test_name_shorthand_folds_unicode(api, data, name, keys):
    assert found(api, data, name=name) == keys


def test_entity_list_folds_unicode(api, owner):
    made = create_entity(api, owner, kind="schema", name="Überweisung ÉCOLE ДОМ")
    create_entity(api, owner, kind="schema", name="Other")

    def ids(**params):
        sent = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        page = expect_ok(api.get("/api/entities", owner, params=sent))
        return [e["id"] for e in page["data"]]

    assert ids(name="überweisung") == [made["id"]]
    assert ids(name="école дом") == [made["id"]]
    assert ids(filter={"name": {"startsWith": "ÜBERWEISUNG", "mode": "insensitive"}}) == [made["id"]]
    assert ids(filter={"name": {"eq": "überweisung école дом", "mode": "insensitive"}}) == [made["id"]]

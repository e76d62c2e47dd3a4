"""The patient vocabulary (SPEC §3 "condition"; issue 10 item 1): the words people write resolve, and a word
that resolves to nothing is said, never ignored.

Facts: dutasteride and finasteride must not be used in women who are or may become pregnant (AVODART /
PROPECIA patient information, REFERENCE §4.5); the agents' own names (lidocaine: Xylocaine, lignocaine;
epinephrine: adrenaline; deoxycholic acid: KYBELLA); epinephrine-containing lidocaine vials contain sodium
metabisulfite 0.5 mg/mL (Xylocaine with epinephrine label, REFERENCE §3.1); KYBELLA below 18 years: safety
and effectiveness not established (PI §8.4, REFERENCE §1.1).
"""

from __future__ import annotations

from typing import Any

import pytest

from mesocalc.core import model as m
from mesocalc.core.vocabulary import condition_index, norm, resolve


def patient(write: Any, body: str, name: str = "patient.yaml") -> str:
    return str(write(name, "kind: patient\nid: test-patient\n" + body))


def warnings_of(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [w for w in doc["warnings"] if w["code"] == code]


@pytest.mark.parametrize("written", ["pregnancy", "Pregnancy", "PREGNANT", "gravid", "pregnant_woman"])
def test_the_words_people_write_for_pregnancy_contraindicate_dutasteride(cli: Any, write: Any, written: str) -> None:
    path = patient(write, f"conditions: [{written}]\n")
    run = cli("plan", "mesohair-dutasteride", "--patient", path, "--json")
    assert run.exit_code == 1
    hit = warnings_of(run.json, "contraindication")
    assert [w["agent"] for w in hit] == ["dutasteride"] and hit[0]["severity"] == "hard"
    # the message uses the condition's name, not the raw id ("contraindicated with pregnant")
    assert "contraindicated for this patient: pregnancy" in hit[0]["message"]
    assert not warnings_of(run.json, "unmatched-term")


@pytest.mark.parametrize("written", ["breast-feeding", "Breast feeding", "lactation", "nursing"])
def test_breastfeeding_synonyms_reach_the_minoxidil_caution(cli: Any, write: Any, written: str) -> None:
    path = patient(write, f"conditions: [{written}]\n")
    run = cli("plan", "mesohair-minoxidil", "--patient", path, "--json")
    caution = warnings_of(run.json, "caution")
    assert [w["agent"] for w in caution] == ["minoxidil"] and "breastfeeding" in caution[0]["message"]


def test_matching_ignores_case_and_treats_spaces_underscores_and_hyphens_alike() -> None:
    assert norm("Breast feeding") == norm("breast_feeding") == norm("BREAST-FEEDING") == "breast-feeding"
    assert norm("  MAO   inhibitor ") == "mao-inhibitor"


@pytest.mark.parametrize(("allergy", "cocktail", "agent"), [
    ("xylocaine", "submental-dca-lidocaine", "lidocaine"),   # an alias of lidocaine
    ("Lignocaine", "submental-dca-lidocaine", "lidocaine"),  # the British name, any case
    ("kybella", "submental-dca", "deoxycholic-acid"),        # the product name of deoxycholic acid
    ("benzyl alcohol", "submental-dca", "deoxycholic-acid"),  # a KYBELLA excipient (openFDA label)
])
def test_an_allergy_to_an_agents_name_or_excipient_is_a_contraindication(cli: Any, write: Any, allergy: str,
                                                                          cocktail: str, agent: str) -> None:
    path = patient(write, f"weight: 70 kg\nallergies: [{allergy}]\n")
    run = cli("plan", cocktail, "--patient", path, "--json")
    assert run.exit_code == 1
    assert agent in [w["agent"] for w in warnings_of(run.json, "contraindication")]


EPINEPHRINE_COCKTAIL = """\
kind: cocktail
id: lidocaine-epinephrine-ring
name: Lidocaine 1 % with epinephrine 1:100,000 from the premixed vial
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.5 mL}
components:
  - {agent: lidocaine, concentration: 1 %}
  - {agent: epinephrine, concentration: "1:100,000"}
"""


@pytest.mark.parametrize("allergy", ["adrenaline", "sulfite", "Sulphites", "sodium metabisulfite"])
def test_adrenaline_and_sulfite_allergies_rule_out_the_epinephrine_vial(cli: Any, write: Any, allergy: str) -> None:
    cocktail = str(write("ring.yaml", EPINEPHRINE_COCKTAIL))
    path = patient(write, f"weight: 70 kg\nallergies: [{allergy}]\n")
    run = cli("plan", cocktail, "--points", "10", "--patient", path, "--json")
    assert run.exit_code == 1
    assert "epinephrine" in [w["agent"] for w in warnings_of(run.json, "contraindication")]
    # plain lidocaine (no epinephrine, no sulfite in the plain vials) is no problem for a sulfite allergy
    if allergy != "adrenaline":
        plain = cli("plan", "submental-dca-lidocaine", "--patient", path, "--json")
        assert not warnings_of(plain.json, "contraindication")


def test_a_sulfite_sensitivity_written_as_a_condition_also_rules_out_the_vial(cli: Any, write: Any) -> None:
    cocktail = str(write("ring.yaml", EPINEPHRINE_COCKTAIL))
    path = patient(write, "weight: 70 kg\nconditions: [sulfite sensitivity]\n")
    run = cli("plan", cocktail, "--points", "10", "--patient", path, "--json")
    assert run.exit_code == 1 and "sodium-metabisulfite" in warnings_of(run.json, "contraindication")[0]["message"]


def test_an_unmatched_term_is_a_soft_warning_naming_the_nearest_terms(cli: Any, write: Any) -> None:
    path = patient(write, "conditions: [pregnent]\nallergies: [lidocain]\n")
    run = cli("plan", "mesohair-dutasteride", "--patient", path, "--json")
    unmatched = warnings_of(run.json, "unmatched-term")
    assert run.exit_code == 0 and [w["severity"] for w in unmatched] == ["soft", "soft"]
    assert "'pregnent'" in unmatched[0]["message"] and "pregnant" in unmatched[0]["message"]
    assert "'lidocain'" in unmatched[1]["message"] and "lidocaine" in unmatched[1]["message"]
    assert cli("plan", "mesohair-dutasteride", "--patient", path, "--strict").exit_code == 1


def test_age_terms_come_from_age_or_birth_date_where_a_source_defines_them(cli: Any, write: Any,
                                                                          library: m.Library) -> None:
    # under-18: KYBELLA PI §8.4 (safety and effectiveness below 18 years not established), a caution
    young = patient(write, "age: 16\n", "young.yaml")
    run = cli("plan", "submental-dca", "--patient", young, "--json")
    assert any("under 18" in w["message"] for w in warnings_of(run.json, "caution"))
    adult = patient(write, "birth_date: 1990-04-02\n", "adult.yaml")
    assert not warnings_of(cli("plan", "submental-dca", "--patient", adult, "--json").json, "caution")
    # "elderly" has no age in any source: an age never makes it (the lidocaine label defines none)
    old = m.Patient("p", age=90)
    assert "elderly" not in resolve(old, library).conditions


def test_the_vocabulary_covers_every_condition_a_built_in_agent_names(library: m.Library) -> None:
    named = {rule.condition for agent in library.agents.values()
             for rule in (*agent.contraindications, *agent.cautions)}
    assert named <= set(library.conditions)
    index = condition_index(library)
    for word, condition in [("pregnancy", "pregnant"), ("lactation", "breastfeeding"),
                            ("liver disease", "hepatic-impairment"), ("MAOI", "mao-inhibitor-therapy"),
                            ("tricyclic antidepressant", "tricyclic-therapy"),
                            ("propranolol", "non-selective-beta-blocker-therapy"),
                            ("thyrotoxicosis", "hyperthyroidism"), ("heart disease", "cardiovascular-disease"),
                            ("G6PD deficiency", "methemoglobinemia-risk"), ("sulphite", "sulfite-sensitivity")]:
        assert index[norm(word)] == condition, word


def test_a_condition_document_with_its_own_sources_is_read(cli: Any, write: Any) -> None:
    write("lib/keloid.yaml", "kind: condition\nid: keloid-history\nname: history of keloids\n"
          "synonyms: [keloids]\nsources:\n  - {id: own, title: Own source, confidence: low}\n")
    lib = str(write("lib/area.yaml", "kind: area\nid: patch\nname: Patch\nregion: face\nsurface: 4 cm^2\n"
                    "basis: sourced\nsource: own-area\nsources:\n"
                    "  - {id: own-area, title: A measured patch, confidence: low}\n").parent)
    assert cli("check", "-L", lib).exit_code == 0
    assert cli("plan", "submental-dca", "-L", lib, "--area", "patch").exit_code == 0


def test_conditions_lists_the_vocabulary_and_finds_a_condition_by_any_synonym(cli: Any) -> None:
    listing = cli("conditions", "--json")
    ids = [item["id"] for item in listing.json["items"]]
    assert listing.exit_code == 0 and "pregnant" in ids and "sulfite-sensitivity" in ids
    one = cli("conditions", "Breast feeding", "--json")
    assert one.json["id"] == "breastfeeding" and "lactation" in one.json["synonyms"]
    assert {"agent": "minoxidil", "rule": "caution", "severity": "soft"} in one.json["named_by"]
    unknown = cli("conditions", "pregnency")
    assert unknown.exit_code == 2 and "pregnancy" in unknown.stderr


def test_british_spellings_match_the_american_ones(cli: Any, write: Any) -> None:
    # lidocaine label: methemoglobinemia warning (REFERENCE §10.5); lidocaine is an amide local anesthetic
    path = patient(write, "conditions: [methaemoglobinaemia]\nallergies: [amide local anaesthetic]\n")
    run = cli("plan", "submental-dca-lidocaine", "--patient", path, "--json")
    assert [w["agent"] for w in warnings_of(run.json, "caution")] == ["lidocaine"]
    assert [w["agent"] for w in warnings_of(run.json, "contraindication")] == ["lidocaine"]
    assert not warnings_of(run.json, "unmatched-term")


def test_a_vague_term_is_not_guessed_but_the_specific_terms_are_offered(cli: Any, write: Any) -> None:
    # only non-selective beta-blockers interact with epinephrine (lidocaine-epinephrine label §7.4):
    # "beta blocker" is not read as one; the warning offers the specific term
    path = patient(write, "conditions: [beta blocker]\n")
    run = cli("plan", "mesohair-minoxidil", "--patient", path, "--json")
    unmatched = warnings_of(run.json, "unmatched-term")
    assert unmatched and "non-selective-beta-blocker" in unmatched[0]["message"]


def test_patient_warnings_without_the_library_still_find_the_contraindication(library: m.Library) -> None:
    # a caller that has only the agents (checks.patient_warnings without a library) still matches the agent's
    # own condition ids and names; it cannot know synonyms, so it reports no unmatched terms
    from mesocalc.core import checks

    dutasteride = library.agents["dutasteride"]
    found = checks.patient_warnings([dutasteride], m.Patient("p", conditions=("pregnant", "pregnancy")))
    assert [w.code for w in found] == ["contraindication"]
    with_library = checks.patient_warnings([dutasteride], m.Patient("p", conditions=("pregnancy",)), library)
    assert [w.code for w in with_library] == ["contraindication"]


def test_the_agents_name_is_an_allergy_word_and_no_known_allergies_is_an_answer(cli: Any, write: Any) -> None:
    named = patient(write, "allergies: [Lidocaine hydrochloride]\n", "named.yaml")
    run = cli("plan", "submental-dca-lidocaine", "--patient", named, "--json")
    assert [w["agent"] for w in warnings_of(run.json, "contraindication")] == ["lidocaine"]
    nothing = patient(write, "allergies: [NKDA]\nconditions: [none]\n", "nothing.yaml")
    run = cli("plan", "submental-dca", "--patient", nothing, "--json")
    assert run.exit_code == 0 and not warnings_of(run.json, "unmatched-term")


def test_library_text_in_the_vocabulary_is_shown_as_text(cli: Any, write: Any) -> None:
    text = 'kind: condition\nid: odd\nname: "[bold red]odd[/]"\nsynonyms: ["[link=x]y"]\n'
    lib = str(write("lib/odd.yaml", text).parent)
    out = cli("conditions", "odd", "-L", lib).stdout
    assert "[bold red]odd[/]" in out and "[link=x]y" in out


@pytest.mark.parametrize(("body", "message"), [
    ("birth_date: 2999-01-01\n", "is in the future"),
    ("birth_date: 01/02/1990\n", "expected a date such as 1990-04-02"),
    ("age: 200\n", "expected an age in whole years"),
])
def test_an_impossible_age_is_an_input_error(cli: Any, write: Any, body: str, message: str) -> None:
    run = cli("plan", "submental-dca", "--patient", patient(write, body))
    assert run.exit_code == 2 and message in run.stderr and "patient.yaml" in run.stderr

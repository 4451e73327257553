"""The spec validator's own rules catch the mistakes they are there for."""

from __future__ import annotations

import copy
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from openapi_model import Spec  # noqa: E402
from validate_spec import validate  # noqa: E402

DOCUMENT = Spec.load().document


def mutated(change) -> list[str]:
    document = copy.deepcopy(DOCUMENT)
    change(document)
    return validate(document)


class ValidateSpec(unittest.TestCase):
    def assertCaught(self, change, fragment: str) -> None:
        errors = mutated(change)
        self.assertTrue(any(fragment in error for error in errors), f"{fragment!r} not in {errors}")

    def test_the_projects_spec_is_valid(self):
        self.assertEqual(validate(copy.deepcopy(DOCUMENT)), [])

    def test_not_openapi(self):
        self.assertCaught(lambda d: d.pop("info"), "openapi: ")

    def test_dangling_reference(self):
        def change(d):
            d["paths"]["/v1/cursors"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
                "$ref": "#/components/schemas/Nope"}
        self.assertCaught(change, "'/components/schemas/Nope' does not exist")

    def test_201_without_location(self):
        self.assertCaught(lambda d: d["paths"]["/v1/records"]["post"]["responses"]["201"].pop("headers"),
                          "appendRecords 201: does not declare the Location header")

    def test_code_outside_the_stable_list(self):
        def change(d):
            d["paths"]["/v1/records"]["post"]["responses"]["400"]["content"]["application/problem+json"][
                "schema"]["allOf"][1]["properties"]["code"]["enum"].append("made-up")
        self.assertCaught(change, "code made-up is not one of Problem's stable codes")

    def test_code_not_named_in_the_description(self):
        def change(d):
            d["paths"]["/v1/records"]["post"]["responses"]["400"]["description"] = "Bad."
        self.assertCaught(change, "appendRecords 400: the description does not name the code `empty-batch`")

    def test_stable_code_no_response_returns(self):
        self.assertCaught(lambda d: d["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
                          .append("never-used"), "Problem code never-used is returned by no response")

    def test_error_response_that_is_not_a_problem(self):
        def change(d):
            d["paths"]["/v1/cursors"]["get"]["responses"]["500"] = {
                "description": "x", "content": {"text/plain": {"schema": {"type": "string"}}}}
        self.assertCaught(change, "listCursors 500: a 4xx/5xx response must be application/problem+json")

    def test_operation_without_an_id_or_a_summary(self):
        def change(d):
            d["paths"]["/v1/cursors"]["get"].pop("operationId")
            d["paths"]["/healthz"]["get"].pop("summary")
        errors = mutated(change)
        self.assertTrue(any("GET /v1/cursors: no operationId" in e for e in errors), errors)
        self.assertTrue(any("GET /healthz: no summary" in e for e in errors), errors)

    def test_duplicate_operation_id_and_bad_schema_are_the_openapi_validators(self):
        self.assertCaught(lambda d: d["paths"]["/v1/cursors"]["get"].update(operationId="getCursor"),
                          "is not unique")
        self.assertCaught(lambda d: d["components"]["schemas"]["Offset"].update(minimum="zero"),
                          "'zero' is not of type 'number'")

if __name__ == "__main__":
    unittest.main()

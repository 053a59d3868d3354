#!/usr/bin/env python3
"""Validates RDAP answers (JSON files) against the RDAP response schema.

usage: rdap_validate.py SCHEMA ANSWER.json...
Prints one line per answer, "ok" or the validator's message and where it
failed; exits 1 if any answer is invalid, 2 if the schema itself is.
"""
import json
import sys

import jsonschema


def where(error):
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid JSON Schema: {e.message}")
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            answer = json.load(f)
        error = jsonschema.exceptions.best_match(validator.iter_errors(answer))
        if error is None:
            print(f"{path}: ok")
            continue
        bad += 1
        message = error.message
        if error.validator == "oneOf":
            message = "matches no kind of RDAP response (ip network, autnum, entity, error, help)"
        print(f"{path}: INVALID at {where(error)}: {message}")
        # oneOf hides which kind was meant; its deepest causes say what broke.
        causes = []
        for cause in sorted(error.context or [], key=lambda e: -len(e.absolute_path)):
            line = f"  because at {where(cause)}: {cause.message}"
            if line not in causes:
                causes.append(line)
        for line in causes[:3]:
            print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

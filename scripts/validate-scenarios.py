#!/usr/bin/python3
"""Every scenario carries "$schema" and validates against docs/scenario.schema.json
(Debian python3-jsonschema, installed by scripts/install-deps.sh).

Run by CTest. Prints one line per file and a closing 'N passed, N failed' line."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "docs/scenario.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

passed = failed = 0
for path in sorted((root / "scenarios").rglob("*.json")):
    doc = json.loads(path.read_text())
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}" for e in validator.iter_errors(doc)]
    if "$schema" not in doc:
        errors.append('$: missing "$schema"')
    rel = path.relative_to(root)
    if errors:
        failed += 1
        print(f"FAIL {rel}")
        for e in errors:
            print(f"  {e}")
    else:
        passed += 1
        print(f"ok   {rel}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)

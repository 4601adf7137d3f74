#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Validates JSON documents against docs/omsig.schema.json.

Always with this file's own checker, written with the standard library only for the subset of
JSON Schema the file uses, and where the `jsonschema` package can be imported also with it
(Draft 2020-12), which must agree.  The subset: $ref (to #/$defs/...), oneOf, anyOf, type, const, enum,
properties, required, additionalProperties, items, pattern, minimum.  A keyword outside that
subset makes the checker fail, so the schema cannot use one that is silently ignored.

Usage: json_schema.py SCHEMA DOCUMENT...   (exit 0: every document is valid; 1: one is not,
with the reason on stdout).  As a module: errors(schema, doc) -> list of messages.
"""
import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
CHECKED = {"$ref", "oneOf", "anyOf", "type", "const", "enum", "properties", "required",
           "additionalProperties", "items", "pattern", "minimum"}


def _type_ok(value, name):
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown type {name!r} in the schema")


def _same(a, b):
    """JSON equality: true and 1 differ, 1 and 1.0 do not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported: {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _check(root, schema, value, path, out):
    unknown = set(schema) - CHECKED - ANNOTATIONS
    if unknown:
        raise ValueError(f"{path}: the schema uses keywords this checker does not know: "
                         f"{sorted(unknown)}")
    if "$ref" in schema:
        _check(root, _resolve(root, schema["$ref"]), value, path, out)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, t) for t in types):
            out.append(f"{path}: {value!r:.80} is not of type {' or '.join(types)}")
            return
    if "const" in schema and not _same(value, schema["const"]):
        out.append(f"{path}: {value!r:.80} is not {schema['const']!r}")
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        out.append(f"{path}: {value!r:.80} is not one of {schema['enum']!r}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        out.append(f"{path}: {value!r:.80} does not match {schema['pattern']!r}")
    if "minimum" in schema and _type_ok(value, "number") and value < schema["minimum"]:
        out.append(f"{path}: {value!r} is below {schema['minimum']!r}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{path}: {key!r} is required")
        for key, v in value.items():
            if key in props:
                _check(root, props[key], v, f"{path}.{key}", out)
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}: {key!r} is not a field of this document")
            elif isinstance(schema.get("additionalProperties"), dict):
                _check(root, schema["additionalProperties"], v, f"{path}.{key}", out)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            _check(root, schema["items"], v, f"{path}[{i}]", out)
    for key in ("oneOf", "anyOf"):
        if key not in schema:
            continue
        results = []
        for sub in schema[key]:
            sub_out = []
            _check(root, sub, value, path, sub_out)
            results.append(sub_out)
        good = sum(1 for r in results if not r)
        if key == "oneOf" and good != 1:
            if good == 0:
                best = min(results, key=len)
                out.append(f"{path}: matches none of oneOf; nearest: {'; '.join(best[:3])}")
            else:
                out.append(f"{path}: matches {good} of oneOf, not exactly one")
        if key == "anyOf" and good == 0:
            out.append(f"{path}: matches none of anyOf")


def errors(schema, doc):
    """Every way doc breaks schema, with this file's checker; [] when it is valid."""
    out = []
    _check(schema, schema, doc, "$", out)
    return out


def jsonschema_errors(schema, doc):
    """The same with the jsonschema package, or None when it cannot be imported."""
    try:
        import jsonschema  # noqa: PLC0415
    except ImportError:
        return None
    v = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
            for e in v.iter_errors(doc)]


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    schema = json.load(open(argv[1], encoding="utf-8"))
    bad = 0
    for name in argv[2:]:
        doc = json.load(open(name, encoding="utf-8"))
        errs = errors(schema, doc)
        other = jsonschema_errors(schema, doc)
        if other is not None and bool(other) != bool(errs):
            errs = errs + [f"jsonschema disagrees: {other[:3]!r}"]
        if errs:
            bad += 1
            print(f"{name}: " + "; ".join(errs[:5]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

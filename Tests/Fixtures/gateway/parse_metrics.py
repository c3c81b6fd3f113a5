"""Parses a Prometheus text exposition (stdin) with prometheus_client's parser, as a scraper would.

Prints one JSON object: {"families": {name: type}, "samples": [[name, labels, value], ...]}.
A malformed exposition raises (exit status 1, the parser's error on stderr).
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = family.type
    for sample in family.samples:
        samples.append([sample.name, sample.labels, sample.value])
print(json.dumps({"families": families, "samples": samples}))

"""YAML data files, parsed by libyaml's C parser when PyYAML was built with it.

The registry's files (states, people, organisations, roles) take about five seconds to
parse in pure Python, and every command and every reading worker process reads them;
libyaml gives the same data in a fraction of that.
"""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, in C

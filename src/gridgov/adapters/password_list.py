"""The list of commonly used passwords the password policy refuses (package data).

`gridgov/data/common-passwords.txt.gz` holds the entries of 8 characters or more (8,354) of the 20,000
most common passwords compiled by Royce Williams (gist roycewilliams/226886fd01572964e1431ac8afc999ce:
unhexed, lowercased, deduplicated), as Django ships it in `django/contrib/auth/common-passwords.txt.gz`
(Django 5.2, BSD-3-Clause). Shorter entries are left out: the policy refuses passwords under 8
characters whatever the settings say (see `password_min_length`). The list carries common Chinese
choices too (woaini1314, qq123456789, 1qaz2wsx3edc).
"""

from __future__ import annotations

import gzip
from importlib import resources


def load_common_passwords() -> frozenset[str]:
    with resources.files("gridgov.data").joinpath("common-passwords.txt.gz").open("rb") as raw:
        text = gzip.decompress(raw.read()).decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())

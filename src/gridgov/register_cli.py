"""`gridgov register …`: the register's maintenance commands (issue 14).

`rotate-keys` finishes a rotation of the personal-data key (docs/settings.md, `pii_key`): run it once after
every process reads with the new key and still holds the old one in `pii_old_keys`.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("register", help="the register of residents (人房企)")
    rsub = p.add_subparsers(dest="action", required=True)
    q = rsub.add_parser("rotate-keys", help="re-encrypt and re-hash residents' numbers under the current pii_key")
    q.set_defaults(func=cmd_rotate_keys)


def cmd_rotate_keys(args) -> int:
    from gridgov.bootstrap import bootstrap
    from gridgov.config import Settings
    from gridgov.services.register import rotate_keys

    platform = bootstrap(Settings())
    with platform.uow() as uow:
        count = rotate_keys(uow, platform.pii)
    print(f"re-sealed the numbers of {count} residents under the current key; pii_old_keys may now be emptied")
    return 0

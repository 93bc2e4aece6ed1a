"""The base every context stands on: who is acting and what they may do (actors), the audit log,
the reference data (regions, dictionaries, standards table rows), and the stored verdicts (verdicts)
with their rollups (rollups) — bookkeeping that credits, standards, accounts and profile changes all
move, so it sits below them.

With the top-level modules of `cme` (config, db, models, errors, clock, crypto, storage, labels) it
forms the base layer. It may import only `cme.domain` and those base modules, never a context
package: the audit log and the authorisation rules sit here so that contexts never import each other
in a circle.
"""

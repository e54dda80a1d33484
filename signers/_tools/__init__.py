"""Tools built on the signers: migration from SigV2 (:mod:`.migrate`), the source scan for SigV2
(:mod:`.scan`) and the benchmark (:mod:`.bench`, its operations in :mod:`.bench_ops`).

Private: their public names are re-exported where users reach them (``signers.migrate``,
``signers.MigrationError``, ``signers.MigrationResult``) or run as ``sigbridge`` subcommands.
"""

"""Tools built on the signers: migration from SigV2 (:mod:`.migrate`), the source scan for SigV2
(:mod:`.scan`), the benchmark (:mod:`.bench`, its operations in :mod:`.bench_ops`), and the
maintainer's generator of the AWS service table (:mod:`.make_services`, run from a checkout with
botocore installed; never imported by the library at run time).

Private: their public names are re-exported where users reach them (``signers.migrate``,
``signers.MigrationError``, ``signers.MigrationResult``) or run as ``sigbridge`` subcommands.
"""

"""The signature algorithms as the specifications state them: pure functions, strings in, strings
out.  The signers (the public scheme modules) and the verification package both build on these;
neither copies them.  Nothing here reads a clock, holds a secret longer than a call, or does I/O.
"""

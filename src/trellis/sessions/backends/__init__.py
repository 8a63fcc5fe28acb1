"""Where sessions are kept: the signed cookie (default), Redis, or a database table.

Each backend lives in its own module so that only the one in use is imported (with its
third-party package): :mod:`.cookie`, :mod:`.redis`, :mod:`.database`; :mod:`.base` says what a
server-side backend implements.
"""

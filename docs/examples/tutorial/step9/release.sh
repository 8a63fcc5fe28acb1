#!/bin/sh
# Run once for each release, with the production environment set, before the new code serves.
set -e
trellis db migrate      # the schema the new code expects
trellis collectstatic   # content-hashed, compressed copies of static/ in staticfiles/
trellis check --deploy  # every unsafe setting, with its fix

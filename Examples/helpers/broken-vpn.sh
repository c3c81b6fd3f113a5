#!/bin/sh
# Exits non-zero with the reason on stderr, which is right when no credential can be had; `check`
# shows the reason so an administrator sees it before users do.
echo "identity provider unreachable: connect to the corp VPN and retry" >&2
exit 1

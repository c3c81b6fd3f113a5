#!/bin/sh
# BROKEN: prints "Bearer <token>"; the host adds the scheme itself.
echo "Bearer demo-token-0123456789abcdef"

#!/bin/busybox sh
# Stand-in for the old images' /post_startup.py: exits 0 once the named
# server answers. Usage: /post_startup.py SERVER -c COUNT. COUNT is ignored:
# testbed retries the probe itself until the server's timeout.
case "$1" in
web) exec /bin/busybox wget -q -O /dev/null http://127.0.0.1:8080/index.html ;;
proxy) exec /bin/busybox wget -q -O /dev/null http://web.testbed.test:8080/index.html ;;
client) exec /bin/busybox wget -q -O /dev/null http://web:8080/index.html ;;
*) echo "post_startup: unknown server $1" >&2; exit 2 ;;
esac

# client: curl (OpenSSL) and gnutls-cli (GnuTLS) for TLS clients in pods; it
# sleeps until the test execs into it or replaces the command.
IMAGE_BASE=debian
IMAGE_PACKAGES=(curl gnutls-bin ca-certificates)
IMAGE_CMD=(sleep infinity)

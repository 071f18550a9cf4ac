/*
 * A plaintext HTTP client built against musl libc (the C library of Alpine
 * images): connects to 127.0.0.1:argv[1] (or $WRITER_HOST, an address in
 * the test's own network namespaces), sends the bytes of file argv[2]
 * with one write(2) through musl's write, prints what the server answered
 * (until it closes, at most 3 s). With "-" as argv[1], it writes the file
 * to its stdout instead (a stdio client: one write(2), then waits 2 s).
 * With a third argument "fork", all of it
 * is done by a child it forks (no exec), the parent waiting for it. Loopback
 * only. Built by the tests with musl-gcc (and gcc, for the fork case).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char req[65536], resp[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 3 };
	size_t n, got = 0;
	ssize_t r;
	FILE *f;
	int s;

	if (argc == 4 && strcmp(argv[3], "fork") == 0) {
		pid_t child = fork();
		int status = 0;

		if (child < 0)
			return 2;
		if (child > 0) {
			if (waitpid(child, &status, 0) < 0)
				return 2;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
		}
		argc = 3; /* the child goes on alone */
	}
	if (argc != 3 || !(f = fopen(argv[2], "rb")))
		return 2;
	n = fread(req, 1, sizeof(req), f);
	fclose(f);
	if (strcmp(argv[1], "-") == 0) {
		/* A stdio client: the bytes on stdout in one write(2) (a stdio server's stdin), then 2 s for it to answer. */
		if (write(1, req, n) != (ssize_t)n) {
			perror("write");
			return 1;
		}
		sleep(2);
		return 0;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getenv("WRITER_HOST") && inet_pton(AF_INET, getenv("WRITER_HOST"), &sa.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(s, req, n) != (ssize_t)n) {
		perror("write");
		return 1;
	}
	while (got < sizeof(resp) - 1 && (r = read(s, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)r;
	resp[got] = 0;
	printf("%s\n", resp);
	return 0;
}

// connect-loop: joins a cgroup, then calls connect() to 127.0.0.1:PORT (a port
// nobody listens on: ECONNREFUSED, no handshake) as often as it can for a
// bounded time; prints the number of calls. Used by bench/connect-rate.ts.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: connect-loop CGROUP_PROCS_FILE PORT SECONDS\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "w");
  if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) {
    perror("join cgroup");
    return 1;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  double end = now() + atof(argv[3]);
  long calls = 0, eperm = 0;
  while (now() < end) {
    for (int i = 0; i < 256; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EPERM) eperm++;
      close(fd);
      calls++;
    }
  }
  printf("%ld %ld\n", calls, eperm);
  return 0;
}

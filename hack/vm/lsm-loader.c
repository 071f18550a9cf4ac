// lsm-loader: runs inside the LSM test VM (static binary, PID 1's child).
// Loads ziriz's LSM objects, fills the maps from entries.txt (made on the host
// by the real TypeScript compiler/encoder: hack/vm/gen-entries.ts), attaches,
// and checks the effects with real processes in a real cgroup. One line per
// case on the console: "ZIRIZ-VM <case> PASS|FAIL <detail>", then ZIRIZ-VM-DONE.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define CG "/sys/fs/cgroup/ziriz-pod"
static int failures;

static void report(const char *name, int ok, const char *detail) {
  printf("ZIRIZ-VM %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
  fflush(stdout);
  if (!ok) failures++;
}

static int unhex(const char *hex, unsigned char *out, size_t max) {
  size_t n = strlen(hex) / 2;
  if (n > max) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned int b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1) return -1;
    out[i] = (unsigned char)b;
  }
  return (int)n;
}

/* Run `fn` in a child (optionally inside the pod cgroup); returns the child's errno result (0 = ok). */
static int in_child(int in_pod, int (*fn)(const char *), const char *arg) {
  pid_t pid = fork();
  if (pid == 0) {
    if (in_pod) {
      FILE *f = fopen(CG "/cgroup.procs", "w");
      if (!f) _exit(200);
      fprintf(f, "%d\n", getpid());
      fclose(f);
    }
    _exit(fn(arg));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int do_open(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

static int do_exec(const char *path) {
  char *argv[] = {(char *)path, NULL};
  execv(path, argv);
  return errno;
}

static int do_connect(const char *ip) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  int r = connect(s, (struct sockaddr *)&a, sizeof(a));
  int e = r < 0 ? errno : 0;
  close(s);
  return e;
}

static int records, records_with_identity;
static unsigned int want_identity;

static int on_record(void *ctx, void *data, size_t size) {
  (void)ctx;
  records++;
  if (size >= 40 && *(unsigned int *)((char *)data + 36) == want_identity) records_with_identity++;
  return 0;
}

/* One check: run fn(arg) in a child (in the protected cgroup or not) and compare its result. */
struct check {
  const char *name;
  int in_pod;
  int (*fn)(const char *);
  const char *arg;
  int want;          /* errno, or exit status of an exec that went through */
  const char *what;  /* "errno" or "exit": how the detail names the result */
  const char *note;  /* appended to the detail */
};

#define OPEN(name, pod, path, want, note) {name, pod, do_open, path, want, "errno", note}
#define EXEC(name, pod, path, want, note) {name, pod, do_exec, path, want, "exit", note}
#define EXEC_REFUSED(name, path) {name, 1, do_exec, path, EPERM, "errno", ""}
#define CONNECT(name, pod, ip, want, note) {name, pod, do_connect, ip, want, "errno", note}

static const struct check CASES[] = {
  OPEN("pod-open-denied-path", 1, "/etc/ziriz-secret/token", EPERM, ""),
  OPEN("pod-open-denied-dir", 1, "/etc/ziriz-secret", EPERM, " (the denied directory itself)"),
  OPEN("pod-open-allowed-path", 1, "/etc/ziriz-ok", 0, ""),
  OPEN("pod-open-sibling", 1, "/etc/ziriz-secretX", 0, " (a sibling sharing the prefix)"),
  OPEN("untargeted-open-denied-path", 0, "/etc/ziriz-secret/token", 0, ""),
  EXEC_REFUSED("pod-exec-denied-name", "/bin/forbidden-tool"),
  EXEC_REFUSED("pod-exec-denied-path", "/usr/local/bin/denied"),
  EXEC("pod-exec-allowed", 1, "/bin/true-tool", 0, ""),
  EXEC("untargeted-exec-denied-name", 0, "/bin/forbidden-tool", 0, ""),
  CONNECT("pod-connect-denied", 1, "10.9.9.9", EPERM, ""),
  CONNECT("pod-connect-loopback", 1, "127.0.0.1", ECONNREFUSED, " (loopback is allowed: ECONNREFUSED expected)"),
};

/* After the links are destroyed: everything allowed again. */
static const struct check DETACHED[] = {
  OPEN("detached-open-restored", 1, "/etc/ziriz-secret/token", 0, ""),
  EXEC("detached-exec-restored", 1, "/bin/forbidden-tool", 0, ""),
};

static void run_case(const struct check *c, char *detail, size_t size) {
  int r = in_child(c->in_pod, c->fn, c->arg);
  snprintf(detail, size, "%s %d%s", c->what, r, c->note);
  report(c->name, r == c->want, detail);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/ziriz";
  char path[512], line[4096], detail[256];
  unsigned char key[64], val[128];
  struct bpf_object *objs[3];
  struct bpf_link *links[3];
  const char *names[3] = {"lsm_file_open", "lsm_bprm_check", "lsm_socket_connect"};
  const char *progs[3] = {"ziriz_file_open", "ziriz_bprm_check", "ziriz_socket_connect"};

  /* the trap: without bpf in the active list LSM programs attach and enforce nothing */
  FILE *lsm = fopen("/sys/kernel/security/lsm", "r");
  char active[256] = "";
  if (lsm && fgets(active, sizeof(active), lsm)) active[strcspn(active, "\n")] = 0;
  report("bpf-in-active-lsm-list", strstr(active, "bpf") != NULL, active);

  mkdir(CG, 0755);
  struct stat cgst;
  stat(CG, &cgst);
  mkdir("/sys/fs/bpf/z", 0700);
  LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = "/sys/fs/bpf/z");
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, names[i]);
    objs[i] = bpf_object__open_file(path, &oo);
    int err = objs[i] ? bpf_object__load(objs[i]) : -errno;
    snprintf(detail, sizeof(detail), "%s: %s", names[i], err ? strerror(-err) : "loaded");
    report("load", err == 0, detail);
    if (err) return 1;
  }
  int identity = bpf_object__find_map_fd_by_name(objs[0], "ziriz_identity");
  int calls = bpf_object__find_map_fd_by_name(objs[0], "ziriz_calls");
  int egress = bpf_object__find_map_fd_by_name(objs[2], "ziriz_egress");
  int events = bpf_object__find_map_fd_by_name(objs[0], "ziriz_events");

  snprintf(path, sizeof(path), "%s/entries.txt", dir);
  FILE *f = fopen(path, "r");
  int n_entries = 0;
  while (f && fgets(line, sizeof(line), f)) {
    char kind[16], k[256], v[256];
    if (sscanf(line, "%15s %255s %255s", kind, k, v) < 2) continue;
    if (strcmp(kind, "identity") == 0) {
      unsigned long long cgid = cgst.st_ino;
      unhex(k, val, sizeof(val));
      memcpy(&want_identity, val, 4);
      bpf_map_update_elem(identity, &cgid, val, BPF_ANY);
    } else {
      unhex(k, key, sizeof(key));
      unhex(v, val, sizeof(val));
      bpf_map_update_elem(strcmp(kind, "calls") == 0 ? calls : egress, key, val, BPF_ANY);
    }
    n_entries++;
  }
  snprintf(detail, sizeof(detail), "%d entries", n_entries);
  report("maps-filled", n_entries > 2, detail);

  for (int i = 0; i < 3; i++) {
    links[i] = bpf_program__attach_lsm(bpf_object__find_program_by_name(objs[i], progs[i]));
    snprintf(detail, sizeof(detail), "%s: %s", progs[i], links[i] ? "attached" : strerror(errno));
    report("attach", links[i] != NULL, detail);
  }
  struct ring_buffer *rb = ring_buffer__new(events, on_record, NULL, NULL);

  for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) run_case(&CASES[i], detail, sizeof(detail));

  if (rb) ring_buffer__consume(rb);
  snprintf(detail, sizeof(detail), "%d records, %d with the pod's identity", records, records_with_identity);
  report("verdict-records-with-identity", records_with_identity >= 5, detail);

  for (int i = 0; i < 3; i++) bpf_link__destroy(links[i]);
  for (size_t i = 0; i < sizeof(DETACHED) / sizeof(DETACHED[0]); i++) run_case(&DETACHED[i], detail, sizeof(detail));

  printf("ZIRIZ-VM-DONE failures=%d\n", failures);
  fflush(stdout);
  return failures ? 1 : 0;
}

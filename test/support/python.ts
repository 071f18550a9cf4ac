/**
 * The system's Python for test programs (Debian: python3, installed by
 * hack/setup). Not `python3` from PATH: on machines with a version manager
 * that is a shell script (pyenv's shim runs ~40 programs before Python), and
 * in a protected cgroup every one of them is held at exec until its probes
 * are on (one `python3 -c` took 40 s).
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

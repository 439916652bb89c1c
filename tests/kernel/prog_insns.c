// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * How much work the running kernel's verifier did, for `make test-kernel`:
 * bpf_prog_info.verified_insns (Linux >= 5.16) of BPF programs, which the
 * bpftool of Debian 12 does not print. `show` lists every loaded program
 * (the daemon's, through libxdp); `load OBJ...` loads each object with
 * libbpf, reports its programs and the verifier's stack depth per function,
 * prints the end of the verifier log when the object is rejected, and
 * unloads it; `load --funcs` also splits the count by function (a global
 * function is verified on its own) by loading again with log level 2 and
 * counting the log's per-instruction lines in each function's range.
 * Output lines start with "insns:" for the host side to pick up.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Level 2 logs of xdpdns_main are a few hundred MB; pages are only touched
 * as the kernel writes, and 6.1 accepts at most UINT_MAX >> 2 bytes. */
#define LOG_SIZE (UINT_MAX >> 2)
#define LOG_TAIL_LINES 120
#define MAX_FUNCS 64

static const char *prog_type_str(enum bpf_prog_type t)
{
	const char *s = libbpf_bpf_prog_type_str(t);

	return s ? s : "unknown";
}

static int prog_info_get(int fd, struct bpf_prog_info *info,
			 struct bpf_func_info *fi, __u32 nfi)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (fi) {
		info->nr_func_info = nfi;
		info->func_info_rec_size = sizeof(*fi);
		info->func_info = (__u64)(unsigned long)fi;
	}
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int cmd_show(void)
{
	struct bpf_prog_info info;
	__u32 id = 0;
	int n = 0;

	/* Bounded by the kernel's ID space: next_id only moves forward. */
	while (!bpf_prog_get_next_id(id, &id)) {
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!prog_info_get(fd, &info, NULL, 0)) {
			printf("insns: prog id=%u type=%s name=%s verified_insns=%u xlated_insns=%u\n",
			       id, prog_type_str(info.type), info.name,
			       info.verified_insns, info.xlated_prog_len / 8);
			n++;
		}
		close(fd);
	}
	if (errno != ENOENT) {
		fprintf(stderr, "prog_insns: bpf_prog_get_next_id: %s\n",
			strerror(errno));
		return 1;
	}
	return n ? 0 : 1;
}

struct func_range {
	__u32 start;
	const char *name;
	const char *linkage;
	unsigned long insns;
};

/* Index of the function whose code holds instruction @insn (ranges are
 * sorted by start, as func_info is). */
static int func_of(const struct func_range *f, int n, unsigned long insn)
{
	int i = n - 1;

	while (i > 0 && f[i].start > insn)
		i--;
	return i;
}

/*
 * Splits a level 2 log by function. Processed instructions appear as
 * "N: (op) ..." and, when a state is pruned, "N: safe" or
 * "from M to N: safe"; state dumps ("N: R0=...") are not counted.
 */
static void funcs_count(const char *log, struct func_range *f, int n)
{
	const char *p = log;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		unsigned long insn;
		char *end;

		if (!strncmp(p, "from ", 5)) {
			const char *to = strstr(p, " to ");

			if (to && (!nl || to < nl)) {
				insn = strtoul(to + 4, &end, 10);
				if (end != to + 4 && strstr(end, ": safe") &&
				    (!nl || strstr(end, ": safe") < nl))
					f[func_of(f, n, insn)].insns++;
			}
		} else if (*p >= '0' && *p <= '9') {
			insn = strtoul(p, &end, 10);
			if (end[0] == ':' && end[1] == ' ' &&
			    (end[2] == '(' || !strncmp(end + 2, "safe", 4)))
				f[func_of(f, n, insn)].insns++;
		}
		p = nl ? nl + 1 : NULL;
	}
}

static void funcs_print(struct bpf_object *o, const char *obj,
			struct bpf_program *prog, const char *log)
{
	struct bpf_func_info fi[MAX_FUNCS];
	struct func_range f[MAX_FUNCS];
	struct btf *btf = bpf_object__btf(o);
	struct bpf_prog_info info;
	unsigned long sum = 0;
	__u32 n;

	if (!btf || prog_info_get(bpf_program__fd(prog), &info, NULL, 0))
		return;
	n = info.nr_func_info < MAX_FUNCS ? info.nr_func_info : MAX_FUNCS;
	if (!n || prog_info_get(bpf_program__fd(prog), &info, fi, n))
		return;
	for (__u32 i = 0; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, fi[i].type_id);

		f[i].start = fi[i].insn_off;
		f[i].name = t ? btf__name_by_offset(btf, t->name_off) : "?";
		f[i].linkage = t && btf_vlen(t) == BTF_FUNC_GLOBAL ? "global" :
								     "static";
		f[i].insns = 0;
	}
	funcs_count(log, f, n);
	for (__u32 i = 0; i < n; i++) {
		printf("insns: func obj=%s prog=%s func=%s linkage=%s processed=%lu\n",
		       obj, bpf_program__name(prog), f[i].name,
		       i ? f[i].linkage : "main", f[i].insns);
		sum += f[i].insns;
	}
	printf("insns: func obj=%s prog=%s func=(sum) processed=%lu verified_insns=%u\n",
	       obj, bpf_program__name(prog), sum, info.verified_insns);
}

/* Prints the last @lines lines of a verifier log: where it gave up. */
static void log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);

	while (p > log && lines >= 0) {
		p--;
		if (*p == '\n')
			lines--;
	}
	if (*p == '\n')
		p++;
	printf("-- verifier log%s --\n%s-- end of verifier log --\n",
	       p > log ? " (last lines)" : "", p);
}

/* Opens @path with every program's log in @log at @level and loads it. */
static struct bpf_object *obj_load(const char *path, char *log, int level,
				   int *err)
{
	struct bpf_program *prog;
	struct bpf_object *o;

	o = bpf_object__open_file(path, NULL);
	if (!o) {
		*err = -errno;
		fprintf(stderr, "prog_insns: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	log[0] = '\0';
	bpf_object__for_each_program(prog, o) {
		bpf_program__set_log_level(prog, level);
		bpf_program__set_log_buf(prog, log, LOG_SIZE);
	}
	*err = bpf_object__load(o);
	return o;
}

/* The statistics line "stack depth A+B+..." of the last program loaded:
 * stack bytes per function, in the order of the program's functions. */
static void stack_print(const char *obj, const char *log)
{
	const char *s = strstr(log, "\nstack depth ");

	if (s)
		printf("insns: stack obj=%s depth=%.*s\n", obj,
		       (int)strcspn(s + 13, "\n"), s + 13);
}

static int load_one(const char *path, bool funcs, char *log)
{
	const char *obj = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct bpf_program *prog;
	struct bpf_prog_info info;
	struct bpf_object *o;
	int err;

	/* Level 4: only the statistics and, on a rejection, its reason. */
	o = obj_load(path, log, 4, &err);
	if (!o)
		return 1;
	if (err) {
		printf("insns: load obj=%s FAILED: %s\n", obj, strerror(-err));
		stack_print(obj, log);
		/* Again, for the path that led there. */
		bpf_object__close(o);
		o = obj_load(path, log, 1 | 4, &err);
		log_tail(log, LOG_TAIL_LINES);
		err = 1;
		goto out;
	}
	bpf_object__for_each_program(prog, o) {
		if (prog_info_get(bpf_program__fd(prog), &info, NULL, 0))
			continue;
		printf("insns: load obj=%s prog=%s type=%s verified_insns=%u xlated_insns=%u\n",
		       obj, bpf_program__name(prog), prog_type_str(info.type),
		       info.verified_insns, info.xlated_prog_len / 8);
	}
	stack_print(obj, log);
	if (!funcs)
		goto out;
	/* Again with every processed instruction in the log. */
	bpf_object__close(o);
	o = obj_load(path, log, 2 | 4, &err);
	if (!o)
		return 1;
	if (err) {
		printf("insns: load obj=%s with log level 2 FAILED: %s\n", obj,
		       strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, o)
		funcs_print(o, obj, prog, log);
out:
	bpf_object__close(o);
	return err ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: prog_insns show\n"
			"       prog_insns load [--funcs] OBJ...\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool funcs = false;
	int i = 2, ret = 0;
	char *log;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "show"))
		return cmd_show();
	if (strcmp(argv[1], "load"))
		return usage();
	if (i < argc && !strcmp(argv[i], "--funcs")) {
		funcs = true;
		i++;
	}
	if (i >= argc)
		return usage();
	log = malloc(LOG_SIZE);
	if (!log) {
		fprintf(stderr, "prog_insns: no memory for a verifier log\n");
		return 1;
	}
	for (; i < argc; i++)
		ret |= load_one(argv[i], funcs, log);
	free(log);
	return ret;
}

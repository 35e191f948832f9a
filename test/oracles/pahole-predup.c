/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LD_PRELOAD shim for pahole: before each btf__dedup call, writes the BTF about to be deduplicated
 * (raw, as pahole built it) to "$PREDUP_OUT.N" (N = 0, 1, ...), then lets libbpf's btf__dedup run.
 * This gives pahole's real, not yet deduplicated, output as input for dwarf2btf's dedup, whose
 * result must then equal what pahole writes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>

int btf__dedup(struct btf *btf, const struct btf_dedup_opts *opts)
{
	static int (*real)(struct btf *, const struct btf_dedup_opts *);
	static int n;
	const char *out = getenv("PREDUP_OUT");

	if (!real)
		real = (int (*)(struct btf *, const struct btf_dedup_opts *))dlsym(RTLD_NEXT, "btf__dedup");
	if (!real)
		return -1;
	if (out) {
		char path[4096];
		const void *data;
		__u32 size;
		FILE *f;

		data = btf__raw_data(btf, &size);
		snprintf(path, sizeof(path), "%s.%d", out, n++);
		f = fopen(path, "wb");
		if (!data || !f || fwrite(data, 1, size, f) != size || fclose(f)) {
			fprintf(stderr, "pahole-predup: cannot write %s\n", path);
			return -1;
		}
	}
	return real(btf, opts);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test oracle: runs the system libbpf's btf__dedup so that dwarf2btf's own dedup can be compared
 * with it byte for byte.
 *
 *   btf-dedup concat    [--base BASE] -o OUT IN...   append the raw BTF files IN (each standalone)
 *                                                    into one BTF built from scratch (split over
 *                                                    BASE if given) and write it, not deduplicated
 *   btf-dedup dedup     [--base BASE] -o OUT IN...   the same, then btf__dedup (libbpf skips its
 *                                                    string pass here: a BTF built from scratch has
 *                                                    unique strings already, as in pahole)
 *   btf-dedup raw-dedup [--base BASE] -o OUT IN      parse IN as raw BTF (split over BASE if given)
 *                                                    and btf__dedup it (string pass included)
 *
 * Exit status 0 on success; libbpf's error otherwise, with a message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int write_btf(const struct btf *btf, const char *path)
{
	__u32 size;
	const void *data = btf__raw_data(btf, &size);
	FILE *f;

	if (!data) {
		fprintf(stderr, "btf-dedup: btf__raw_data failed\n");
		return 1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "btf-dedup: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

static struct btf *parse_raw(const char *path, struct btf *base)
{
	struct btf *btf = base ? btf__parse_raw_split(path, base) : btf__parse_raw(path);

	if (!btf) {
		fprintf(stderr, "btf-dedup: %s: not valid raw BTF (%d)\n", path, -errno);
		return NULL;
	}
	return btf;
}

int main(int argc, char **argv)
{
	const char *mode, *base_path = NULL, *out = NULL;
	struct btf *base = NULL, *btf;
	int i, err, first;

	if (argc < 2) {
		fprintf(stderr, "usage: btf-dedup concat|dedup|raw-dedup [--base BASE] -o OUT IN...\n");
		return 2;
	}
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--base") && i + 1 < argc)
			base_path = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else
			break;
	}
	first = i;
	if (!out || first >= argc) {
		fprintf(stderr, "btf-dedup: need -o OUT and at least one input\n");
		return 2;
	}
	if (base_path) {
		base = parse_raw(base_path, NULL);
		if (!base)
			return 1;
	}

	if (!strcmp(mode, "raw-dedup")) {
		if (argc - first != 1) {
			fprintf(stderr, "btf-dedup: raw-dedup takes exactly one input\n");
			return 2;
		}
		btf = parse_raw(argv[first], base);
		if (!btf)
			return 1;
	} else if (!strcmp(mode, "concat") || !strcmp(mode, "dedup")) {
		btf = base ? btf__new_empty_split(base) : btf__new_empty();
		if (!btf) {
			fprintf(stderr, "btf-dedup: cannot create BTF\n");
			return 1;
		}
		for (i = first; i < argc; i++) {
			struct btf *src = parse_raw(argv[i], NULL);

			if (!src)
				return 1;
			err = btf__add_btf(btf, src);
			if (err < 0) {
				fprintf(stderr, "btf-dedup: btf__add_btf(%s) failed: %d\n", argv[i], err);
				return 1;
			}
			btf__free(src);
		}
	} else {
		fprintf(stderr, "btf-dedup: unknown mode %s\n", mode);
		return 2;
	}

	if (strcmp(mode, "concat")) {
		err = btf__dedup(btf, NULL);
		if (err) {
			fprintf(stderr, "btf-dedup: btf__dedup failed: %d\n", err);
			return 1;
		}
	}
	err = write_btf(btf, out);
	btf__free(btf);
	btf__free(base);
	return err;
}

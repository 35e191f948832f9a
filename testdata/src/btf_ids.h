/* btf_ids.h - the .BTF_ids layout of the Linux kernel's include/linux/btf_ids.h, written anew for
 * the tests. A set is a symbol __BTF_ID__set8__<set> at { u32 count, u32 flags } followed by one
 * { u32 id, u32 flags } pair per entry, each entry a local STT_OBJECT symbol
 * __BTF_ID__<kind>__<name>__<n> of size 4 at its id; the set symbol's size spans the entries.
 * resolve_btfids fills in the ids and the count after linking; pahole reads the names and flags. */
#ifndef BTF_IDS_H
#define BTF_IDS_H

#define BTF_SET8_KFUNCS (1 << 0)

/* kfunc flags (include/linux/btf.h) */
#define KF_ACQUIRE (1 << 0)
#define KF_RELEASE (1 << 1)
#define KF_RET_NULL (1 << 2)
#define KF_FASTCALL (1 << 12)
#define KF_ARENA_RET (1 << 13)
#define KF_ARENA_ARG1 (1 << 14)
#define KF_ARENA_ARG2 (1 << 15)

#define __ids_str1(x) #x
#define __ids_str(x) __ids_str1(x)
#define __ids_cat1(a, b) a##b
#define __ids_cat(a, b) __ids_cat1(a, b)

/* one id: a 4-byte local object named after what it identifies, plus a counter */
#define __BTF_ID_ENTRY(sym)						\
	asm(".pushsection .BTF_ids,\"a\"\n"				\
	    ".local " __ids_str(sym) "\n"				\
	    ".type " __ids_str(sym) ", STT_OBJECT\n"			\
	    ".size " __ids_str(sym) ", 4\n"				\
	    __ids_str(sym) ":\n"					\
	    ".zero 4\n"							\
	    ".popsection\n");
#define BTF_ID(kind, name) __BTF_ID_ENTRY(__ids_cat(__BTF_ID__##kind##__##name##__, __COUNTER__))

/* an entry of a set8: the id, then its flags */
#define __BTF_ID_FLAGS(kind, name, flags, ...)				\
	BTF_ID(kind, name)						\
	asm(".pushsection .BTF_ids,\"a\"\n"				\
	    ".long " __ids_str(flags) "\n"				\
	    ".popsection\n");
#define BTF_ID_FLAGS(kind, name, ...) __BTF_ID_FLAGS(kind, name, ##__VA_ARGS__, 0)

#define BTF_ID_LIST(name)						\
	asm(".pushsection .BTF_ids,\"a\"\n"				\
	    ".local " #name "\n"					\
	    #name ":\n"							\
	    ".popsection\n");						\
	extern unsigned int name[];

#define __BTF_SET8_START(name, flags)					\
	asm(".pushsection .BTF_ids,\"a\"\n"				\
	    ".local " #name "\n"					\
	    #name ":\n"							\
	    ".local __BTF_ID__set8__" #name "\n"			\
	    "__BTF_ID__set8__" #name ":\n"				\
	    ".zero 4\n"							\
	    ".long " __ids_str(flags) "\n"				\
	    ".popsection\n");
#define BTF_SET8_START(name) __BTF_SET8_START(name, 0)
#define BTF_KFUNCS_START(name) __BTF_SET8_START(name, BTF_SET8_KFUNCS)
#define BTF_SET8_END(name)						\
	asm(".pushsection .BTF_ids,\"a\"\n"				\
	    ".size __BTF_ID__set8__" #name ", .-__BTF_ID__set8__" #name "\n" \
	    ".popsection\n");
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)

#endif

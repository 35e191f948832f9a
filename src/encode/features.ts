import { InputError } from '../errors.js';

/**
 * BTF features by pahole 1.31's names (`--btf_features=`). `default: true` ones make up the
 * `default` set; `all` enables every one.
 */
export const FEATURES = [
  { name: 'encode_force', default: true, help: 'skip invalid symbols and variables instead of failing' },
  { name: 'var', default: true, help: 'encode per-CPU variables (VAR + DATASEC)' },
  { name: 'float', default: true, help: 'encode floating-point base types as FLOAT' },
  { name: 'decl_tag', default: true, help: 'encode btf_decl_tag annotations as DECL_TAG' },
  { name: 'type_tag', default: true, help: 'encode btf_type_tag annotations as TYPE_TAG' },
  { name: 'enum64', default: true, help: 'encode enums wider than 32 bits as ENUM64' },
  { name: 'optimized_func', default: true, help: 'pahole 1.31 function rules: optimized clones (foo.isra.0, foo.constprop.0) count as foo; functions with optimized-out parameters are kept (as in pahole 1.31, where the flag changes nothing else)' },
  { name: 'consistent_func', default: true, help: 'leave out functions whose prototypes differ between CUs, whose parameters are not where the ABI puts them, or whose ELF symbols are at several addresses' },
  { name: 'decl_tag_kfuncs', default: true, help: 'tag kfuncs of .BTF_ids kfunc sets with DECL_TAG bpf_kfunc (and bpf_fastcall)' },
  { name: 'reproducible_build', default: false, help: 'accepted: output is always reproducible' },
  { name: 'distilled_base', default: false, help: 'with --btf_base: also write the distilled base (.BTF.base, or OUT.base with -o) and the split BTF over it, for out-of-tree modules; alias base_ref' },
  { name: 'global_var', default: false, help: 'encode every global variable, one DATASEC per data section' },
  { name: 'attributes', default: false, help: 'with decl_tag_kfuncs: the arena pointers of kfuncs flagged KF_ARENA_RET/ARG1/ARG2 point to a TYPE_TAG address_space(1) with kind_flag set' },
  { name: 'true_signature', default: false, help: 'not supported: refused' },
  { name: 'layout', default: false, help: 'not supported: refused' },
] as const;

export type FeatureName = (typeof FEATURES)[number]['name'];
export type Features = Record<FeatureName, boolean>;

/**
 * Whose rules choose functions and variables. '1.24': pahole 1.24 (DWARF functions with an ELF
 * function symbol of the same name, first CU wins, emitted with their CU; per-CPU variables named
 * by their ELF symbol). '1.31': pahole 1.31 (functions matched to ELF functions by name without
 * suffix, saved and emitted after all CUs in name order, consistent_func's checks; variables
 * named and sized by their DWARF, global_var, kfunc tags).
 */
export type Rules = '1.24' | '1.31';

/**
 * The rules an encode follows unless told: pahole 1.31's as soon as a feature that only 1.31's
 * rules have is on (optimized_func, consistent_func, decl_tag_kfuncs, global_var), else pahole
 * 1.24's, so that pahole 1.24's feature set (var, float, decl_tag, type_tag, enum64) gives its
 * output byte for byte. pahole 1.31 run without those features still follows its own rules: ask
 * for '1.31' explicitly to get that (dwarf2btf encode --rules=1.31).
 */
export function rulesFor(f: Features, explicit?: Rules): Rules {
  if (explicit) return explicit;
  return f.optimized_func || f.consistent_func || f.decl_tag_kfuncs || f.global_var ? '1.31' : '1.24';
}

const ALIASES: Record<string, FeatureName> = { base_ref: 'distilled_base' };
const REFUSED = new Set<FeatureName>(['true_signature', 'layout']);

export function noFeatures(): Features {
  const f = {} as Features;
  for (const x of FEATURES) f[x.name] = false;
  return f;
}

export function defaultFeatures(): Features {
  const f = noFeatures();
  for (const x of FEATURES) if (x.default) f[x.name] = true;
  return f;
}

/**
 * What pahole encodes when no --btf_features option is given: variables, decl and type tags and
 * enum64 on; floats, forcing and the function rules off.
 */
export function paholeLegacyFeatures(): Features {
  const f = noFeatures();
  f.var = true;
  f.decl_tag = true;
  f.type_tag = true;
  f.enum64 = true;
  return f;
}

/**
 * Adds the features named in `list` (comma-separated; `default`, `all`, a leading `+` meaning
 * default plus the rest) to `into`. Unknown names are an error when `strict`, else ignored.
 */
export function parseFeatures(list: string, into: Features, strict = true): Features {
  let s = list.trim();
  if (s.startsWith('+')) {
    Object.assign(into, enableDefault(into));
    s = s.slice(1);
  }
  for (const raw of s.split(',')) {
    const word = raw.trim();
    if (!word) continue;
    if (word === 'default') { enableDefault(into); continue; }
    if (word === 'all') {
      for (const x of FEATURES) if (!REFUSED.has(x.name)) into[x.name] = true;
      continue;
    }
    const name = (ALIASES[word] ?? word) as FeatureName;
    if (!FEATURES.some((x) => x.name === name)) {
      if (strict) throw new InputError(`unknown BTF feature '${word}' (known: ${FEATURES.map((x) => x.name).join(',')},default,all)`);
      continue;
    }
    if (REFUSED.has(name)) throw new InputError(`BTF feature '${word}' is not supported by dwarf2btf`);
    into[name] = true;
  }
  return into;
}

function enableDefault(into: Features): Features {
  for (const x of FEATURES) if (x.default) into[x.name] = true;
  return into;
}

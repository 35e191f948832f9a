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
  { name: 'optimized_func', default: true, help: 'encode optimized functions (.isra/.constprop clones) as pahole does (pending: issue 3)' },
  { name: 'consistent_func', default: true, help: 'leave out functions whose prototypes differ between CUs (pending: issue 3)' },
  { name: 'decl_tag_kfuncs', default: true, help: 'tag kfuncs from .BTF_ids sets with DECL_TAG bpf_kfunc (pending: issue 3)' },
  { name: 'reproducible_build', default: false, help: 'accepted: output is always reproducible' },
  { name: 'distilled_base', default: false, help: 'write a distilled base (.BTF.base) for out-of-tree modules; alias base_ref (pending: issue 4)' },
  { name: 'global_var', default: false, help: 'encode all global variables, one DATASEC per data section (pending: issue 3)' },
  { name: 'attributes', default: false, help: 'not supported: refused' },
  { name: 'true_signature', default: false, help: 'not supported: refused' },
  { name: 'layout', default: false, help: 'not supported: refused' },
] as const;

export type FeatureName = (typeof FEATURES)[number]['name'];
export type Features = Record<FeatureName, boolean>;

const ALIASES: Record<string, FeatureName> = { base_ref: 'distilled_base' };
const REFUSED = new Set<FeatureName>(['attributes', 'true_signature', 'layout']);

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

import { Kind, INT_BOOL, INT_SIGNED, infoVlen } from '../btf/kinds.js';
import { StringTable } from '../btf/strings.js';
import { BtfTable } from '../btf/table.js';
import { InputError, hex } from '../errors.js';
import { At, Ate, Form, Op, Tag } from '../dwarf/constants.js';
import { DieReader } from '../dwarf/die.js';
import { OffsetMap } from '../dwarf/offset-map.js';
import type { UnitHeader } from '../dwarf/unit.js';
import { locationSections, parameterRegister, type LocationSections } from './locations.js';
import type { ReadAt } from '../dwarf/section-source.js';
import type { CuEncodeOptions } from './options.js';

/** Placeholder written in an ARRAY's index-type slot; the merge puts the real id there. */
export const INDEX_TYPE_REF = 0xffffffff;

/** A `btf_decl_tag` annotation: its value and the member/parameter index it applies to (-1: the whole). */
export interface DeclTag {
  value: string;
  component: number;
}

/**
 * A DWARF function definition that may become a FUNC: not a declaration, every parameter named,
 * and (with CuEncodeOptions.funcNames) of a name that can become a FUNC.
 */
export interface FuncCandidate {
  name: string | null;
  external: boolean;
  /** Id of its FUNC_PROTO in the fragment's `protos` table (type refs are the fragment's local ids). */
  proto: number;
  tags: DeclTag[] | null;
  die: number;
  /**
   * A parameter is held on entry in another register than the ABI's (pahole 1.31's
   * unexpected_reg: such a prototype would mislead tracing), and no parameter is a struct.
   * Computed only with CuEncodeOptions.funcChecks.
   */
  unexpectedReg: boolean;
  /**
   * A parameter past the register ones is a packed struct passed by value, whose stack location
   * is uncertain (pahole 1.31's uncertain_parm_loc). Computed only with funcChecks.
   */
  uncertainLoc: boolean;
}

/** A DW_TAG_variable that may become a VAR. */
export interface VarCandidate {
  /** Name of the DIE itself (a definition that points to a declaration often has none). */
  name: string | null;
  declaration: boolean;
  /** Location is a static address (DW_OP_addr/addrx). */
  global: boolean;
  addrLo: number;
  addrHi: number;
  /** Has DW_AT_specification resolved to a variable DIE. */
  hasSpec: boolean;
  /** Name after following the specification (the DIE's own name without one). */
  specName: string | null;
  /** Declared at the top level of the unit (not in a function, block or namespace). */
  topLevel: boolean;
  /** Has DW_AT_artificial. */
  artificial: boolean;
  /** Local type id (after following the specification), 0 for void. */
  type: number;
  external: boolean;
  /** Byte size of the type as pahole computes it. */
  size: number;
  tags: DeclTag[] | null;
  die: number;
}

/**
 * One compile unit's BTF: its data types with local ids (1..nTypes in pahole's order), then the
 * optional fallback `int` for array indices, then DECL_TAGs of structs/unions/typedefs, plus the
 * functions and variables the symbol-table selection may turn into FUNC/VAR.
 */
export interface CuFragment {
  offset: number;
  name: string;
  language: number;
  types: BtfTable;
  nTypes: number;
  /** Local id of the CU's first base type named "int", or 0. */
  intId: number;
  hasArrays: boolean;
  /** types[nTypes + 1] is an `int` added for array indices (kept only if no earlier CU provides one). */
  fallbackInt: boolean;
  protos: BtfTable;
  funcs: FuncCandidate[];
  vars: VarCandidate[];
  dies: number;
  /** Positions of references and strings in `types` (set by workers: lets the merge copy in bulk). */
  reloc?: { refs: Uint32Array; strs: Uint32Array };
}

const enum Entry {
  DIE = 0,
  TYPE_TAG = 1,
}

/**
 * Encodes compile units. One instance per thread: it keeps reusable scratch arrays and the
 * string table its fragments share.
 */
export class CuEncoder {
  private r: DieReader;
  private opts: CuEncodeOptions;
  readonly strings: StringTable;

  // per-CU scratch
  private unitBase = 0;
  /** Core id by DIE offset - unit offset: 0 unknown, >0 id, -1 void (unspecified type). */
  private dieId = new Int32Array(0);
  private touched: number[] = [];
  private entryDie = new Int32Array(1024);
  private entryKind = new Uint8Array(1024);
  /** For TYPE_TAG entries: the id it refers to (0: the pointee of entryPtr). For pointers: override id. */
  private entryRef = new Int32Array(1024);
  private entryPtr = new Int32Array(1024);
  private nEntries = 0;
  private funcDies: number[] = [];
  private varDies: number[] = [];
  /** Per varDies entry: 1 when the variable is at the top level of the unit. */
  private varTop: number[] = [];
  /** Nesting depth in DW_TAG_namespace (their variables are not top-level, as in pahole). */
  private nsDepth = 0;
  /** The DIE being processed is a child of the unit itself (set before processTag). */
  private atTop = false;
  /** Per DIE (offset - unit offset): PARAM_* flags of formal parameters (funcChecks only). */
  private paramFlags = new Uint8Array(0);
  private flagged: number[] = [];
  /** Some parameter of this unit has PARAM_UNEXPECTED. */
  private anyUnexpected = false;
  /** DW_AT_loclists_base of the unit (or the first list's default). */
  private loclistsBase = 0;
  /** Location-list sections, for parameter locations. */
  private lists: LocationSections;
  /** Packed-struct inference results by DIE offset (pahole's class__infer_packed_attributes). */
  private packedCache: Map<number, boolean> | null = null;
  private dieCount = 0;
  private cuName = '';
  private addr = { lo: 0, hi: 0 };
  /** Parameters without a name in the last emitProto. */
  private unnamedParams = 0;
  /** The last emitParams met a DW_TAG_unspecified_parameters (a variadic function). */
  private unspecifiedParams = false;
  /** String-table offset by .debug_str offset, once interned. */
  private strpMap = new OffsetMap(16);

  /** Tables reused for every fragment when the caller consumes each fragment before the next. */
  private scratch: { types: BtfTable; protos: BtfTable } | null = null;

  /**
   * `reuse`: fragments share two tables that the next encode() overwrites (for a caller that
   * copies each fragment out before encoding the next unit: less garbage, less memory).
   * `readAt`: reads the file, for location lists the sections give as file extents.
   */
  constructor(reader: DieReader, opts: CuEncodeOptions, strings?: StringTable, reuse = false, readAt?: ReadAt) {
    this.r = reader;
    this.opts = opts;
    this.strings = strings ?? new StringTable();
    if (reuse) {
      // room for the largest unit of a vmlinux (51,123 words and 4,893 types; its prototypes 6,046
      // words, 620 types): no growing mid-run, which also deoptimizes what inlined the growth
      this.scratch = { types: new BtfTable(null, this.strings, 1 << 16, 1 << 13), protos: new BtfTable(null, this.strings, 1 << 13, 1 << 10) };
    }
    this.lists = locationSections(reader.sections, readAt);
    this.funcNames = opts.funcNames ? new Set(opts.funcNames) : null;
  }

  /** CuEncodeOptions.funcNames as a set. */
  private funcNames: Set<string> | null;

  /** Replaces CuEncodeOptions.funcNames, for the units encoded from now on. */
  setFunctionNames(names: string[] | null): void {
    this.funcNames = names ? new Set(names) : null;
  }

  /**
   * Interns the string attribute `at` of the current DIE into the fragment string table, straight
   * from the section bytes; returns its offset, or -1 when the DIE has no such string.
   */
  private strOf(at: number): number {
    const r = this.r;
    const i = r.find(at);
    if (i < 0) return -1;
    const pos = r.strPos(i);
    if (pos < 0) return -1;
    const sec = r.strSec!;
    const cached = sec === r.debugStr;
    if (cached) {
      const hit = this.strpMap.get(pos);
      if (hit >= 0) return hit;
    }
    let e = pos;
    while (e < sec.length && sec[e] !== 0) e++;
    if (e >= sec.length) this.fail('unterminated string', r.off);
    const off = e === pos ? 0 : this.strings.addBytes(sec, pos, e);
    if (cached) this.strpMap.set(pos, off);
    return off;
  }

  /** Name of the unit being (or last) encoded, for messages. */
  get cuLabel(): string {
    return this.cuName;
  }

  private fail(msg: string, off: number): never {
    throw new InputError(`CU '${this.cuName}' DIE ${hex(off)}: ${msg}`);
  }

  /** Encodes the unit; returns null when the unit is skipped (not a compile unit, excluded language). */
  encode(u: UnitHeader, window?: Uint8Array): CuFragment | null {
    const r = this.r;
    this.cuName = '';
    r.setUnit(u, window);
    if (!r.read(u.dieOffset)) return null;
    const cuTag = r.tag;
    if (cuTag !== Tag.compile_unit && cuTag !== Tag.type_unit) return null;
    const language = r.udata(At.language);
    this.cuName = r.str(At.name) ?? '';
    if (this.opts.langExclude.includes(language)) return null;
    // libdw's default base when the unit names none: just after the first table's header
    this.loclistsBase = r.has(At.loclists_base) ? r.udata(At.loclists_base) : u.offsetSize === 8 ? 20 : 12;
    const hasChildren = r.hasChildren;
    const first = r.next;

    this.begin(u);
    if (hasChildren) this.collectChildren(first, Ctx.UNIT);

    let types: BtfTable, protos: BtfTable;
    if (this.scratch) {
      types = this.scratch.types;
      protos = this.scratch.protos;
      types.reset();
      protos.reset();
    } else {
      types = new BtfTable(null, this.strings, 4096, 1024);
      protos = new BtfTable(null, this.strings, 256, 64);
    }
    const frag: CuFragment = {
      offset: u.offset, name: this.cuName, language, types, nTypes: this.nEntries - 1,
      intId: 0, hasArrays: false, fallbackInt: false, protos, funcs: [], vars: [], dies: this.dieCount,
    };
    this.emitTypes(frag);
    if (frag.hasArrays && frag.intId === 0) {
      frag.fallbackInt = true;
      const id = types.begin(types.addStr('int'), Kind.INT, 0, 0, 4);
      types.push(INT_SIGNED << 24 | 32);
      if (id !== frag.nTypes + 1) throw new Error('fallback int id drift');
    }
    const annotations = r.unitHasAnnotations;
    if (this.opts.declTags && annotations) this.emitTypeDeclTags(frag);
    // declarations and functions with an unnamed parameter never become FUNCs, and only
    // variables with a static address (or that complete a declaration) can become VARs, under
    // every rule set: leave the rest out of the fragment
    for (const f of this.funcDies) {
      const c = this.funcCandidate(f, protos, annotations);
      if (c) frag.funcs.push(c);
    }
    if (this.opts.funcChecks) this.checkFuncs(frag);
    for (let i = 0; i < this.varDies.length; i++) {
      const c = this.varCandidate(this.varDies[i], this.varTop[i] === 1, annotations);
      if (c) frag.vars.push(c);
    }
    this.end();
    return frag;
  }

  private begin(u: UnitHeader): void {
    this.unitBase = u.offset;
    const len = u.end - u.offset;
    if (this.dieId.length < len) this.dieId = new Int32Array(Math.max(len, this.dieId.length * 2));
    this.nEntries = 1; // id 0 is void
    this.funcDies = [];
    this.varDies = [];
    this.varTop = [];
    this.nsDepth = 0;
    this.dieCount = 0;
    this.anyUnexpected = false;
    this.packedCache = null;
  }

  private end(): void {
    const m = this.dieId;
    for (const t of this.touched) m[t] = 0;
    this.touched = [];
    const pf = this.paramFlags;
    for (const t of this.flagged) pf[t] = 0;
    this.flagged = [];
  }

  private addEntry(die: number, kind: Entry): number {
    if (this.nEntries === this.entryDie.length) {
      const n = this.nEntries * 2;
      const d = new Int32Array(n); d.set(this.entryDie); this.entryDie = d;
      const k = new Uint8Array(n); k.set(this.entryKind); this.entryKind = k;
      const rf = new Int32Array(n); rf.set(this.entryRef); this.entryRef = rf;
      const p = new Int32Array(n); p.set(this.entryPtr); this.entryPtr = p;
    }
    const id = this.nEntries++;
    this.entryDie[id] = die;
    this.entryKind[id] = kind;
    this.entryRef[id] = 0;
    this.entryPtr[id] = 0;
    return id;
  }

  private mapDie(die: number, id: number): void {
    const k = die - this.unitBase;
    this.dieId[k] = id;
    this.touched.push(k);
  }

  /** Local id of the type DIE at `off` (0 when void or not a type of this unit). */
  private typeId(off: number): number {
    if (off === 0) return 0;
    const k = off - this.unitBase;
    if (k < 0 || k >= this.dieId.length) return 0;
    const id = this.dieId[k];
    return id > 0 ? id : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Pass 1: walk the unit in the order pahole's loader does and number the types.
  // Types get ids when their DIE has been processed (so nested types come before their parent);
  // subprograms and variables are collected in the order the loader records them.
  // ---------------------------------------------------------------------------------------------

  /** Walks the sibling chain starting at `first`; returns the offset after its terminator. */
  private collectChildren(first: number, ctx: Ctx): number {
    const r = this.r;
    let off = first;
    for (;;) {
      const next = r.skipAttrs(off);
      const tag = r.tag;
      if (tag === 0) return next;
      this.dieCount++;
      const hasChildren = r.hasChildren;
      off = this.collectChild(off, tag, hasChildren, next, ctx);
    }
  }

  /** Processes one child DIE in context `ctx`; returns the offset of its next sibling. */
  private collectChild(off: number, tag: number, hasChildren: boolean, next: number, ctx: Ctx): number {
    switch (ctx) {
      case Ctx.CLASS:
        switch (tag) {
          case Tag.subrange_type: case Tag.variant_part: case Tag.template_type_parameter:
          case Tag.template_value_parameter: case Tag.GNU_template_parameter_pack:
          case Tag.GNU_formal_parameter_pack: case Tag.GNU_template_template_param:
          case Tag.member: case Tag.inheritance: case Tag.LLVM_annotation:
            return this.skip(hasChildren, next);
        }
        break;
      case Ctx.FUNCTION:
        switch (tag) {
          case Tag.call_site: case Tag.call_site_parameter: case Tag.GNU_call_site:
          case Tag.GNU_call_site_parameter: case Tag.dwarf_procedure:
          case Tag.template_type_parameter: case Tag.template_value_parameter:
          case Tag.GNU_template_parameter_pack: case Tag.GNU_formal_parameter_pack:
          case Tag.GNU_template_template_param:
          case Tag.formal_parameter: case Tag.unspecified_parameters: case Tag.label:
          case Tag.LLVM_annotation:
            return this.skip(hasChildren, next);
          case Tag.variable:
            this.varDies.push(off);
            this.varTop.push(0);
            return this.skip(hasChildren, next);
          case Tag.inlined_subroutine:
            return hasChildren ? this.collectChildren(next, Ctx.INLINE) : next;
          case Tag.lexical_block:
            return hasChildren ? this.collectChildren(next, Ctx.FUNCTION) : next;
        }
        break;
      case Ctx.INLINE:
        switch (tag) {
          case Tag.call_site: case Tag.call_site_parameter: case Tag.GNU_call_site:
          case Tag.GNU_call_site_parameter: case Tag.formal_parameter: case Tag.label:
            return this.skip(hasChildren, next);
          case Tag.lexical_block:
            return hasChildren ? this.collectChildren(next, Ctx.FUNCTION) : next;
          case Tag.inlined_subroutine:
            return hasChildren ? this.collectChildren(next, Ctx.INLINE) : next;
        }
        break;
      case Ctx.SUBROUTINE:
        switch (tag) {
          case Tag.subrange_type: case Tag.formal_parameter: case Tag.unspecified_parameters:
            return this.skip(hasChildren, next);
        }
        break;
      case Ctx.UNIT:
        this.atTop = this.nsDepth === 0;
        return this.processTag(off, tag, hasChildren, next);
    }
    this.atTop = false;
    return this.processTag(off, tag, hasChildren, next);
  }

  private skip(hasChildren: boolean, next: number): number {
    if (!hasChildren) return next;
    // count the skipped DIEs too, for statistics
    const r = this.r;
    let depth = 1, p = next;
    while (depth > 0) {
      p = r.skipAttrs(p);
      if (r.tag === 0) depth--;
      else { this.dieCount++; if (r.hasChildren) depth++; }
    }
    return p;
  }

  /** pahole's die__process_tag followed by adding the result to its table. */
  private processTag(off: number, tag: number, hasChildren: boolean, next: number): number {
    switch (tag) {
      case Tag.array_type: case Tag.string_type: case Tag.base_type: case Tag.const_type:
      case Tag.reference_type: case Tag.restrict_type: case Tag.volatile_type:
      case Tag.ptr_to_member_type: case Tag.enumeration_type: case Tag.typedef:
      case Tag.rvalue_reference_type: case Tag.unspecified_type: {
        const after = this.skip(hasChildren, next);
        // an unspecified type has no BTF: references to it mean void
        this.mapDie(off, tag === Tag.unspecified_type ? -1 : this.addEntry(off, Entry.DIE));
        return after;
      }
      case Tag.pointer_type: {
        let after = next;
        let lastTag = 0;
        if (hasChildren) {
          if (this.opts.typeTags) {
            const r = this.r;
            let c = next;
            for (;;) {
              if (!r.read(c)) { after = r.next; break; }
              this.dieCount++;
              const cOff = c;
              const cHas = r.hasChildren;
              let cNext = r.next;
              if (r.tag === Tag.LLVM_annotation && r.str(At.name) === 'btf_type_tag') {
                const id = this.addEntry(cOff, Entry.TYPE_TAG);
                this.entryRef[id] = lastTag;
                this.entryPtr[id] = off;
                lastTag = id;
              }
              if (cHas) cNext = this.skip(true, cNext);
              c = cNext;
            }
          } else {
            after = this.skip(true, next);
          }
        }
        const id = this.addEntry(off, Entry.DIE);
        this.entryRef[id] = lastTag;
        this.mapDie(off, id);
        return after;
      }
      case Tag.class_type: case Tag.interface_type: case Tag.structure_type: case Tag.union_type: {
        const after = hasChildren ? this.collectChildren(next, Ctx.CLASS) : next;
        this.mapDie(off, this.addEntry(off, Entry.DIE));
        return after;
      }
      case Tag.subroutine_type: {
        const after = hasChildren ? this.collectChildren(next, Ctx.SUBROUTINE) : next;
        this.mapDie(off, this.addEntry(off, Entry.DIE));
        return after;
      }
      case Tag.subprogram: {
        const after = hasChildren ? this.collectChildren(next, Ctx.FUNCTION) : next;
        this.funcDies.push(off);
        return after;
      }
      case Tag.namespace: {
        if (!hasChildren) return next;
        this.nsDepth++;
        const after = this.collectChildren(next, Ctx.UNIT);
        this.nsDepth--;
        return after;
      }
      case Tag.imported_unit:
        this.fail('DW_TAG_imported_unit is not supported', off);
      default:
        // variables are noted; imported declarations/modules and anything unknown are not types
        // (one path for all: V8 would deoptimize at the first rare tag; see README, Layout)
        if (tag === Tag.variable) {
          this.varDies.push(off);
          this.varTop.push(this.atTop ? 1 : 0);
        }
        return this.skip(hasChildren, next);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Pass 2: emit one BTF type per numbered entry, in id order.
  // ---------------------------------------------------------------------------------------------

  private emitTypes(frag: CuFragment): void {
    const r = this.r;
    const t = frag.types;
    for (let id = 1; id < this.nEntries; id++) {
      const die = this.entryDie[id];
      if (this.entryKind[id] === Entry.TYPE_TAG) {
        r.read(die);
        const value = r.str(At.const_value) ?? '';
        const ref = this.entryRef[id] || this.pointeeOf(this.entryPtr[id]);
        this.checkName(value, die, 'type tag');
        this.begin1(t, id, t.addStr(value), Kind.TYPE_TAG, 0, 0, ref);
        continue;
      }
      r.read(die);
      switch (r.tag) {
        case Tag.base_type:
          this.emitBase(t, id, die, frag);
          break;
        case Tag.const_type:
          this.begin1(t, id, 0, Kind.CONST, 0, 0, this.typeId(r.ref(At.type)));
          break;
        case Tag.volatile_type:
          this.begin1(t, id, 0, Kind.VOLATILE, 0, 0, this.typeId(r.ref(At.type)));
          break;
        case Tag.restrict_type:
          this.begin1(t, id, 0, Kind.RESTRICT, 0, 0, this.typeId(r.ref(At.type)));
          break;
        case Tag.pointer_type: {
          const ref = this.entryRef[id] || this.typeId(r.ref(At.type));
          this.begin1(t, id, 0, Kind.PTR, 0, 0, ref);
          break;
        }
        case Tag.typedef: {
          const name = this.strOf(At.name);
          if (name <= 0) this.fail('typedef without a name', die);
          this.begin1(t, id, name, Kind.TYPEDEF, 0, 0, this.typeId(r.ref(At.type)));
          break;
        }
        case Tag.structure_type: case Tag.class_type: case Tag.interface_type: case Tag.union_type:
          this.emitComposite(t, id, die);
          break;
        case Tag.array_type:
          frag.hasArrays = true;
          this.emitArray(t, id, die);
          break;
        case Tag.enumeration_type:
          this.emitEnum(t, id, die);
          break;
        case Tag.subroutine_type: {
          const got = this.emitProto(t, die, false);
          if (got !== id) throw new Error(`type id drift at DIE ${hex(die)}`);
          break;
        }
        default:
          this.fail(`${tagLabel(r.tag)} cannot be encoded in BTF`, die);
      }
    }
  }

  private begin1(t: BtfTable, expect: number, name: number, kind: Kind, vlen: number, kflag: number, sizeOrType: number): void {
    const got = t.begin(name, kind, vlen, kflag, sizeOrType);
    if (got !== expect) throw new Error(`type id drift: ${got} != ${expect}`);
  }

  private checkName(name: string, die: number, what: string): void {
    if (!name) this.fail(`${what} without a name`, die);
  }

  /** The type a pointer DIE points to (re-reads the DIE). */
  private pointeeOf(ptrDie: number): number {
    const r = this.r;
    r.read(ptrDie);
    return this.typeId(r.ref(At.type));
  }

  private emitBase(t: BtfTable, id: number, die: number, frag: CuFragment): void {
    const r = this.r;
    const name = r.str(At.name);
    const byteSize = r.udata(At.byte_size);
    const enc = r.udata(At.encoding);
    if (frag.intId === 0 && name === 'int') frag.intId = id;
    const bits = byteSize * 8;
    let encoding = 0;
    if (enc === Ate.signed || enc === Ate.signed_char) encoding = INT_SIGNED;
    else if (enc === Ate.boolean) encoding = INT_BOOL;
    else if (this.opts.floats && (enc === Ate.float || enc === Ate.complex_float || enc === Ate.imaginary_float)) {
      if (enc !== Ate.float) this.fail(`complex and imaginary float types cannot be encoded in BTF ('${name ?? ''}')`, die);
      if (!name) this.fail('float type without a name', die);
      const size = Math.ceil(bits / 8);
      if (size !== 2 && size !== 4 && size !== 8 && size !== 12 && size !== 16) this.fail(`float '${name}' has unsupported size ${size}`, die);
      this.begin1(t, id, t.addStr(name), Kind.FLOAT, 0, 0, size);
      return;
    }
    let size = Math.ceil(bits / 8);
    let n = name;
    if (size === 0 || (size & (size - 1)) !== 0) {
      // odd-sized DWARF 5 helper types (DW_ATE_unsigned_24 ...) used only in location expressions
      n = '__SANITIZED_FAKE_INT__';
      size = 4;
    }
    if (!n) this.fail('base type without a name', die);
    if (size > 16) this.fail(`base type '${n}' is ${size} bytes, more than BTF allows`, die);
    this.begin1(t, id, t.addStr(n), Kind.INT, 0, 0, size);
    t.push(encoding << 24 | (size * 8));
  }

  private emitComposite(t: BtfTable, id: number, die: number): void {
    const r = this.r;
    const isUnion = r.tag === Tag.union_type;
    let name = this.strOf(At.name);
    const declaration = r.udata(At.declaration) !== 0;
    if (declaration) {
      if (name <= 0) this.fail('forward declaration without a name', die);
      this.begin1(t, id, name, Kind.FWD, 0, isUnion ? 1 : 0, 0);
      return;
    }
    if (name < 0) {
      const spec = r.ref(At.specification);
      if (spec && this.typeId(spec) > 0) {
        r.read(spec);
        name = this.strOf(At.name);
        r.read(die);
      }
    }
    const size = r.udata(At.byte_size);
    const hasChildren = r.hasChildren;
    let child = r.next;
    this.begin1(t, id, name > 0 ? name : 0, isUnion ? Kind.UNION : Kind.STRUCT, 0, 0, size);
    const at = t.at(id);
    let vlen = 0;
    let kflag = 0;
    if (hasChildren) {
      for (;;) {
        if (!r.read(child)) break;
        const cOff = child;
        const next = r.next;
        const cHas = r.hasChildren;
        if (r.tag === Tag.member) {
          // as libbpf's btf__add_field: the struct has the kind flag when a member is a bitfield
          // (not when a plain member's offset needs more than 24 bits)
          if (this.emitMember(t, cOff, isUnion)) kflag = 1;
          vlen++;
        }
        child = cHas ? r.siblingOf(cOff) : next;
      }
    }
    if (vlen > 0xffff) this.fail(`more than 65535 members`, die);
    t.words[at + 1] = ((kflag << 31) | (Kind.STRUCT + (isUnion ? 1 : 0)) << 24 | vlen) >>> 0;
  }

  /**
   * Appends one btf_member for the member DIE at `off`. The arithmetic follows pahole's field
   * widths: bit offsets are 32-bit unsigned, DW_AT_bit_offset is kept in 8 signed bits and
   * DW_AT_bit_size in 8 unsigned bits. Returns whether the member is a bitfield.
   */
  private emitMember(t: BtfTable, off: number, inUnion: boolean): boolean {
    const r = this.r;
    const name = this.strOf(At.name);
    const typeRef = r.ref(At.type);
    const type = this.typeId(typeRef);
    const bitSize = r.udata(At.bit_size) & 0xff;
    let byteSize = r.udata(At.byte_size);
    let bitOffset: number;
    const dbo = r.find(At.data_bit_offset);
    if (dbo >= 0) {
      bitOffset = this.memberOffset(dbo) >>> 0;
    } else {
      const dml = r.find(At.data_member_location);
      let byteOffset = 0;
      let isStatic = false;
      if (dml >= 0) byteOffset = this.memberOffset(dml) >>> 0;
      else isStatic = !inUnion;
      bitOffset = Math.imul(byteOffset, 8) >>> 0;
      if (bitSize !== 0 && !isStatic) {
        const bo = r.find(At.bit_offset);
        let bitfieldOffset = bo >= 0 ? int8(r.lo[bo]) : 0;
        if (byteSize === 0) byteSize = this.strippedSize(typeRef);
        if (byteSize !== 0) {
          if (this.r.le) bitfieldOffset = int8(byteSize * 8 - bitfieldOffset - bitSize);
          bitOffset = (Math.imul(byteOffset, 8) + bitfieldOffset) >>> 0;
        }
      }
    }
    const isBitfield = bitSize !== 0 || bitOffset % 8 !== 0;
    if (isBitfield && (bitSize === 0 || bitOffset > 0xffffff)) {
      this.fail(`member '${this.nameStr(name)}' has a bitfield BTF cannot express (offset ${bitOffset}, size ${bitSize})`, off);
    }
    if (inUnion && bitOffset !== 0) this.fail(`union member '${this.nameStr(name)}' at non-zero bit offset ${bitOffset}`, off);
    t.push(name > 0 ? name : 0);
    t.push(type);
    t.push((bitOffset | bitSize << 24) >>> 0);
    return isBitfield;
  }

  /** A member location: a constant, or an expression DW_OP_plus_uconst/DW_OP_constu N. */
  private memberOffset(i: number): number {
    const r = this.r;
    const f = r.form[i];
    if (f === Form.exprloc || f === Form.block || f === Form.block1 || f === Form.block2 || f === Form.block4) {
      const p = r.lo[i];
      if (r.len[i] > 0 && (r.byteAt(p) === Op.plus_uconst || r.byteAt(p) === Op.constu)) return r.ulebAt(p + 1);
      this.fail('unsupported member location expression', r.off);
    }
    return r.hi[i] * 2 ** 32 + r.lo[i];
  }

  /** Byte size of the type at DIE `off` after stripping typedefs and qualifiers (pahole's rule for bitfield units). */
  private strippedSize(off: number): number {
    const r = this.r;
    let cur = off;
    for (let guard = 0; cur !== 0 && guard < 64; guard++) {
      if (this.typeId(cur) === 0) return 0;
      r.read(cur);
      const tag = r.tag;
      if (tag !== Tag.typedef && tag !== Tag.const_type && tag !== Tag.volatile_type && tag !== Tag.restrict_type) {
        return this.typeSize(cur);
      }
      cur = r.ref(At.type);
    }
    return 0;
  }

  private emitArray(t: BtfTable, id: number, die: number): void {
    const r = this.r;
    const elem = this.typeId(r.ref(At.type));
    let nelems = 1;
    if (r.hasChildren) {
      let child = r.next;
      for (;;) {
        if (!r.read(child)) break;
        const cOff = child;
        const cHas = r.hasChildren;
        if (r.tag === Tag.subrange_type) nelems = Math.imul(nelems, subrangeCount(r)) >>> 0;
        child = cHas ? r.siblingOf(cOff) : r.next;
      }
    }
    this.begin1(t, id, 0, Kind.ARRAY, 0, 0, 0);
    t.push(elem);
    t.push(INDEX_TYPE_REF);
    t.push(nelems);
  }

  private emitEnum(t: BtfTable, id: number, die: number): void {
    const r = this.r;
    const name = this.strOf(At.name);
    let size = r.udata(At.byte_size);
    if (size === 0) size = 4;
    let signed = false;
    const ty = r.ref(At.type);
    const hasChildren = r.hasChildren;
    let child = r.next;
    if (ty) {
      r.read(ty);
      const e = r.udata(At.encoding);
      signed = e === Ate.signed || e === Ate.signed_char;
    }
    if (size & (size - 1) || size > 8) this.fail(`enum '${this.nameStr(name)}' has unsupported size ${size}`, die);
    const is64 = size > 4 && this.opts.enum64;
    this.begin1(t, id, name > 0 ? name : 0, is64 ? Kind.ENUM64 : Kind.ENUM, 0, is64 && signed ? 1 : 0, size);
    const at = t.at(id);
    let vlen = 0;
    let kflag = is64 && signed ? 1 : 0;
    if (hasChildren) {
      for (;;) {
        if (!r.read(child)) break;
        const cOff = child;
        const cHas = r.hasChildren;
        if (r.tag === Tag.enumerator) {
          const ename = this.strOf(At.name);
          if (ename <= 0) this.fail('enumerator without a name', cOff);
          const i = r.find(At.const_value);
          // pahole reads the value as unsigned 64 bits: data forms zero-extend, sdata sign-extends
          let lo = 0, hi = 0;
          if (i >= 0 && isConstantForm(r.form[i])) { lo = r.lo[i]; hi = r.hi[i]; }
          t.push(ename);
          if (is64) {
            t.push(lo);
            t.push(hi);
          } else if (!this.opts.enum64) {
            t.push(lo);
          } else {
            // as a signed 64-bit value it must fit in [INT_MIN, UINT_MAX]
            const negative = (hi & 0x80000000) !== 0;
            if (negative ? (hi !== 0xffffffff || (lo & 0x80000000) === 0) : hi !== 0) {
              this.fail(`enumerator '${this.nameStr(ename)}' value does not fit in 32 bits`, cOff);
            }
            if (negative) kflag = 1;
            t.push(lo);
          }
          vlen++;
        }
        child = cHas ? r.siblingOf(cOff) : r.next;
      }
    }
    t.words[at + 1] = ((kflag << 31) | (is64 ? Kind.ENUM64 : Kind.ENUM) << 24 | vlen) >>> 0;
  }

  /**
   * Appends a FUNC_PROTO for a subroutine type or subprogram DIE to `t`; returns its id.
   * For subprograms, parameters without a type take name and type from their abstract origin,
   * and a missing return type is taken from the function's abstract origin.
   */
  private emitProto(t: BtfTable, die: number, isFunc: boolean): number {
    const r = this.r;
    r.read(die);
    let ret = this.typeId(r.ref(At.type));
    if (isFunc && r.ref(At.type) === 0) {
      const origin = r.ref(At.abstract_origin);
      if (origin && this.inUnit(origin)) {
        r.read(origin);
        ret = this.typeId(r.ref(At.type));
        r.read(die);
      }
    }
    const id = t.begin(0, Kind.FUNC_PROTO, 0, 0, ret);
    const at = t.at(id);
    this.unnamedParams = 0;
    let vlen = 0;
    this.unspecifiedParams = false;
    if (r.hasChildren) vlen = this.emitParams(t, r.next, isFunc);
    if (this.unspecifiedParams) {
      t.push(0);
      t.push(0);
      vlen++;
    }
    t.words[at + 1] = (Kind.FUNC_PROTO << 24 | vlen) >>> 0;
    return id;
  }

  /** Parameters among the children starting at `first`; returns how many were pushed. */
  private emitParams(t: BtfTable, first: number, isFunc: boolean): number {
    const r = this.r;
    let child = first;
    let n = 0;
    for (;;) {
      if (!r.read(child)) break;
      const cOff = child;
      const cHas = r.hasChildren;
      const cNext = r.next;
      if (r.tag === Tag.formal_parameter) {
        let name = this.strOf(At.name);
        const tref = r.ref(At.type);
        let type = this.typeId(tref);
        const flags = isFunc && this.opts.funcChecks ? this.paramLocationFlags(cOff, n) : 0;
        if (tref === 0) {
          const origin = r.ref(At.abstract_origin);
          if (origin && this.inUnit(origin)) {
            // pahole shares what the location says with the parameter's abstract origin
            if (flags !== 0) this.flagParam(origin, flags);
            r.read(origin);
            name = this.strOf(At.name);
            type = this.typeId(r.ref(At.type));
          }
        }
        t.push(name > 0 ? name : 0);
        t.push(type);
        if (name < 0) this.unnamedParams++;
        n++;
      } else {
        // (assigned for every other child too, not only at the rare marker: V8 would deoptimize
        // at the first variadic function otherwise; see README, Layout)
        this.unspecifiedParams ||= r.tag === Tag.unspecified_parameters;
      }
      child = cHas ? r.siblingOf(cOff) : cNext;
    }
    return n;
  }

  /** A fragment string offset (or -1) as text, for messages. */
  private nameStr(off: number): string {
    return off > 0 ? this.strings.get(off) : '';
  }

  private inUnit(off: number): boolean {
    const u = this.r.unit;
    return off >= u.dieOffset && off < u.end;
  }

  // ---- declaration tags ----

  private emitTypeDeclTags(frag: CuFragment): void {
    const r = this.r;
    const t = frag.types;
    for (let id = 1; id <= frag.nTypes; id++) {
      if (this.entryKind[id] !== Entry.DIE) continue;
      const die = this.entryDie[id];
      r.skipAttrs(die);
      const tag = r.tag;
      if (tag !== Tag.structure_type && tag !== Tag.union_type && tag !== Tag.typedef) continue;
      if (!r.hasChildren) continue;
      const tags = this.collectDeclTags(r.next, tag === Tag.typedef ? DeclCtx.TYPEDEF : DeclCtx.CLASS);
      if (tags) for (const dt of tags) this.addDeclTag(t, dt, id);
    }
  }

  private addDeclTag(t: BtfTable, dt: DeclTag, target: number): number {
    const id = t.begin(t.addStr(dt.value), Kind.DECL_TAG, 0, 0, target);
    t.push(dt.component);
    return id;
  }

  /** `btf_decl_tag` annotations among the children starting at `first`, in pahole's order. */
  private collectDeclTags(first: number, ctx: DeclCtx): DeclTag[] | null {
    const r = this.r;
    let out: DeclTag[] | null = null;
    let child = first;
    let index = 0;
    for (;;) {
      if (!r.read(child)) break;
      const cOff = child;
      const cHas = r.hasChildren;
      const tag = r.tag;
      if (tag === Tag.LLVM_annotation) {
        const v = this.declTagValue();
        if (v !== null) (out ??= []).push({ value: v, component: -1 });
      } else if (cHas && ((ctx === DeclCtx.CLASS && (tag === Tag.member || tag === Tag.inheritance)) ||
        (ctx === DeclCtx.FUNCTION && tag === Tag.formal_parameter))) {
        const inner = this.childAnnotations(r.next, index);
        if (inner) (out ??= []).push(...inner);
      }
      if ((ctx === DeclCtx.CLASS && (tag === Tag.member || tag === Tag.inheritance)) ||
        (ctx === DeclCtx.FUNCTION && tag === Tag.formal_parameter)) index++;
      r.read(cOff);
      child = cHas ? r.siblingOf(cOff) : r.next;
    }
    return out;
  }

  private childAnnotations(first: number, component: number): DeclTag[] | null {
    const r = this.r;
    let out: DeclTag[] | null = null;
    let child = first;
    for (;;) {
      if (!r.read(child)) break;
      const cOff = child;
      const cHas = r.hasChildren;
      if (r.tag === Tag.LLVM_annotation) {
        const v = this.declTagValue();
        if (v !== null) (out ??= []).push({ value: v, component });
      }
      r.read(cOff);
      child = cHas ? r.siblingOf(cOff) : r.next;
    }
    return out;
  }

  /** The value of the current LLVM_annotation DIE when it is a btf_decl_tag, else null. */
  private declTagValue(): string | null {
    const r = this.r;
    if (r.str(At.name) !== 'btf_decl_tag') return null;
    return r.str(At.const_value) ?? '';
  }

  // ---- functions and variables ----

  /**
   * A function DIE as a candidate FUNC; null for a declaration, a function with an unnamed
   * parameter, or when its name is not one that can become a FUNC.
   */
  private funcCandidate(die: number, protos: BtfTable, annotations: boolean): FuncCandidate | null {
    const r = this.r;
    r.read(die);
    // a declaration never becomes a FUNC (see encode()): not worth its name or prototype
    if (r.has(At.declaration)) return null;
    let name = r.str(At.name);
    const external = r.has(At.external);
    const origin = r.ref(At.abstract_origin);
    const spec = r.ref(At.specification);
    if (name === null && (origin || spec)) {
      const from = origin && this.inUnit(origin) ? origin : spec && this.inUnit(spec) ? spec : 0;
      if (from) {
        r.read(from);
        name = r.str(At.name);
      }
    }
    if (this.funcNames && (name === null || !this.funcNames.has(name))) return null;
    const proto = this.emitProto(protos, die, true);
    if (this.unnamedParams !== 0) return null;
    let tags: DeclTag[] | null = null;
    if (this.opts.declTags && annotations) {
      r.read(die);
      if (r.hasChildren) tags = this.collectDeclTags(r.next, DeclCtx.FUNCTION);
    }
    return { name, external, proto, tags, die, unexpectedReg: false, uncertainLoc: false };
  }

  /** A variable that has a static address or completes a declaration; null for any other. */
  private varCandidate(die: number, topLevel: boolean, annotations: boolean): VarCandidate | null {
    const r = this.r;
    r.read(die);
    const declaration = r.has(At.declaration);
    let global = false;
    let addrLo = 0, addrHi = 0;
    if (!declaration) {
      const li = r.find(At.location);
      if (li >= 0) {
        const f = r.form[li];
        if (f === Form.exprloc || f === Form.block1 || f === Form.block || f === Form.block2 || f === Form.block4) {
          const p = r.lo[li];
          if (r.len[li] > 0) {
            const op = r.byteAt(p);
            if (op === Op.addr) {
              r.readAddr(p + 1, this.addr);
              global = true;
            } else if (op === Op.addrx || op === Op.GNU_addr_index) {
              const index = r.ulebAt(p + 1);
              if (r.addrIndex(index, this.addr)) global = true;
              else { this.addr.lo = 0; this.addr.hi = 0; global = true; }
            }
            if (global) { addrLo = this.addr.lo; addrHi = this.addr.hi; }
          }
        }
      }
    }
    const spec = r.ref(At.specification);
    const specHere = spec !== 0 && this.inUnit(spec);
    // most variables are locals on the stack or in registers: nothing more to read
    if (!global && !specHere) return null;
    const name = r.str(At.name);
    let specName = name;
    const artificial = r.has(At.artificial);
    let external = r.has(At.external);
    let typeRef = r.ref(At.type);
    let hasSpec = false;
    let tagsDie = die;
    if (specHere) {
      r.read(spec);
      if (r.tag === Tag.variable) {
        hasSpec = true;
        specName = r.str(At.name);
        external = r.has(At.external);
        typeRef = r.ref(At.type);
        tagsDie = spec;
      }
    }
    if (!global && !hasSpec) return null;
    const type = this.typeId(typeRef);
    const size = type ? this.typeSize(typeRef) : 0;
    let tags: DeclTag[] | null = null;
    if (this.opts.declTags && annotations) {
      r.read(tagsDie);
      if (r.hasChildren) tags = this.childAnnotations(r.next, -1);
    }
    return { name, declaration, global, addrLo, addrHi, hasSpec, specName, topLevel, artificial, type, external, size, tags, die };
  }

  // ---- pahole 1.31's checks of function prototypes (funcChecks) ----

  /**
   * PARAM_* flags for the formal parameter DIE just read, parameter number `index`: whether its
   * location puts it, on entry, in another register than the ABI's. Records them on the DIE.
   * Leaves the reader on the parameter DIE.
   */
  private paramLocationFlags(die: number, index: number): number {
    const o = this.opts;
    if (index >= o.regParams) return 0;
    const expected = index < o.regOps.length ? o.regOps[index] : -1;
    if (expected < 0) return 0;
    const r = this.r;
    const li = r.find(At.location);
    if (li < 0) return 0;
    const actual = parameterRegister(r, li, expected, this.lists, this.loclistsBase);
    if (actual < 0 || actual === expected) return 0;
    this.flagParam(die, PARAM_UNEXPECTED);
    return PARAM_UNEXPECTED;
  }

  private flagParam(die: number, flags: number): void {
    const k = die - this.unitBase;
    if (this.paramFlags.length < this.dieId.length) {
      const n = new Uint8Array(this.dieId.length);
      n.set(this.paramFlags.subarray(0, Math.min(this.paramFlags.length, n.length)));
      this.paramFlags = n;
    }
    if (this.paramFlags[k] === 0) this.flagged.push(k);
    this.paramFlags[k] |= flags;
    this.anyUnexpected = true;
  }

  /**
   * Sets unexpectedReg and uncertainLoc of the unit's function candidates, once every parameter
   * location (and what concrete instances told their abstract origins) is known.
   */
  private checkFuncs(frag: CuFragment): void {
    const nregs = this.opts.regParams;
    for (const f of frag.funcs) {
      const p = frag.protos;
      const at = p.at(f.proto);
      let vlen = infoVlen(p.words[at + 1]);
      // a trailing (0, 0) is the varargs marker, not a parameter
      if (vlen > 0 && p.words[at + 3 + (vlen - 1) * 2] === 0 && p.words[at + 4 + (vlen - 1) * 2] === 0) vlen--;
      if (this.anyUnexpected && this.hasUnexpectedParam(f.die)) {
        let structParam = false;
        for (let i = 0; i < vlen && !structParam; i++) structParam = this.isStructParam(p.words[at + 4 + i * 2]);
        f.unexpectedReg = !structParam;
      }
      if (vlen >= nregs) {
        for (let i = nregs; i < vlen && !f.uncertainLoc; i++) f.uncertainLoc = this.isPackedStruct(p.words[at + 4 + i * 2]);
      }
    }
  }

  /** Whether a formal parameter child of subprogram `die` has PARAM_UNEXPECTED. */
  private hasUnexpectedParam(die: number): boolean {
    const r = this.r;
    r.read(die);
    if (!r.hasChildren) return false;
    let child = r.next;
    for (;;) {
      if (!r.read(child)) return false;
      const cOff = child;
      if (r.tag === Tag.formal_parameter && (this.paramFlags[cOff - this.unitBase] & PARAM_UNEXPECTED) !== 0) return true;
      child = r.hasChildren ? r.siblingOf(cOff) : r.next;
    }
  }

  /** The DIE of local type id `id` (0 when it is not a DIE's type). */
  private typeDie(id: number): number {
    if (id <= 0 || id >= this.nEntries || this.entryKind[id] !== Entry.DIE) return 0;
    return this.entryDie[id];
  }

  /** pahole's param__is_struct: the type, through const and typedefs, is a struct. */
  private isStructParam(id: number): boolean {
    const r = this.r;
    let die = this.typeDie(id);
    for (let guard = 0; die !== 0 && guard < 64; guard++) {
      r.read(die);
      if (r.tag === Tag.structure_type) return true;
      if (r.tag !== Tag.const_type && r.tag !== Tag.typedef) return false;
      const next = r.ref(At.type);
      die = next && this.typeId(next) > 0 ? next : 0;
    }
    return false;
  }

  /** The parameter type (as declared) is a named struct that pahole infers to be packed. */
  private isPackedStruct(id: number): boolean {
    const die = this.typeDie(id);
    if (die === 0) return false;
    const r = this.r;
    r.read(die);
    if (r.tag !== Tag.structure_type && r.tag !== Tag.class_type && r.tag !== Tag.interface_type) return false;
    if (!r.has(At.name)) return false;
    return this.inferPacked(die);
  }

  /**
   * pahole's class__infer_packed_attributes for the struct at `die`: no holes and no padding,
   * and a member off its natural alignment, or a size that is not a multiple of the largest one.
   * A struct with holes is not packed, but marks the structs it embeds at unnatural offsets.
   */
  private inferPacked(die: number): boolean {
    const cache = (this.packedCache ??= new Map());
    const hit = cache.get(die);
    if (hit !== undefined) return hit;
    const members = this.layoutMembers(die);
    const r = this.r;
    r.read(die);
    const size = r.udata(At.byte_size);
    const alignment = r.udata(At.alignment);
    let packed = false;
    if (holesOrPadding(members, size)) {
      for (const m of members) {
        if (m.typeDie === 0 || !this.isStructTag(m.typeDie)) continue;
        if (m.byteOffset % this.naturalAlignment(m.typeDie, 0) !== 0) cache.set(m.typeDie, true);
      }
    } else {
      let maxAlign = 1;
      for (const m of members) {
        const a = m.typeDie ? this.naturalAlignment(m.typeDie, 0) : 1;
        if (a === 1) continue;
        if (maxAlign < a) maxAlign = a;
        if (m.byteOffset % a !== 0) { packed = true; break; }
      }
      if (!packed && ((maxAlign !== 1 && alignment === 1) || size % maxAlign !== 0)) packed = true;
    }
    cache.set(die, packed);
    return packed;
  }

  private isStructTag(die: number): boolean {
    this.r.read(die);
    const t = this.r.tag;
    return t === Tag.structure_type || t === Tag.class_type || t === Tag.interface_type;
  }

  /** The type DIE under typedefs and qualifiers of the type DIE `die` (0: void or unknown). */
  private stripDie(die: number): number {
    const r = this.r;
    for (let guard = 0; die !== 0 && guard < 64; guard++) {
      if (this.typeId(die) === 0) return 0;
      r.read(die);
      const t = r.tag;
      if (t !== Tag.typedef && t !== Tag.const_type && t !== Tag.volatile_type && t !== Tag.restrict_type &&
        t !== Tag.atomic_type) return die;
      die = r.ref(At.type);
    }
    return 0;
  }

  /** Data members of the struct at `die` as pahole lays them out (static members left out). */
  private layoutMembers(die: number): LayoutMember[] {
    const r = this.r;
    const out: LayoutMember[] = [];
    r.read(die);
    if (!r.hasChildren) return out;
    let child = r.next;
    for (;;) {
      if (!r.read(child)) break;
      const cOff = child;
      const next = r.hasChildren ? r.siblingOf(cOff) : r.next;
      if (r.tag === Tag.member) {
        const typeRef = r.ref(At.type);
        const bitfieldSize = r.udata(At.bit_size);
        let byteSize = r.udata(At.byte_size);
        const dbo = r.find(At.data_bit_offset);
        const dml = r.find(At.data_member_location);
        let bitOffset = 0, byteOffset = 0;
        let isStatic = false;
        const bitOffsetAttr = r.has(At.bit_offset) ? int8(r.udata(At.bit_offset)) : 0;
        if (dbo >= 0) bitOffset = this.memberOffset(dbo);
        else if (dml >= 0) byteOffset = this.memberOffset(dml);
        else isStatic = true;
        if (!isStatic) {
          const typeDie = this.stripDie(typeRef);
          if (bitfieldSize === 0) {
            byteSize = this.typeSize(typeRef);
            if (dbo >= 0) byteOffset = Math.floor(bitOffset / 8);
            else bitOffset = byteOffset * 8;
          } else {
            if (byteSize === 0) byteSize = typeDie ? this.typeSize(typeDie) : 0;
            if (dbo >= 0) {
              byteOffset = Math.floor(bitOffset / 8);
            } else {
              let bfo = bitOffsetAttr;
              if (r.le) bfo = byteSize * 8 - bfo - bitfieldSize;
              bitOffset = byteOffset * 8 + bfo;
            }
          }
          out.push({ bitOffset, byteOffset, byteSize, bitfieldSize, typeDie });
        }
      }
      child = next;
    }
    return out;
  }

  /** pahole's tag__natural_alignment of the (stripped) type DIE `die`. */
  private naturalAlignment(die: number, depth: number): number {
    if (die === 0 || depth > 32) return 1;
    const r = this.r;
    r.read(die);
    let a = 1;
    switch (r.tag) {
      case Tag.pointer_type: case Tag.reference_type: case Tag.rvalue_reference_type:
        a = r.unit.addressSize; break;
      case Tag.base_type: case Tag.enumeration_type:
        a = this.typeSize(die); break;
      case Tag.structure_type: case Tag.class_type: case Tag.interface_type: case Tag.union_type:
        a = 0;
        for (const m of this.layoutMembers(die)) {
          const x = this.naturalAlignment(m.typeDie, depth + 1);
          if (a < x) a = x;
        }
        break;
      case Tag.array_type:
        a = this.naturalAlignment(this.stripDie(r.ref(At.type)), depth + 1); break;
    }
    return a || 1;
  }

  /** pahole's tag__size for the type DIE at `off`. */
  typeSize(off: number, depth = 0): number {
    if (off === 0 || depth > 64 || this.typeId(off) === 0) return 0;
    const r = this.r;
    r.read(off);
    switch (r.tag) {
      case Tag.pointer_type: case Tag.reference_type: case Tag.rvalue_reference_type:
        return r.unit.addressSize;
      case Tag.base_type:
        return r.udata(At.byte_size);
      case Tag.enumeration_type: {
        const s = r.udata(At.byte_size);
        return s === 0 ? 4 : s;
      }
      case Tag.string_type: {
        const s = r.udata(At.byte_size);
        return s === 0 ? 1 : s;
      }
    }
    const tag = r.tag;
    const ref = r.ref(At.type);
    if (tag === Tag.structure_type || tag === Tag.union_type || tag === Tag.class_type || (ref === 0 && tag !== Tag.array_type)) {
      const size = r.udata(At.byte_size);
      if (size === 1 && !this.hasMembers()) return 0;
      return size;
    }
    if (tag === Tag.array_type) {
      let nelems = 1;
      if (r.hasChildren) {
        let child = r.next;
        for (;;) {
          if (!r.read(child)) break;
          const cOff = child;
          if (r.tag === Tag.subrange_type) nelems *= subrangeCount(r);
          child = r.hasChildren ? r.siblingOf(cOff) : r.next;
        }
      }
      if (this.typeId(ref) === 0) return 0;
      return this.typeSize(ref, depth + 1) * nelems;
    }
    if (this.typeId(ref) === 0) return 0;
    return this.typeSize(ref, depth + 1);
  }

  private hasMembers(): boolean {
    const r = this.r;
    if (!r.hasChildren) return false;
    let child = r.next;
    for (;;) {
      if (!r.read(child)) return false;
      if (r.tag === Tag.member || r.tag === Tag.inheritance) return true;
      const cOff = child;
      child = r.hasChildren ? r.siblingOf(cOff) : r.next;
    }
  }
}

const enum Ctx {
  UNIT,
  CLASS,
  FUNCTION,
  INLINE,
  SUBROUTINE,
}

/** A formal parameter is in an unexpected register on entry. */
const PARAM_UNEXPECTED = 1;

/** A struct member as pahole's hole finder sees it. */
interface LayoutMember {
  bitOffset: number;
  byteOffset: number;
  byteSize: number;
  bitfieldSize: number;
  /** Its type under typedefs and qualifiers (0: void or unknown). */
  typeDie: number;
}

/** Whether pahole's class__find_holes finds a hole or padding in a struct of `size` bytes. */
function holesOrPadding(ms: LayoutMember[], size: number): boolean {
  let curBitfieldEnd = size * 8, curBitfieldSize = 0, lastSeenBit = 0, inBitfield = false, holes = 0;
  for (const m of ms) {
    const bitStart = m.bitOffset;
    const bitEnd = bitStart + (m.bitfieldSize ? m.bitfieldSize : m.byteSize * 8);
    let byteHoles = 0;
    if (inBitfield) lastSeenBit = Math.min(bitStart, curBitfieldEnd);
    if (m.bitfieldSize) {
      const alignedStart = m.byteOffset * 8;
      if (lastSeenBit < alignedStart && alignedStart <= bitStart) {
        byteHoles = m.byteOffset - Math.floor(lastSeenBit / 8);
        lastSeenBit = alignedStart;
      }
    } else {
      byteHoles = Math.floor(bitStart / 8) - Math.floor(lastSeenBit / 8);
    }
    lastSeenBit = bitEnd;
    if (m.bitfieldSize) {
      inBitfield = true;
      const bitSize = m.byteSize * 8;
      if (bitEnd > curBitfieldEnd || bitSize > curBitfieldSize) {
        curBitfieldSize = bitSize;
        curBitfieldEnd = m.byteOffset * 8 + curBitfieldSize;
        if (bitEnd > curBitfieldEnd) curBitfieldEnd += curBitfieldSize;
      }
    } else {
      inBitfield = false;
      curBitfieldSize = 0;
      curBitfieldEnd = bitEnd;
    }
    if (byteHoles > 0) holes++;
  }
  if (inBitfield) lastSeenBit = Math.min(size * 8, curBitfieldEnd);
  return holes !== 0 || size - Math.floor(lastSeenBit / 8) !== 0;
}

const enum DeclCtx {
  CLASS,
  TYPEDEF,
  FUNCTION,
}

function isConstantForm(f: number): boolean {
  return f === Form.data1 || f === Form.data2 || f === Form.data4 || f === Form.data8 || f === Form.sdata ||
    f === Form.udata || f === Form.implicit_const;
}

function int8(v: number): number {
  return (v << 24) >> 24;
}

/** Number of elements of the current DW_TAG_subrange_type DIE, as pahole computes it (32 bits). */
function subrangeCount(r: DieReader): number {
  let i = r.find(At.upper_bound);
  if (i >= 0) {
    if (!isConstantForm(r.form[i])) return 0;
    const upper = r.lo[i];
    return upper === 0xffffffff ? 0 : upper + 1; // (upper + 1) modulo 2^32
  }
  i = r.find(At.count);
  if (i >= 0) {
    if (!isConstantForm(r.form[i])) return 0;
    return r.lo[i] >>> 0;
  }
  return 0;
}

function tagLabel(tag: number): string {
  return 'DW_TAG 0x' + tag.toString(16);
}

#!/usr/bin/env node
// Real-kernel corpus: Debian's linux-image-<release>-dbg (vmlinux and modules
// with DWARF) and linux-image-<release>-unsigned (the shipped modules with
// the .BTF that pahole made at build time), kept in a cache directory.
//
//   node scripts/corpus.mjs fetch             download (apt-get download) and unpack
//   node scripts/corpus.mjs paths             JSON: vmlinux, module folders, counts
//   node scripts/corpus.mjs modules [dbg|unsigned]
//                                             module paths relative to the module folder
//   node scripts/corpus.mjs btf NAME...       extract shipped .BTF (module name, relative
//                                             path, or "vmlinux"); prints the .btf paths
//   node scripts/corpus.mjs btf --all         extract the .BTF of every shipped module
//
// Cache: $DWARF2BTF_CACHE, else ~/.cache/dwarf2btf
//   debs/       the two .deb files
//   dbg/        dpkg-deb -x of the -dbg package
//   unsigned/   dpkg-deb -x of the -unsigned package
//   btf/        .BTF sections extracted on demand (btf/vmlinux.btf, btf/modules/<rel>.btf)
//
// Importable: corpusPaths(), fetchCorpus(), listModules(), moduleBtfPath(),
// vmlinuxBtfPath(), findModule(), cacheDir(). Only node:* modules are used;
// the external tools are apt-get and dpkg-deb (fetch), objcopy (btf, with a
// built-in ELF reader as fallback), xz/zstd for compressed modules.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const KERNEL_RELEASE = '6.1.0-56-cloud-amd64';
export const PACKAGES = Object.freeze({
  dbg: `linux-image-${KERNEL_RELEASE}-dbg`,
  unsigned: `linux-image-${KERNEL_RELEASE}-unsigned`,
});

const MODULE_RE = /\.ko(\.xz|\.zst|\.gz)?$/;

export function cacheDir() {
  return path.resolve(process.env.DWARF2BTF_CACHE || path.join(os.homedir(), '.cache', 'dwarf2btf'));
}

function layout(cache = cacheDir()) {
  const dbg = path.join(cache, 'dbg');
  const unsigned = path.join(cache, 'unsigned');
  return {
    cache,
    debs: path.join(cache, 'debs'),
    dbg,
    unsigned,
    btf: path.join(cache, 'btf'),
    vmlinux: path.join(dbg, 'usr/lib/debug/boot', `vmlinux-${KERNEL_RELEASE}`),
    systemMap: path.join(dbg, 'usr/lib/debug/boot', `System.map-${KERNEL_RELEASE}`),
    dbgModulesDir: path.join(dbg, 'usr/lib/debug/lib/modules', KERNEL_RELEASE, 'kernel'),
    unsignedModulesDir: path.join(unsigned, 'lib/modules', KERNEL_RELEASE, 'kernel'),
    vmlinuz: path.join(unsigned, 'boot', `vmlinuz-${KERNEL_RELEASE}`),
    config: path.join(unsigned, 'boot', `config-${KERNEL_RELEASE}`),
  };
}

const exists = (p) => fs.existsSync(p);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[corpus]', ...a);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  if (r.error) return { ok: false, status: -1, stdout: '', stderr: String(r.error.message) };
  return { ok: r.status === 0, status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

const toolCache = new Map();
function haveTool(name) {
  if (!toolCache.has(name)) toolCache.set(name, run('sh', ['-c', `command -v ${name}`]).ok);
  return toolCache.get(name);
}

// ------------------------------------------------------------------ modules

function walkModules(dir) {
  const out = [];
  if (!exists(dir)) return out;
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop();
    for (const ent of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) stack.push(r);
      else if (MODULE_RE.test(ent.name)) out.push(r);
    }
  }
  return out.sort();
}

/** Module paths relative to the dbg or unsigned module folder ("fs/configfs/configfs.ko"). */
export function listModules(kind = 'dbg', cache = cacheDir()) {
  const l = layout(cache);
  return walkModules(kind === 'unsigned' ? l.unsignedModulesDir : l.dbgModulesDir);
}

function compressionOf(files) {
  const kinds = new Set(files.map((f) => (f.match(MODULE_RE)?.[1] ?? '').replace('.', '') || 'none'));
  return [...kinds].sort().join(',') || 'none';
}

// The compiler and pahole the kernel was built with, from its config.
function builtWith(config) {
  const text = fs.readFileSync(config, 'utf8');
  const get = (k) => text.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1]?.replace(/^"|"$/g, '') ?? null;
  const pahole = get('CONFIG_PAHOLE_VERSION');
  return {
    compiler: get('CONFIG_CC_VERSION_TEXT'),
    pahole: pahole ? `v${Math.floor(Number(pahole) / 100)}.${String(Number(pahole) % 100).padStart(2, '0')}` : null,
    btfModules: get('CONFIG_DEBUG_INFO_BTF_MODULES') === 'y',
  };
}

function isComplete(dir) {
  return exists(path.join(dir, '.complete'));
}

/**
 * Where the corpus is, or null when it has not been fetched/unpacked.
 * The dbg part (vmlinux + module DWARF) is required; `unsigned` is null when
 * the -unsigned package is not unpacked.
 */
export async function corpusPaths(cache = cacheDir()) {
  const l = layout(cache);
  if (!isComplete(l.dbg) || !exists(l.vmlinux)) return null;
  const dbgModules = walkModules(l.dbgModulesDir);
  let unsigned = null;
  if (isComplete(l.unsigned) && exists(l.unsignedModulesDir)) {
    const mods = walkModules(l.unsignedModulesDir);
    unsigned = {
      root: l.unsigned,
      modulesDir: l.unsignedModulesDir,
      moduleCount: mods.length,
      compression: compressionOf(mods),
      vmlinuz: exists(l.vmlinuz) ? l.vmlinuz : null,
      config: exists(l.config) ? l.config : null,
    };
  }
  return {
    cache: l.cache,
    kernelRelease: KERNEL_RELEASE,
    builtWith: unsigned?.config ? builtWith(unsigned.config) : null,
    packages: { ...PACKAGES },
    vmlinux: l.vmlinux,
    systemMap: exists(l.systemMap) ? l.systemMap : null,
    dbg: {
      root: l.dbg,
      modulesDir: l.dbgModulesDir,
      moduleCount: dbgModules.length,
      compression: compressionOf(dbgModules),
    },
    unsigned,
    btfDir: l.btf,
  };
}

/** Resolve a module name ("configfs", "configfs.ko") or relative path to a relative path. */
export function findModule(nameOrRel, kind = 'unsigned', cache = cacheDir()) {
  const l = layout(cache);
  const q = nameOrRel.replace(/^\/+/, '');
  const dir = kind === 'unsigned' ? l.unsignedModulesDir : l.dbgModulesDir;
  if (MODULE_RE.test(q) && exists(path.join(dir, q))) return q;
  const mods = listModules(kind, cache);
  const stem = (p) => path.basename(p).replace(MODULE_RE, '');
  const want = stem(q).replace(/-/g, '_');
  const hits = mods.filter((m) => stem(m).replace(/-/g, '_') === want);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new Error(`module name ${nameOrRel} is ambiguous: ${hits.join(', ')}`);
  return null;
}

// ------------------------------------------------------------ .BTF extraction

function decompressModule(file) {
  if (file.endsWith('.gz')) return zlib.gunzipSync(fs.readFileSync(file));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : null;
  if (!tool) return fs.readFileSync(file);
  const r = spawnSync(tool, ['-dc', file], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${tool} -dc ${file} failed: ${r.stderr}`);
  return r.stdout;
}

/** Contents of one ELF section (ELF32/64, either byte order), or null when absent/empty. */
export function readElfSection(buf, wanted) {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o) => Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const shoff = is64 ? u64(0x28) : u32(0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  let shnum = u16(is64 ? 0x3c : 0x30);
  let shstrndx = u16(is64 ? 0x3e : 0x32);
  const sh = (i) => {
    const o = shoff + i * shentsize;
    return is64
      ? { name: u32(o), type: u32(o + 4), offset: u64(o + 0x18), size: u64(o + 0x20), link: u32(o + 0x28) }
      : { name: u32(o), type: u32(o + 4), offset: u32(o + 0x10), size: u32(o + 0x14), link: u32(o + 0x18) };
  };
  if (shnum === 0 && shoff) shnum = sh(0).size;
  if (shstrndx === 0xffff) shstrndx = sh(0).link;
  const strtab = sh(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const start = strtab.offset + s.name;
    const end = buf.indexOf(0, start);
    if (buf.toString('latin1', start, end) !== wanted) continue;
    if (s.type === 8 /* SHT_NOBITS */ || s.size === 0) return null;
    return buf.subarray(s.offset, s.offset + s.size);
  }
  return null;
}

function writeAtomic(dest, data) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, dest);
}

// Extract `section` of ELF `file` to `dest` with objcopy --dump-section, or
// with the built-in reader when objcopy is missing or the file is compressed.
function dumpSection(file, section, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  const compressed = /\.(xz|zst|gz)$/.test(file);
  if (!compressed && haveTool('objcopy')) {
    const r = run('objcopy', ['--dump-section', `${section}=${tmp}`, file, '/dev/null']);
    if (r.ok && exists(tmp)) {
      fs.renameSync(tmp, dest);
      return dest;
    }
    fs.rmSync(tmp, { force: true });
    // objcopy fails when the section is missing; let the reader decide.
  }
  const data = readElfSection(decompressModule(file), section);
  if (!data) return null;
  writeAtomic(dest, data);
  return dest;
}

/** Path of the shipped (pahole-made) .BTF of one unsigned module, extracted on first use; null if it has none. */
export function moduleBtfPath(nameOrRel, cache = cacheDir()) {
  const l = layout(cache);
  const rel = findModule(nameOrRel, 'unsigned', cache);
  if (!rel) throw new Error(`no unsigned module ${nameOrRel} in ${l.unsignedModulesDir} (run: node scripts/corpus.mjs fetch)`);
  const src = path.join(l.unsignedModulesDir, rel);
  const dest = path.join(l.btf, 'modules', rel.replace(MODULE_RE, '.btf'));
  const none = `${dest}.none`;
  if (exists(dest) && fs.statSync(dest).mtimeMs >= fs.statSync(src).mtimeMs) return dest;
  if (exists(none)) return null;
  const out = dumpSection(src, '.BTF', dest);
  if (!out) writeAtomic(none, '');
  return out;
}

/** Path of the .BTF of the dbg vmlinux (the base of every module's split BTF), extracted on first use. */
export function vmlinuxBtfPath(cache = cacheDir()) {
  const l = layout(cache);
  if (!exists(l.vmlinux)) throw new Error(`no vmlinux at ${l.vmlinux} (run: node scripts/corpus.mjs fetch)`);
  const dest = path.join(l.btf, 'vmlinux.btf');
  if (exists(dest) && fs.statSync(dest).mtimeMs >= fs.statSync(l.vmlinux).mtimeMs) return dest;
  return dumpSection(l.vmlinux, '.BTF', dest);
}

// ------------------------------------------------------------------- fetch

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// Processes (other than us) working in the debs folder: an apt-get download
// started by someone else, whose methods inherit its working directory.
function foreignDownloaders(debsDir) {
  const found = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  const real = fs.realpathSync(debsDir);
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${e}/cwd`) !== real) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0').join(' ').trim();
      if (/apt|http|wget|curl|download/.test(cmd)) found.push(`${e}: ${cmd}`);
    } catch {
      /* gone or not ours to read */
    }
  }
  return found;
}

function debFiles(debsDir) {
  return exists(debsDir) ? fs.readdirSync(debsDir).filter((f) => f.endsWith('.deb')) : [];
}

function sizesOf(debsDir) {
  return debFiles(debsDir)
    .map((f) => `${f}:${fs.statSync(path.join(debsDir, f)).size}`)
    .join(',');
}

async function waitForQuietDebs(debsDir) {
  for (let waited = 0; ; waited += 5) {
    const procs = foreignDownloaders(debsDir);
    const before = sizesOf(debsDir);
    await sleep(procs.length ? 5000 : 2000);
    const after = sizesOf(debsDir);
    if (!procs.length && before === after) return;
    if (waited % 30 === 0) log(`waiting for a download in progress in ${debsDir}: ${procs.join('; ') || after}`);
  }
}

async function withLock(cache, fn) {
  fs.mkdirSync(cache, { recursive: true });
  const lock = path.join(cache, '.fetch.lock');
  for (let i = 0; ; i++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8')) || 0;
      if (!pid || !pidAlive(pid)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (i % 12 === 0) log(`another corpus fetch (pid ${pid}) is running; waiting`);
      await sleep(5000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function findDeb(debsDir, pkg) {
  const hits = debFiles(debsDir).filter((f) => f.startsWith(`${pkg}_`));
  return hits.length ? path.join(debsDir, hits.sort().at(-1)) : null;
}

function debOk(deb) {
  return run('dpkg-deb', ['--info', deb]).ok;
}

function aptDownload(debsDir, pkg) {
  log(`apt-get download ${pkg} (into ${debsDir})`);
  let r = spawnSync('apt-get', ['download', pkg], { cwd: debsDir, stdio: 'inherit' });
  if (r.status !== 0 && process.getuid?.() === 0) {
    log('apt-get download failed; running apt-get update once and retrying');
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    r = spawnSync('apt-get', ['download', pkg], { cwd: debsDir, stdio: 'inherit' });
  }
  if (r.status !== 0) throw new Error(`apt-get download ${pkg} failed (status ${r.status})`);
}

function unpack(deb, dir) {
  const stamp = path.join(dir, '.complete');
  const id = `${path.basename(deb)} ${fs.statSync(deb).size}`;
  if (exists(stamp) && fs.readFileSync(stamp, 'utf8').trim() === id) {
    log(`${path.basename(dir)}: already unpacked from ${path.basename(deb)}`);
    return;
  }
  const tmp = `${dir}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  log(`dpkg-deb -x ${path.basename(deb)} -> ${dir}`);
  const r = spawnSync('dpkg-deb', ['-x', deb, tmp], { stdio: 'inherit' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`dpkg-deb -x ${deb} failed; the .deb may be truncated: delete it and fetch again`);
  }
  fs.writeFileSync(path.join(tmp, '.complete'), `${id}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

/** Download (unless present) and unpack both packages; returns corpusPaths(). */
export async function fetchCorpus({ cache = cacheDir(), kinds = ['dbg', 'unsigned'] } = {}) {
  const l = layout(cache);
  return withLock(cache, async () => {
    fs.mkdirSync(l.debs, { recursive: true });
    await waitForQuietDebs(l.debs);
    for (const kind of kinds) {
      const pkg = PACKAGES[kind];
      let deb = findDeb(l.debs, pkg);
      if (deb && !debOk(deb)) {
        log(`${path.basename(deb)} is damaged; downloading it again`);
        fs.rmSync(deb);
        deb = null;
      }
      if (!deb) {
        aptDownload(l.debs, pkg);
        deb = findDeb(l.debs, pkg);
        if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${l.debs}`);
      } else {
        log(`have ${path.basename(deb)}`);
      }
      unpack(deb, kind === 'dbg' ? l.dbg : l.unsigned);
    }
    return corpusPaths(cache);
  });
}

// --------------------------------------------------------------------- CLI

function usage() {
  return `usage: node scripts/corpus.mjs <command>
  fetch                    download ${PACKAGES.dbg} and ${PACKAGES.unsigned}
                           with apt-get download (unless present) and unpack them
  paths                    print the corpus locations and module counts as JSON
                           (prints null and exits 1 when not fetched)
  modules [dbg|unsigned]   list module paths relative to the module folder
  btf NAME...|--all        extract shipped .BTF sections ("vmlinux", a module name
                           or relative path); prints one path per line
cache: ${cacheDir()} (set DWARF2BTF_CACHE to move it)`;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'fetch': {
      const p = await fetchCorpus();
      console.log(JSON.stringify(p, null, 2));
      return 0;
    }
    case 'paths': {
      const p = await corpusPaths();
      console.log(JSON.stringify(p, null, 2));
      return p ? 0 : 1;
    }
    case 'modules': {
      const kind = rest[0] ?? 'dbg';
      if (kind !== 'dbg' && kind !== 'unsigned') throw new Error(`unknown module kind ${kind}`);
      for (const m of listModules(kind)) console.log(m);
      return 0;
    }
    case 'btf': {
      if (!rest.length) throw new Error('btf: name a module, "vmlinux" or --all');
      const names = rest.includes('--all') ? listModules('unsigned') : rest;
      let missing = 0;
      for (const n of names) {
        const p = n === 'vmlinux' ? vmlinuxBtfPath() : moduleBtfPath(n);
        if (p) console.log(p);
        else {
          missing++;
          log(`${n}: no .BTF section`);
        }
      }
      if (rest.includes('--all')) log(`${names.length - missing} modules with .BTF, ${missing} without`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(usage());
      return cmd ? 0 : 2;
    default:
      console.error(usage());
      return 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`corpus: ${err.message}`);
      process.exit(1);
    },
  );
}

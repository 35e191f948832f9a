// Wall time and peak RSS of one child process, for the benchmark scripts: a python3 wrapper
// times it and reads getrusage(RUSAGE_CHILDREN), which Node cannot give for a single child.
import { spawnSync } from 'node:child_process';

const MEASURE = `
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
print(f"{r.returncode} {wall:.4f} {rss}")
`;

/** Runs `cmd` (argv); returns { wall (s), rssMiB }; throws with its last stderr line if it fails. */
export function measure(cmd) {
  const r = spawnSync('python3', ['-c', MEASURE, ...cmd], { encoding: 'utf8' });
  const [code, wall, rss] = r.stdout.trim().split(' ');
  if (code !== '0') throw new Error(`${cmd.join(' ')} failed (${code}): ${r.stderr.trim().split('\n').pop()}`);
  return { wall: Number(wall), rssMiB: Number(rss) / 1024 };
}
